//go:build linux

package integration

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The wrapped programs of these tests know nothing of svc: python3's
// http.server, ready when its port answers, and a shell that dies before
// it is ready, saying why.
const (
	wrapPython = "/usr/bin/python3"
	boomWords  = "boom-XYZ"
	boomScript = "echo " + boomWords + " >&2; exit 3"
)

func httpServerArgs(port int) []string {
	return []string{"-m", "http.server", strconv.Itoa(port), "--bind", "127.0.0.1"}
}

// notifyScript is a python3 program that speaks sd_notify itself, from
// its own pid, then serves nothing until stopped.
const notifyScript = `import os, socket, time
a = os.environ["NOTIFY_SOCKET"]
if a[0] == "@":
    a = "\0" + a[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", a)
time.sleep(1e6)
`

// installWrapped runs `svc install --name NAME ARGS` inside, and
// uninstalls it when the test ends, whatever happened (with a context of
// its own: the test's is cancelled by then).
func (m *machine) installWrapped(name string, args ...string) {
	m.t.Helper()
	m.run(append([]string{svcPath, "install", "--name", name}, args...)...)
	m.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
		defer cancel()
		m.Run(ctx, svcPath, "uninstall", "--name", name)
	})
}

func needPython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(wrapPython); err != nil {
		t.Skipf("no %s on the host (the instance uses the host's /usr): %v", wrapPython, err)
	}
}

