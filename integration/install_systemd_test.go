//go:build linux

package integration

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
	"time"
)

// instWeird is an argument every installer must carry byte for byte: a
// blank, a systemd specifier, a shell variable and double quotes. It is
// the --log file of the installed services, in a directory made for it.
const (
	instWeirdDir = `/var/log/a b/%h $HOME `
	instWeird    = instWeirdDir + `"q".log`
	instEnv      = `GREETING=a  b $HOME %h "q" 'sq' \`
)

// code runs argv inside with extra environment and returns its exit code
// and combined output.
func (m *machine) code(env []string, argv ...string) (int, string) {
	m.t.Helper()
	cmd := m.Command(argv...)
	cmd.Env = append(cmd.Env, env...)
	return combined(m.t, cmd)
}

// expect runs argv and fails the test unless it exits with want.
func (m *machine) expect(want int, env []string, argv ...string) string {
	m.t.Helper()
	code, out := m.code(env, argv...)
	if code != want {
		m.t.Fatalf("%q: exit %d, want %d\n%s", argv, code, want, out)
	}
	return out
}

// cmdline is /proc/PID/cmdline inside, split at NULs.
func (m *machine) cmdline(pid int) []string {
	m.t.Helper()
	b, err := m.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		m.t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// environ is /proc/PID/environ inside.
func (m *machine) environ(pid int) []string {
	m.t.Helper()
	b, err := m.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		m.t.Fatal(err)
	}
	return strings.Split(string(b), "\x00")
}

// etcTree lists every file and link under /etc and /run/systemd inside
// (directories aside), to prove that uninstall leaves nothing behind.
func (m *machine) etcTree() []string {
	m.t.Helper()
	out := m.run("find", "/etc", "/run/systemd/generator", "/run/systemd/generator.late", "-xdev", "!", "-type", "d")
	return strings.Split(out, "\n")
}

func diffTrees(before, after []string) (added, removed []string) {
	for _, p := range after {
		if !slices.Contains(before, p) {
			added = append(added, p)
		}
	}
	for _, p := range before {
		if !slices.Contains(after, p) {
			removed = append(removed, p)
		}
	}
	return added, removed
}

// notInsserv drops what insserv (update-rc.d's helper, when installed)
// does to every script on each run: its .depend.* files and the sequence
// numbers of other services' rc?.d links.
func notInsserv(paths []string, name string) []string {
	var out []string
	for _, p := range paths {
		if strings.HasPrefix(p, "/etc/init.d/.depend.") {
			continue
		}
		if strings.HasPrefix(p, "/etc/rc") && !strings.HasSuffix(p, name) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// TestInstallSystemd: `svc install` (init detected) writes a native unit;
// systemctl starts it (active, ready, serving); the weird argument and the
// environment reach the process exactly; svc status/reload/restart/stop go
// through systemctl; a re-install restarts only when the spec changed;
// uninstall leaves no file or link.
func TestInstallSystemd(t *testing.T) {
	t.Parallel()
	const addr = "127.0.0.1:8181"
	m := bootWithSvc(t)
	m.run("mkdir", "-p", instWeirdDir)
	before := m.etcTree()
	install := []string{svcPath, "install", "--env", instEnv, "--", "--listen", addr, "--log", instWeird}

	out := m.run(install...)
	if !strings.Contains(out, "/etc/systemd/system/svc.service") {
		t.Fatalf("svc install (auto) did not write the systemd unit: %s", out)
	}
	if got := m.run("systemctl", "is-enabled", "svc"); got != "enabled" {
		t.Errorf("is-enabled = %q", got)
	}
	m.run("systemctl", "start", "svc")
	if p := m.props("svc.service", "ActiveState", "SubState", "Type"); p["ActiveState"] != "active" || p["Type"] != "notify" {
		t.Fatalf("after start: %s", describe(p))
	}
	if st := m.state(addr); st.Mode != "systemd" || !st.Ready {
		t.Errorf("GET / = %+v; want mode systemd, ready", st)
	}
	pid := m.mainPID("svc.service")
	// install takes the --log of svc run for the unit's LogsDirectory=,
	// and passes it first.
	want := []string{svcPath, "run", "--log", instWeird, "--listen", addr}
	if got := m.cmdline(pid); !slices.Equal(got, want) {
		t.Errorf("cmdline = %q\nwant %q", got, want)
	}
	if env := m.environ(pid); !slices.Contains(env, instEnv) {
		t.Errorf("environ lacks %q: %q", instEnv, env)
	}

	t.Run("control through D-Bus", func(t *testing.T) {
		if out := m.expect(0, nil, svcPath, "status"); !strings.Contains(out, "running") {
			t.Errorf("svc status: %s", out)
		}
		m.expect(0, nil, svcPath, "reload")
		m.waitFor("reloaded", 30*time.Second, func() (bool, string) {
			st := m.state(addr)
			return st.Reloads == 1, fmt.Sprint(st)
		})
		m.expect(0, nil, svcPath, "restart")
		if m.mainPID("svc.service") == pid {
			t.Error("svc restart kept the same MainPID")
		}
		m.expect(0, nil, svcPath, "stop")
		if out := m.expect(3, nil, svcPath, "status"); !strings.Contains(out, "stopped") {
			t.Errorf("svc status after stop: %s", out)
		}
		m.expect(0, nil, svcPath, "start")
		m.state(addr)
	})

	t.Run("re-install restarts only on change", func(t *testing.T) {
		pid := m.mainPID("svc.service")
		if out := m.run(install...); !strings.Contains(out, "nothing to change") {
			t.Errorf("unchanged re-install said %q", out)
		}
		if m.mainPID("svc.service") != pid {
			t.Error("an unchanged re-install restarted the service")
		}
		changed := slices.Clone(install)
		changed[3] = "GREETING=changed"
		m.run(changed...)
		npid := m.mainPID("svc.service")
		if npid == pid || npid == 0 {
			t.Errorf("a changed re-install did not restart the running service (MainPID %d -> %d)", pid, npid)
		}
		if env := m.environ(npid); !slices.Contains(env, "GREETING=changed") {
			t.Errorf("the restarted service has the old environment: %q", env)
		}
	})

	t.Run("uninstall leaves nothing", func(t *testing.T) {
		m.run(svcPath, "uninstall")
		if got := m.show("svc.service", "LoadState"); got != "not-found" {
			t.Errorf("LoadState after uninstall = %q", got)
		}
		added, removed := diffTrees(before, m.etcTree())
		if len(added)+len(removed) > 0 {
			t.Errorf("install+uninstall changed /etc: added %q, removed %q", added, removed)
		}
		if out := m.run(svcPath, "uninstall"); !strings.Contains(out, "not installed") {
			t.Errorf("second uninstall: %q", out)
		}
		m.expect(4, nil, svcPath, "status")
	})
}

// TestSystemdControlExplains: `svc start` goes through the manager's D-Bus
// API, waits for the job, and when it fails says why: the job's result,
// the unit's Result= and the service's own error from its journal (here,
// a port another unit holds). status maps failed to LSB 1; a unit that
// does not exist is LSB 5, not installed.
func TestSystemdControlExplains(t *testing.T) {
	t.Parallel()
	const name, addr = "svc-test-busy", "127.0.0.1:8184"
	m := bootWithSvc(t)
	m.run("systemd-run", "--unit=svc-test-holder", "--service-type=notify", svcPath, "run", "--listen", addr)
	m.run(svcPath, "install", "--name", name, "--restart", "no", "--", "--listen", addr)

	code, out := m.code(nil, svcPath, "start", "--name", name)
	for _, want := range []string{"job failed", "unit failed", "result exit-code", "address already in use"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("svc start of a service whose port is taken: exit %d, want 1 and %q in:\n%s", code, want, out)
		}
	}
	if out := m.expect(1, nil, svcPath, "status", "--name", name); !strings.Contains(out, "failed") {
		t.Errorf("svc status after the failed start: %s", out)
	}

	m.run("systemctl", "stop", "svc-test-holder")
	m.expect(0, nil, svcPath, "start", "--name", name)
	if p := m.props(name+".service", "ActiveState", "SubState"); p["ActiveState"] != "active" || p["SubState"] != "running" {
		t.Errorf("after svc start returned: %s, want active (running): start waits for the job", describe(p))
	}
	m.state(addr)
	m.expect(0, nil, svcPath, "stop", "--name", name)
	m.expect(3, nil, svcPath, "status", "--name", name)
	// systemctl would say "Failed to start ...": the answer came over D-Bus.
	if out := m.expect(5, nil, svcPath, "start", "--init", "systemd", "--name", "svc-test-nosuch"); !strings.HasPrefix(out, "start svc-test-nosuch.service: ") {
		t.Errorf("svc start of a unit that does not exist: %q", out)
	}
}

// TestInstallSysVOnSystemd installs the LSB script on a systemd host and
// drives it three ways: the script redirected to systemctl, the pure SysV
// path (redirect skipped), and the unit systemd-sysv-generator made.
func TestInstallSysVOnSystemd(t *testing.T) {
	t.Parallel()
	const name, addr = "svcv", "127.0.0.1:8182"
	script := "/etc/init.d/" + name
	m := bootWithSvc(t)
	before := m.etcTree()
	// --log names a directory that does not exist: the script's start makes it.
	m.run(svcPath, "install", "--init", "sysv", "--name", name, "--env", instEnv, "--log", instWeird, "--", "--listen", addr)
	if got := m.run("stat", "-c", "%a", script); got != "755" {
		t.Errorf("%s mode %s", script, got)
	}
	if got := m.run("systemctl", "is-enabled", name); got != "enabled" {
		t.Errorf("is-enabled = %q (update-rc.d)", got)
	}
	skip := []string{"SYSTEMCTL_SKIP_REDIRECT=1", "_SYSTEMCTL_SKIP_REDIRECT=1"}

	t.Run("redirected to systemctl", func(t *testing.T) {
		m.expect(0, nil, script, "start")
		m.run("test", "-d", path.Dir(instWeird))
		if got := m.show(name+".service", "ActiveState"); got != "active" {
			t.Errorf("after %s start: ActiveState %q", script, got)
		}
		m.state(addr)
		m.expect(0, nil, script, "status")
		m.expect(0, nil, script, "restart")
		m.state(addr)
		m.expect(0, nil, script, "stop")
		m.expect(3, nil, script, "status")
	})

	t.Run("pure SysV", func(t *testing.T) {
		m.expect(3, skip, script, "status")
		m.expect(7, skip, script, "reload") // LSB: not running
		m.expect(0, skip, script, "start")
		st := m.state(addr)
		if st.Mode != "classic" {
			t.Errorf("GET / mode %q, want classic", st.Mode)
		}
		if got := m.cmdline(st.PID); !slices.Contains(got, instWeird) || !slices.Contains(got, addr) {
			t.Errorf("the daemon's cmdline %q lacks %q", got, instWeird)
		}
		if env := m.environ(st.PID); !slices.Contains(env, instEnv) {
			t.Errorf("environ lacks %q: %q", instEnv, env)
		}
		m.expect(0, skip, script, "start") // already running: LSB says success
		m.expect(0, skip, script, "status")
		m.expect(0, skip, script, "reload")
		m.waitFor("reloaded", 30*time.Second, func() (bool, string) {
			s := m.state(addr)
			return s.Reloads == 1, fmt.Sprint(s)
		})
		m.expect(0, skip, script, "force-reload")
		m.expect(0, skip, script, "restart")
		if m.state(addr).PID == st.PID {
			t.Error("restart kept the pid")
		}
		m.expect(0, skip, script, "try-restart")
		m.expect(0, skip, script, "stop")
		m.expect(0, skip, script, "stop") // stopping a stopped service succeeds
		m.expect(3, skip, script, "status")
		m.expect(0, skip, script, "try-restart") // not running: nothing to do
		m.expect(3, skip, script, "status")
		m.expect(3, skip, script, "bogus")
		m.expect(2, skip, script)
	})

	t.Run("generator unit", func(t *testing.T) {
		if src := m.show(name+".service", "SourcePath"); src != script {
			t.Fatalf("SourcePath = %q; want the generator's unit from %s", src, script)
		}
		m.run("systemctl", "start", name+".service")
		m.state(addr)
		if out := m.expect(0, nil, svcPath, "status", "--name", name); !strings.Contains(out, "running") {
			t.Errorf("svc status --name %s: %s", name, out)
		}
		m.expect(0, nil, svcPath, "stop", "--name", name)
		m.expect(3, nil, svcPath, "status", "--name", name)
	})

	// The script's "# pidfile:" header makes the generator's unit track
	// the daemon: without it the unit is RemainAfterExit=yes, calls a
	// killed daemon active, and `start` does nothing.
	t.Run("generator unit tracks the daemon", func(t *testing.T) {
		p := m.props(name+".service", "Type", "PIDFile", "RemainAfterExit")
		if p["Type"] != "forking" || p["PIDFile"] != "/run/"+name+".pid" || p["RemainAfterExit"] != "no" {
			t.Fatalf("generator unit: %s; want Type=forking PIDFile=/run/%s.pid RemainAfterExit=no", describe(p), name)
		}
		m.expect(0, nil, script, "start")
		pid := m.mainPID(name + ".service")
		if st := m.state(addr); st.PID != pid {
			t.Fatalf("MainPID %d, but pid %d serves", pid, st.PID)
		}
		m.run("kill", "-KILL", fmt.Sprint(pid))
		m.waitFor("the unit failed", 30*time.Second, func() (bool, string) {
			p := m.props(name+".service", "ActiveState", "Result")
			return p["ActiveState"] == "failed", describe(p)
		})
		// LSB: 1 (dead, pidfile left) or 3 (systemd removed the pidfile).
		if code, out := m.code(skip, script, "status"); code != 1 && code != 3 {
			t.Errorf("status of the killed daemon: exit %d, want 1 or 3\n%s", code, out)
		}
		m.expect(0, nil, script, "start")
		if st := m.state(addr); st.PID == pid || st.PID != m.mainPID(name+".service") {
			t.Errorf("after start: pid %d serves, MainPID %d, killed %d", st.PID, m.mainPID(name+".service"), pid)
		}
		m.expect(0, nil, script, "stop")
		m.expect(3, nil, svcPath, "status", "--name", name)
	})

	t.Run("uninstall leaves nothing", func(t *testing.T) {
		m.expect(0, skip, script, "start")
		m.run(svcPath, "uninstall", "--name", name)
		if _, err := m.get("http://" + addr + "/healthz"); err == nil {
			t.Error("the daemon still serves after uninstall")
		}
		added, removed := diffTrees(before, m.etcTree())
		added, removed = notInsserv(added, name), notInsserv(removed, name)
		if len(added)+len(removed) > 0 {
			t.Errorf("install+uninstall changed /etc or the generator output: added %q, removed %q", added, removed)
		}
		if got := m.show(name+".service", "LoadState"); got != "not-found" {
			t.Errorf("LoadState after uninstall = %q", got)
		}
	})
}

// TestInstallSystemdUser installs with --user under a real `systemd --user`
// manager (user@0.service inside the instance).
func TestInstallSystemdUser(t *testing.T) {
	t.Parallel()
	const addr = "127.0.0.1:8183"
	m := bootWithSvc(t)
	if _, err := m.try("systemctl", "start", "user@0.service"); err != nil {
		t.Skipf("no systemd --user manager: %v", err)
	}
	env := []string{"XDG_RUNTIME_DIR=/run/user/0", "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus"}
	out := m.expect(0, env, svcPath, "install", "--user", "--", "--listen", addr)
	unit := "/root/.config/systemd/user/svc.service"
	if !strings.Contains(out, unit) {
		t.Fatalf("svc install --user wrote elsewhere: %s", out)
	}
	if b, err := m.ReadFile(unit); err != nil || !bytes.Contains(b, []byte("WantedBy=default.target")) {
		t.Errorf("user unit: %v\n%s", err, b)
	}
	if got := m.expect(0, env, "systemctl", "--user", "is-enabled", "svc"); strings.TrimSpace(got) != "enabled" {
		t.Errorf("is-enabled --user = %q", got)
	}
	m.expect(0, env, svcPath, "start", "--user")
	if st := m.state(addr); st.Mode != "systemd" {
		t.Errorf("GET / = %+v", st)
	}
	if out := m.expect(0, env, svcPath, "status", "--user"); !strings.Contains(out, "running") {
		t.Errorf("svc status --user: %s", out)
	}
	m.expect(0, env, svcPath, "uninstall", "--user")
	for _, p := range []string{unit, "/root/.config/systemd/user/default.target.wants/svc.service"} {
		if _, err := m.try("test", "-e", p, "-o", "-L", p); err == nil {
			t.Errorf("uninstall --user left %s", p)
		}
	}
	m.expect(4, env, svcPath, "status", "--user")
	// Through the user manager's private socket, not systemctl --user.
	if out := m.expect(5, env, svcPath, "start", "--user", "--init", "systemd", "--name", "svc-test-nosuch"); !strings.HasPrefix(out, "start svc-test-nosuch.service: ") {
		t.Errorf("svc start --user of a unit that does not exist: %q", out)
	}
}
