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
// stopScriptAfter runs `SCRIPT stop` (with env) when t ends, so that a
// failure leaves nothing answering for the next subtest.
func (m *machine) stopScriptAfter(t *testing.T, script string, env []string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
		defer cancel()
		cmd := m.CommandContext(ctx, script, "stop")
		cmd.Env = append(cmd.Env, env...)
		cmd.Run()
	})
}

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

	stopAfter := func(t *testing.T) { m.stopScriptAfter(t, script, skip) }

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
	// Installed without --reload-signal: no reload command, and the
	// program answers on, the same process.
	if code, out := ns.code("rc-service", name, "reload"); code == 0 {
		t.Errorf("rc-service reload of a program without a reload signal: exit 0\n%s", out)
	} else {
		t.Logf("rc-service reload: exit %d: %s", code, out)
	}
	if body := httpGet(t, url); !strings.HasPrefix(body, "200 ") {
		t.Errorf("the program no longer answers after rc-service reload: %s", body)
	}
	if again := ns.servicePID(t, name); again != pid {
		t.Errorf("rc-service reload replaced pid %d with %d", pid, again)
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

// countScript is a program that handles the reload signals: it counts
// each HUP, USR1 and USR2 on its output, touches its readiness file $1 once
// its traps are set, and removes it when stopped.
const countScript = `hup=0 usr1=0 usr2=0
trap 'hup=$((hup+1)); echo "HUP $hup"' HUP
trap 'usr1=$((usr1+1)); echo "USR1 $usr1"' USR1
trap 'usr2=$((usr2+1)); echo "USR2 $usr2"' USR2
trap 'rm -f "$1"; exit 0' TERM
: >"$1"
while :; do sleep 1 & wait $!; done`

// countArgs installs countScript as NAME's program, ready once its file
// exists, its output in log.
func countArgs(name, log string) []string {
	ready := "/run/" + name + ".ready"
	return []string{"--exec", "/bin/sh", "--ready", "file:" + ready, "--log", log, "--", "-c", countScript, "sh", ready}
}

// TestWrapReloadSystemd: a wrapped program gets no reload unless
// install names its signal. Without --reload-signal, `systemctl reload`
// of python3's http.server (which SIGHUP would kill) is refused, and the
// program still answers, the same process; with --reload-signal HUP, a
// program that counts HUPs gets each reload, through `svc run` (the
// main process, which forwards it).
func TestWrapReloadSystemd(t *testing.T) {
	t.Parallel()
	needPython(t)
	m := bootWithSvc(t)

	t.Run("none", func(t *testing.T) {
		m := m.with(t)
		const name, port = "wrap-noreload", 8197
		url := fmt.Sprintf("http://127.0.0.1:%d/", port)
		m.installWrapped(name, append([]string{"--exec", wrapPython, "--ready", "tcp:127.0.0.1:" + strconv.Itoa(port), "--"}, httpServerArgs(port)...)...)
		m.expect(0, nil, svcPath, "start", "--name", name)
		pid := m.mainPID(name + ".service")
		if p := m.props(name+".service", "CanReload", "ExecReload"); p["CanReload"] != "no" || p["ExecReload"] != "" {
			t.Errorf("installed without --reload-signal: %s; want CanReload=no, no ExecReload", describe(p))
		}
		if code, out := m.code(nil, "systemctl", "reload", name+".service"); code == 0 || !strings.Contains(out, "not applicable") {
			t.Errorf("systemctl reload: exit %d, want non-zero, the job not applicable:\n%s", code, out)
		}
		if code, out := m.code(nil, svcPath, "reload", "--name", name); code == 0 {
			t.Errorf("svc reload: exit 0, want a refusal:\n%s", out)
		} else {
			t.Logf("svc reload: exit %d: %s", code, out)
		}
		if _, err := m.get(url); err != nil {
			t.Errorf("the program no longer answers after the reload attempts: %v", err)
		}
		if p := m.props(name+".service", "ActiveState", "MainPID", "NRestarts"); p["ActiveState"] != "active" || p["MainPID"] != strconv.Itoa(pid) || p["NRestarts"] != "0" {
			t.Errorf("after the reload attempts: %s; want active, MainPID=%d, no restart", describe(p), pid)
		}
		m.expect(0, nil, svcPath, "stop", "--name", name)
	})

	t.Run("HUP counted", func(t *testing.T) {
		m := m.with(t)
		const name, log = "wrap-hup", "/var/log/wrap-hup/out.log"
		// --harden off: the program writes its readiness file in /run.
		m.installWrapped(name, append([]string{"--harden", "off", "--reload-signal", "HUP"}, countArgs(name, log)...)...)
		m.expect(0, nil, svcPath, "start", "--name", name)
		unit := name + ".service"
		pid := m.mainPID(unit)
		if got := m.cmdline(pid); len(got) < 3 || !slices.Equal(got[:3], []string{svcPath, "run", "--ready"}) {
			t.Errorf("the main process runs %q; want svc run --ready ...", got)
		}
		if p := m.props(unit, "CanReload"); p["CanReload"] != "yes" {
			t.Errorf("installed with --reload-signal HUP: %s; want CanReload=yes", describe(p))
		}
		for i, reload := range [][]string{{"systemctl", "reload", unit}, {svcPath, "reload", "--name", name}} {
			m.expect(0, nil, reload...)
			want := fmt.Sprintf("HUP %d\n", i+1)
			m.waitFor("the program counting the reload", cmdTimeout, func() (bool, string) {
				b, err := m.ReadFile(log)
				return err == nil && strings.Contains(string(b), want), fmt.Sprintf("%s: %q %v", log, b, err)
			})
		}
		if p := m.props(unit, "ActiveState", "MainPID", "NRestarts"); p["ActiveState"] != "active" || p["MainPID"] != strconv.Itoa(pid) || p["NRestarts"] != "0" {
			t.Errorf("after two reloads: %s; want active, MainPID=%d, no restart", describe(p), pid)
		}
		m.expect(0, nil, svcPath, "stop", "--name", name)
	})
}

// TestWrapReloadSysV: the LSB script of a wrapped program without a
// reload signal has no reload. Run directly, reload exits 3
// (unimplemented) and says so; redirected, the generated unit cannot
// reload (its usage line names no reload), so systemctl refuses and the
// LSB library runs the script's own; the program answers throughout,
// the same process. force-reload restarts it (LSB: reload if it can,
// else restart). With --reload-signal USR1 the script's reload sends
// USR1, directly and through the generated unit.
func TestWrapReloadSysV(t *testing.T) {
	t.Parallel()
	needPython(t)
	m := bootWithSvc(t)
	skip := []string{"SYSTEMCTL_SKIP_REDIRECT=1", "_SYSTEMCTL_SKIP_REDIRECT=1"}
	pidOf := func(t *testing.T, name string) int {
		t.Helper()
		s := strings.TrimSpace(m.with(t).run("cat", "/run/"+name+".pid"))
		pid, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("/run/%s.pid: %q", name, s)
		}
		return pid
	}
	stopAfter := func(t *testing.T, script string) { m.stopScriptAfter(t, script, skip) }

	t.Run("none", func(t *testing.T) {
		m := m.with(t)
		const name, port = "wrap-sysv-noreload", 8198
		script, url := "/etc/init.d/"+name, fmt.Sprintf("http://127.0.0.1:%d/", port)
		m.installWrapped(name, append([]string{"--init", "sysv", "--exec", wrapPython, "--ready", "tcp:127.0.0.1:" + strconv.Itoa(port), "--"}, httpServerArgs(port)...)...)
		stopAfter(t, script)
		m.expect(0, skip, script, "start")
		pid := pidOf(t, name)
		out := m.expect(3, skip, script, "reload")
		if !strings.Contains(out, "reload: not supported") || !strings.Contains(out, "--reload-signal") {
			t.Errorf("direct reload says %q; want why, and the flag that gives one", out)
		}
		if p := m.props(name+".service", "CanReload"); p["CanReload"] != "no" {
			t.Errorf("the generated unit: %s; want CanReload=no", describe(p))
		}
		if code, out := m.code(nil, "systemctl", "reload", name+".service"); code == 0 || !strings.Contains(out, "not applicable") {
			t.Errorf("systemctl reload: exit %d, want non-zero, the job not applicable:\n%s", code, out)
		}
		m.expect(3, nil, script, "reload") // redirected: the library runs the script's own
		if _, err := m.get(url); err != nil {
			t.Errorf("the program no longer answers after the reload attempts: %v", err)
		}
		if again := pidOf(t, name); again != pid {
			t.Errorf("the reload attempts replaced pid %d with %d", pid, again)
		}
		if got := m.cmdline(pid); got[0] != wrapPython {
			t.Errorf("pid %d runs %q after the reload attempts; want python3", pid, got)
		}
		m.expect(0, skip, script, "force-reload")
		if _, err := m.get(url); err != nil {
			t.Fatalf("force-reload returned before the restarted program was ready: %v", err)
		}
		if again := pidOf(t, name); again == pid {
			t.Errorf("force-reload left pid %d; want a restart", pid)
		}
		m.expect(0, skip, script, "stop")
		m.expect(7, skip, script, "force-reload") // LSB: not running
	})

	t.Run("USR1 counted", func(t *testing.T) {
		m := m.with(t)
		const name = "wrap-sysv-usr1"
		script, log := "/etc/init.d/"+name, "/var/log/"+name+".log"
		m.installWrapped(name, append([]string{"--init", "sysv", "--reload-signal", "usr1"}, countArgs(name, log)...)...)
		stopAfter(t, script)
		// Direct, then through the generated unit (systemctl reload runs
		// its ExecReload=, the script's reload): each run's program
		// counts its reloads from 1.
		for i, env := range [][]string{skip, nil} {
			m.expect(0, env, script, "start")
			pid := pidOf(t, name)
			for j := 1; j <= 2; j++ {
				m.expect(0, env, script, "reload")
				want := fmt.Sprintf("USR1 %d\n", j)
				m.waitFor("the program counting the reload", cmdTimeout, func() (bool, string) {
					b, err := m.ReadFile(log)
					return err == nil && strings.Count(string(b), want) == i+1, fmt.Sprintf("%s: %q %v", log, b, err)
				})
			}
			if again := pidOf(t, name); again != pid {
				t.Errorf("the reloads replaced pid %d with %d", pid, again)
			}
			m.expect(0, env, script, "stop")
		}
		if b, _ := m.ReadFile(log); strings.Contains(string(b), "HUP") {
			t.Errorf("the program got a HUP: %q", b)
		}
	})
}

// TestWrapReloadOpenRC: with --reload-signal USR2, rc-service NAME
// reload sends the wrapped program USR2, which it counts, the same
// process.
func TestWrapReloadOpenRC(t *testing.T) {
	ns := bootOpenRC(t)
	const name = "wrap-orc-usr2"
	log := "/var/log/" + name + ".log"
	ns.svc(0, append([]string{"install", "--name", name, "--runner", svcBin, "--harden", "off", "--reload-signal", "SIGUSR2"}, countArgs(name, log)...)...)
	ns.run("rc-service", name, "start")
	pid := ns.servicePID(t, name)
	for i := 1; i <= 2; i++ {
		ns.run("rc-service", name, "reload")
		want := fmt.Sprintf("USR2 %d", i)
		waitFor(t, "the program counting the reload", func() (bool, string) {
			b, err := ns.try("cat", log)
			return err == nil && slices.Contains(strings.Split(b, "\n"), want), b
		})
	}
	if again := ns.servicePID(t, name); again != pid {
		t.Errorf("the reloads replaced pid %d with %d", pid, again)
	}
	ns.run("rc-service", name, "stop")
	ns.svc(0, "uninstall", "--name", name)
}