// TestWrapSystemd installs wrapped programs with `svc install --exec`
// under a real systemd: with a tcp probe `svc start` (a D-Bus job)
// returns only once the port answers, through `svc run`; a program that
// speaks sd_notify itself is the main process; without a readiness the
// unit is Type=exec; a program that dies before it is ready fails the
// start with its own words.
func TestWrapSystemd(t *testing.T) {
	t.Parallel()
	needPython(t)
	m := bootWithSvc(t)
	before := m.etcTree()

	t.Run("tcp probe", func(t *testing.T) {
		m := m.with(t)
		const name, port = "wrap-tcp", 8191
		// python3 found in the instance's PATH, written absolute.
		m.installWrapped(name, append([]string{"--exec", "python3", "--ready", "tcp:127.0.0.1:" + strconv.Itoa(port), "--"}, httpServerArgs(port)...)...)
		m.expect(0, nil, svcPath, "start", "--name", name)
		// start returned: the port answers now, no polling.
		if _, err := m.get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil {
			t.Fatalf("svc start returned before the program was ready: %v", err)
		}
		if p := m.props(name+".service", "Type", "ActiveState", "SubState"); p["Type"] != "notify" || p["ActiveState"] != "active" {
			t.Errorf("after start: %s; want Type=notify, active", describe(p))
		}
		runner := m.cmdline(m.mainPID(name + ".service"))
		if len(runner) < 6 || !slices.Equal(runner[:5], []string{svcPath, "run", "--ready", "tcp:127.0.0.1:" + strconv.Itoa(port), "--"}) || !strings.HasPrefix(runner[5], "/") || !strings.HasSuffix(runner[5], "/python3") {
			t.Errorf("the main process runs %q; want svc run --ready ... -- /.../python3 ...", runner)
		}
		if out := m.expect(0, nil, svcPath, "status", "--name", name); !strings.Contains(out, "running") {
			t.Errorf("svc status: %s", out)
		}
		m.expect(0, nil, svcPath, "stop", "--name", name)
		if _, err := m.get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err == nil {
			t.Error("the program still serves after stop")
		}
		m.expect(3, nil, svcPath, "status", "--name", name)
	})

	t.Run("notify from its own pid", func(t *testing.T) {
		m := m.with(t)
		const name = "wrap-notify"
		m.installWrapped(name, "--exec", wrapPython, "--ready", "notify", "--", "-c", notifyScript)
		m.expect(0, nil, svcPath, "start", "--name", name)
		p := m.props(name+".service", "Type", "NotifyAccess", "ActiveState")
		if p["Type"] != "notify" || p["NotifyAccess"] != "main" || p["ActiveState"] != "active" {
			t.Errorf("after start: %s; want Type=notify NotifyAccess=main, active", describe(p))
		}
		if got := m.cmdline(m.mainPID(name + ".service")); !slices.Equal(got, []string{wrapPython, "-c", notifyScript}) {
			t.Errorf("the main process runs %q; want the program itself, its script byte for byte", got)
		}
		m.expect(0, nil, svcPath, "stop", "--name", name)
	})

	t.Run("no readiness", func(t *testing.T) {
		m := m.with(t)
		const name, port = "wrap-exec", 8192
		m.installWrapped(name, append([]string{"--exec", wrapPython, "--"}, httpServerArgs(port)...)...)
		m.expect(0, nil, svcPath, "start", "--name", name)
		if p := m.props(name+".service", "Type", "ActiveState"); p["Type"] != "exec" || p["ActiveState"] != "active" {
			t.Errorf("after start: %s; want Type=exec, active", describe(p))
		}
		if got := m.cmdline(m.mainPID(name + ".service")); got[0] != wrapPython {
			t.Errorf("the main process runs %q; want the program itself", got)
		}
		m.expect(0, nil, svcPath, "stop", "--name", name)
	})

	t.Run("fails before ready", func(t *testing.T) {
		m := m.with(t)
		const name = "wrap-boom"
		m.installWrapped(name, "--restart", "no", "--exec", "/bin/sh", "--ready", "tcp:127.0.0.1:8193", "--", "-c", boomScript)
		code, out := m.code(nil, svcPath, "start", "--name", name)
		if code == 0 || !strings.Contains(out, boomWords) {
			t.Errorf("svc start of a program that dies before it is ready: exit %d, want non-zero and %q in:\n%s", code, boomWords, out)
		}
		if p := m.props(name+".service", "ActiveState", "ExecMainStatus"); p["ActiveState"] != "failed" || p["ExecMainStatus"] != "3" {
			t.Errorf("after the failed start: %s; want failed, the program's status 3", describe(p))
		}
	})

	// The user's manager, a probe, and a log file in a directory install
	// makes (the manager opens it: StandardOutput=append:).
	t.Run("user manager", func(t *testing.T) {
		m := m.with(t)
		if _, err := m.try("systemctl", "start", "user@0.service"); err != nil {
			t.Skipf("no systemd --user manager: %v", err)
		}
		env := []string{"XDG_RUNTIME_DIR=/run/user/0", "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus"}
		const name, port, log = "wrap-user", 8196, "/root/.local/state/wrap user/web.log"
		m.expect(0, env, append([]string{svcPath, "install", "--user", "--name", name, "--exec", wrapPython, "--log", log,
			"--ready", "tcp:127.0.0.1:" + strconv.Itoa(port), "--"}, httpServerArgs(port)...)...)
		m.expect(0, env, svcPath, "start", "--user", "--name", name)
		if _, err := m.get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil {
			t.Fatalf("svc start --user returned before the program was ready: %v", err)
		}
		if out := m.expect(0, env, svcPath, "status", "--user", "--name", name); !strings.Contains(out, "running") {
			t.Errorf("svc status --user: %s", out)
		}
		m.expect(0, env, svcPath, "stop", "--user", "--name", name)
		// http.server logs each request to stderr, line-buffered.
		if b, err := m.ReadFile(log); err != nil || !strings.Contains(string(b), `"GET / HTTP/1.1" 200`) {
			t.Errorf("the log file %s: %v %q; want python3's own request log", log, err, b)
		}
		m.expect(0, env, svcPath, "uninstall", "--user", "--name", name)
	})

	t.Run("uninstall leaves nothing", func(t *testing.T) {
		for _, name := range []string{"wrap-tcp", "wrap-notify", "wrap-exec", "wrap-boom"} {
			m.with(t).run(svcPath, "uninstall", "--name", name)
		}
		if added, removed := diffTrees(before, m.with(t).etcTree()); len(added)+len(removed) > 0 {
			t.Errorf("install+uninstall changed /etc: added %q, removed %q", added, removed)
		}
	})
}

