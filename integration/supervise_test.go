package integration

import (
	"encoding/hex"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/systemd"
)

// python3 is the wrapped program of these tests: a program that knows
// nothing of svc.
const python3 = "/usr/bin/python3"

// notifyPy speaks sd_notify from its own pid with the socket module (not
// systemd-notify, which would send from another pid), as a daemon of its
// own would: a status while it starts, READY=1 with a status and a
// MAINPID= svc must drop, then watchdog pings if asked for, forever.
const notifyPy = `import os, socket, time
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"):
    addr = "\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=warming up", addr)
s.sendto(b"READY=1\nSTATUS=serving from python\nMAINPID=1", addr)
wd = int(os.environ.get("WATCHDOG_USEC", "0"))
while True:
    if wd:
        s.sendto(b"WATCHDOG=1", addr)
        time.sleep(wd / 4e6)
    else:
        time.sleep(3600)
`

// TestSuperviseUnderSystemd runs programs that know nothing of svc as
// Type=notify units through `svc run -- PROG` under a real systemd.
func TestSuperviseUnderSystemd(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(python3); err != nil {
		t.Skip("no " + python3 + " (apt-get install python3)")
	}
	m := bootWithSvc(t)
	m.run("systemctl", "log-level", "debug") // the manager logs each notification
	if err := m.WriteFile("/usr/local/lib/notify.py", []byte(notifyPy), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("tcp probe: active once the port answers", func(t *testing.T) {
		t.Parallel()
		m := m.with(t)
		const unit, port = "svc-run-http.service", "8181"
		m.installUnit(unit, systemd.Service{
			Description: "python3 http.server behind svc run",
			Type:        "notify",
			ExecStart: []string{svcPath, "run", "--ready", "tcp:127.0.0.1:" + port, "--",
				python3, "-m", "http.server", port, "--bind", "127.0.0.1"},
			WorkingDirectory: "/usr/share/doc",
			Restart:          "no",
		})
		// Enabled, so systemd keeps the unit loaded after stop and `show`
		// reports the last run's Result and exit status.
		m.run("systemctl", "enable", unit)
		m.run("systemctl", "start", unit)
		// No retry: systemctl returned, so READY=1 came, and svc sends it
		// only once the port answers.
		if _, err := m.get("http://127.0.0.1:" + port + "/"); err != nil {
			t.Fatalf("GET right after systemctl start: %v", err)
		}
		p := m.props(unit, "ActiveState", "SubState", "MainPID", "StatusText")
		if p["ActiveState"] != "active" || p["SubState"] != "running" || p["StatusText"] != "tcp:127.0.0.1:"+port+" passed: ready" {
			t.Errorf("after start: %s", describe(p))
		}
		svcPID, _ := strconv.Atoi(p["MainPID"])
		if cmd := m.cmdline(svcPID); cmd[0] != svcPath || cmd[1] != "run" {
			t.Errorf("MainPID %d is %q, want svc run", svcPID, cmd)
		}
		m.waitFor("READY=1 from svc's pid", 30*time.Second, func() (bool, string) { return m.hasNotification(unit, svcPID, "READY=1") })

		m.run("systemctl", "stop", unit)
		p = m.props(unit, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus")
		// svc forwarded SIGTERM; python3 died of it, and so did svc: a
		// clean stop, as if python3 had been the main process. (An exit
		// code of 143 would leave the unit failed.) ExecMainCode 2 is
		// CLD_KILLED.
		if p["ActiveState"] != "inactive" || p["Result"] != "success" || p["ExecMainCode"] != "2" || p["ExecMainStatus"] != "15" {
			t.Errorf("after stop: %s; want inactive, success, svc killed by SIGTERM", describe(p))
		}
		m.waitFor("STOPPING=1 from svc", 30*time.Second, func() (bool, string) { return m.hasNotification(unit, svcPID, "STOPPING=1") })
		if out, err := m.try("pgrep", "-f", "http.server "+port); err == nil {
			t.Errorf("python3 still runs after stop: %s", out)
		}
	})

	t.Run("notify child: status relayed, watchdog passed on", func(t *testing.T) {
		t.Parallel()
		m := m.with(t)
		const unit = "svc-run-notify.service"
		m.installUnit(unit, systemd.Service{
			Description: "python3 speaking sd_notify behind svc run",
			Type:        "notify",
			ExecStart:   []string{svcPath, "run", "--ready", "notify", "--", python3, "/usr/local/lib/notify.py"},
			WatchdogSec: 2 * time.Second,
			Restart:     "no",
		})
		m.run("systemctl", "start", unit)
		p := m.props(unit, "ActiveState", "SubState", "MainPID", "StatusText")
		if p["ActiveState"] != "active" || p["SubState"] != "running" || p["StatusText"] != "serving from python" {
			t.Errorf("after start: %s", describe(p))
		}
		svcPID, _ := strconv.Atoi(p["MainPID"])
		if cmd := m.cmdline(svcPID); cmd[0] != svcPath {
			t.Errorf("MainPID %d is %q, want svc (MAINPID= from the child must not move it)", svcPID, cmd)
		}
		children := strings.Fields(m.run("pgrep", "-P", p["MainPID"]))
		if len(children) != 1 {
			t.Fatalf("svc has children %q, want python3 alone", children)
		}
		py, _ := strconv.Atoi(children[0])
		env := m.environ(py)
		if !slices.Contains(env, "WATCHDOG_USEC=2000000") || slices.ContainsFunc(env, func(s string) bool {
			return strings.HasPrefix(s, "WATCHDOG_PID=") || strings.HasPrefix(s, "NOTIFY_SOCKET=/")
		}) {
			t.Errorf("python3's environment %q: want WATCHDOG_USEC=2000000, no WATCHDOG_PID, svc's own NOTIFY_SOCKET", env)
		}
		m.waitFor("the child's pings relayed", 30*time.Second, func() (bool, string) { return m.hasNotification(unit, svcPID, "WATCHDOG=1") })
		for _, d := range m.notifications(unit, py) {
			t.Errorf("the manager got %q from python3's own pid %d: svc should be the only sender", d, py)
		}
		m.run("systemctl", "stop", unit)
	})

	t.Run("fails before ready: start fails, its words in the journal", func(t *testing.T) {
		t.Parallel()
		m := m.with(t)
		const unit = "svc-run-fail.service"
		m.installUnit(unit, systemd.Service{
			Description: "a program that dies before it is ready",
			Type:        "notify",
			ExecStart: []string{svcPath, "run", "--ready", "tcp:127.0.0.1:8182", "--",
				"/bin/sh", "-c", "echo 'cannot open /etc/app.conf' >&2; exit 3"},
			Restart: "no",
		})
		if out, err := m.try("systemctl", "start", unit); err == nil {
			t.Fatalf("systemctl start succeeded: %s", out)
		}
		p := m.props(unit, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus", "StatusText")
		if p["ActiveState"] != "failed" || p["Result"] != "exit-code" || p["ExecMainStatus"] != "3" {
			t.Errorf("after the failed start: %s; want failed, exit-code, status 3", describe(p))
		}
		if !strings.Contains(p["StatusText"], "exited with status 3 before it was ready") {
			t.Errorf("StatusText %q", p["StatusText"])
		}
		m.waitFor("the program's stderr in the journal", 30*time.Second, func() (bool, string) {
			recs := m.serviceRecords(unit)
			return strings.Contains(recs, "cannot open /etc/app.conf"), recs
		})
		// svc's own last line: journald may file it under no unit (svc
		// had exited when it looked the sender up), so look by pid.
		svcPID := m.show(unit, "ExecMainPID")
		m.waitFor("svc's reason in the journal", 30*time.Second, func() (bool, string) {
			out := m.run("journalctl", "_PID="+svcPID, "-o", "cat", "--no-pager")
			return strings.Contains(out, "svc run: /bin/sh exited with status 3 before it was ready"), out
		})
	})
}

// TestSuperviseHostileArgv runs the svc binary itself: every argument
// after -- reaches PROG byte for byte, flags and markers included.
func TestSuperviseHostileArgv(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(python3); err != nil {
		t.Skip("no " + python3)
	}
	args := []string{"", " ", "two words", `"dq"`, "'sq'", "new\nline", "$HOME", "%h%n", "`id`", "--", "-h", "--ready", "notify",
		"\xff\xfe not UTF-8", "ünïcödé", "back\\slash", "*"}
	script := `import os, sys; sys.stdout.write("".join(os.fsencode(a).hex() + "\n" for a in sys.argv[1:]))`
	out, err := exec.Command(svcBin, append([]string{"run", "--", python3, "-c", script}, args...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(got) != len(args) {
		t.Fatalf("python3 got %d arguments, want %d: %q", len(got), len(args), got)
	}
	for i, a := range args {
		if got[i] != hex.EncodeToString([]byte(a)) {
			t.Errorf("argument %q arrived as hex %s", a, got[i])
		}
	}
}

// TestSuperviseRefusals: the svc binary's errors for a bad PROG or
// flags, and exit codes as a shell has them.
func TestSuperviseRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", "--", "/nonexistent/prog"}, 127, "svc run: /nonexistent/prog: no such file or directory"},
		{[]string{"run", "--", "/etc/passwd"}, 126, "svc run: /etc/passwd: permission denied"},
		{[]string{"run", "--ready", "bogus", "--", "true"}, 2, `--ready "bogus"`},
		{[]string{"run", "--listen", "127.0.0.1:1", "--", "true"}, 2, "--listen: with -- PROG only --ready and --timeout apply"},
		{[]string{"run", "--ready", "notify"}, 2, "--ready and --timeout need -- PROG ARGS"},
		{[]string{"run", "--", "sh", "-c", "kill -TERM $$"}, -1, ""}, // svc dies of SIGTERM too
		{[]string{"run", "--", "sh", "-c", "exit 9"}, 9, ""},
	} {
		var stderr strings.Builder
		cmd := exec.Command(svcBin, c.args...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("svc %q: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.msg)
		}
	}
}