// TestWrapSysVOnSystemd installs python3's http.server with a tcp probe
// as an LSB script: `/etc/init.d/NAME start` returns only once the port
// answers, run directly and redirected to systemctl (whose generated
// unit tracks python3 itself through the pidfile); a program that dies
// before it is ready fails the start with its own words and leaves no
// pidfile.
func TestWrapSysVOnSystemd(t *testing.T) {
	t.Parallel()
	needPython(t)
	m := bootWithSvc(t)
	const name, port = "wrap-sysv", 8194
	script, pidfile := "/etc/init.d/"+name, "/run/"+name+".pid"
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	skip := []string{"SYSTEMCTL_SKIP_REDIRECT=1", "_SYSTEMCTL_SKIP_REDIRECT=1"}
	m.installWrapped(name, append([]string{"--init", "sysv", "--exec", wrapPython, "--ready", "tcp:127.0.0.1:" + strconv.Itoa(port), "--"}, httpServerArgs(port)...)...)

	// daemonPID is the pid the pidfile names, which must run python3.
	daemonPID := func(t *testing.T) int {
		t.Helper()
		s := strings.TrimSpace(m.with(t).run("cat", pidfile))
		pid, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s: %q", pidfile, s)
		}
		if got := m.with(t).cmdline(pid); got[0] != wrapPython {
			t.Errorf("the pidfile names pid %d, running %q; want python3 itself", pid, got)
		}
		return pid
	}

	// stopAfter stops the service when t ends, so that a failure leaves
	// nothing answering for the next subtest.
	stopAfter := func(t *testing.T) {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
			defer cancel()
			cmd := m.CommandContext(ctx, script, "stop")
			cmd.Env = append(cmd.Env, skip...)
			cmd.Run()
		})
	}

	t.Run("direct", func(t *testing.T) {
		m := m.with(t)
		stopAfter(t)
		m.expect(3, skip, script, "status")
		m.expect(0, skip, script, "start")
		if _, err := m.get(url); err != nil {
			t.Fatalf("%s start returned before the program was ready: %v", script, err)
		}
		daemonPID(t)
		m.expect(0, skip, script, "status")
		m.expect(0, skip, script, "stop")
		if _, err := m.get(url); err == nil {
			t.Error("the program still serves after stop")
		}
		m.expect(3, skip, script, "status")
		m.expect(0, skip, script, "stop") // stopping a stopped service succeeds
	})

	// LSB: starting a running service succeeds. The probe's port answers
	// then, by the service itself.
	t.Run("start when running", func(t *testing.T) {
		m := m.with(t)
		stopAfter(t)
		m.expect(0, skip, script, "start")
		pid := daemonPID(t)
		m.expect(0, skip, script, "start")
		if again := daemonPID(t); again != pid {
			t.Errorf("a second start replaced pid %d with %d", pid, again)
		}
	})

	t.Run("redirected to systemctl", func(t *testing.T) {
		m := m.with(t)
		stopAfter(t)
		m.expect(0, nil, script, "start")
		if _, err := m.get(url); err != nil {
			t.Fatalf("%s start (systemctl) returned before the program was ready: %v", script, err)
		}
		if pid := daemonPID(t); pid != m.mainPID(name+".service") {
			t.Errorf("the generated unit's MainPID %d is not the pidfile's %d", m.mainPID(name+".service"), pid)
		}
		if out := m.expect(0, nil, svcPath, "status", "--name", name); !strings.Contains(out, "running") {
			t.Errorf("svc status: %s", out)
		}
		m.expect(0, nil, script, "stop")
		m.expect(3, nil, svcPath, "status", "--name", name)
	})

	t.Run("fails before ready", func(t *testing.T) {
		m := m.with(t)
		const boom = "wrap-sysv-boom"
		m.installWrapped(boom, "--init", "sysv", "--exec", "/bin/sh", "--ready", "tcp:127.0.0.1:8195", "--", "-c", boomScript)
		code, out := m.code(skip, "/etc/init.d/"+boom, "start")
		if code == 0 || !strings.Contains(out, boomWords) {
			t.Errorf("direct start of a program that dies before it is ready: exit %d, want non-zero and %q in:\n%s", code, boomWords, out)
		}
		if _, err := m.try("test", "-e", "/run/"+boom+".pid"); err == nil {
			t.Error("the failed start left its pidfile")
		}
		code, out = m.code(nil, "/etc/init.d/"+boom, "start")
		if code == 0 {
			t.Errorf("redirected start of a program that dies before it is ready: exit 0\n%s", out)
		}
		m.waitFor("the program's words in the journal", cmdTimeout, func() (bool, string) {
			j := m.run("journalctl", "-u", boom+".service", "--no-pager")
			return strings.Contains(j, boomWords), j
		})
	})
}

// TestWrapOpenRC installs python3's http.server with a tcp probe under
// the real openrc-run (see TestInstallOpenRC for the namespace):
// `rc-service NAME start` returns only once the port answers, stop stops
// it, status says so; a program that dies before it is ready fails the
// start with its own words and leaves no pidfile.
func TestWrapOpenRC(t *testing.T) {
	needPython(t)
	ns := bootOpenRC(t)
	port := freePort(t)
	const name = "wrap-orc"
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	// svcBin lives in a temporary directory: --runner says to use it.
	ns.svc(0, append([]string{"install", "--name", name, "--exec", wrapPython, "--runner", svcBin, "--ready", fmt.Sprintf("tcp:127.0.0.1:%d", port), "--"}, httpServerArgs(port)...)...)
	if out := ns.run("head", "-1", "/etc/init.d/"+name); out != "#!/sbin/openrc-run" {
		t.Fatalf("auto-detected init wrote %q, not an openrc-run script", out)
	}

	ns.run("rc-service", name, "start")
	if body := httpGet(t, url); !strings.HasPrefix(body, "200 ") {
		t.Fatalf("rc-service start returned before the program was ready: %s", body)
	}
	pid := ns.servicePID(t, name)
	if args := strings.Split(ns.run("cat", fmt.Sprintf("/proc/%d/cmdline", pid)), "\x00"); args[0] != wrapPython {
		t.Errorf("the pidfile names pid %d, running %q; want python3 itself", pid, args)
	}
	// The watcher's start finds python3 running, then waits on it.
	waitFor(t, "the watcher waiting on the program", func() (bool, string) {
		out, err := ns.try("pgrep", "-f", "status --classic --pidfile /run/"+name+".pid --exec "+wrapPython+" --wait")
		log, _ := ns.try("cat", "/var/log/"+name+".log")
		return err == nil, out + " log: " + log
	})
	// Killed, the program comes back (supervise-daemon respawns the
	// watcher, whose start finds it gone), ready.
	ns.run("kill", "-KILL", strconv.Itoa(pid))
	waitFor(t, "a respawned program", func() (bool, string) {
		s, _ := ns.try("cat", "/run/"+name+".pid")
		body := httpGet(t, url)
		return strings.HasPrefix(body, "200 ") && s != "" && s != strconv.Itoa(pid), "pidfile " + s + ": " + body
	})
	if code, out := ns.code("rc-service", name, "status"); code != 0 {
		t.Errorf("rc-service status: exit %d\n%s", code, out)
	}
	if out := ns.svc(0, "status", "--name", name); !strings.Contains(out, "running") {
		t.Errorf("svc status = %q, want running", out)
	}
	ns.run("rc-service", name, "stop")
	if body := httpGet(t, url); strings.HasPrefix(body, "200 ") {
		t.Error("the program still serves after stop")
	}
	if code, out := ns.code("rc-service", name, "status"); code != 3 {
		t.Errorf("rc-service status after stop: exit %d, want 3\n%s", code, out)
	}
	for _, p := range []string{"supervise-daemon " + name, "status --classic --pidfile /run/" + name + ".pid"} {
		if out, err := ns.try("pgrep", "-f", p); err == nil {
			t.Errorf("stop left %q running: %s", p, out)
		}
	}
	ns.svc(0, "uninstall", "--name", name)

	const boom = "wrap-orc-boom"
	ns.svc(0, "install", "--name", boom, "--exec", "/bin/sh", "--runner", svcBin, "--ready", fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t)), "--", "-c", boomScript)
	code, out := ns.code("rc-service", boom, "start")
	if code == 0 || !strings.Contains(out, boomWords) {
		t.Errorf("rc-service start of a program that dies before it is ready: exit %d, want non-zero and %q in:\n%s", code, boomWords, out)
	}
	if _, err := ns.try("test", "-e", "/run/"+boom+".pid"); err == nil {
		t.Error("the failed start left its pidfile")
	}
	if log := ns.run("cat", "/var/log/"+boom+".log"); !strings.Contains(log, boomWords) {
		t.Errorf("the default log lacks the program's words: %q", log)
	}
	ns.svc(0, "uninstall", "--name", boom)
}
