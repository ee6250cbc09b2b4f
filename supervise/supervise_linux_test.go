package supervise

import (
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// issueSignals are the signals the issue names; every init under test
// must forward them.
var issueSignals = []unix.Signal{unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH}

func TestExitStatusPassed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"exit", "0"}, 0},
		{[]string{"exit", "7"}, 7},
		{[]string{"exit", "255"}, 255},
		{[]string{"die", strconv.Itoa(int(unix.SIGTERM))}, 128 + 15},
		{[]string{"die", strconv.Itoa(int(unix.SIGKILL))}, 128 + 9},
		{[]string{"die", strconv.Itoa(int(unix.SIGINT))}, 128 + 2},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			p := start(t, supervisorArgv(c.args...))
			p.exitCode(c.want)
			// Raise: svc dies of PROG's signal, as systemd should see it.
			if killed := c.args[0] == "die"; p.signaled != killed {
				t.Errorf("svc killed by a signal: %v, want %v", p.signaled, killed)
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain file")
	os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644)
	garbage := filepath.Join(dir, "no-shebang")
	os.WriteFile(garbage, []byte("\x00\x01\x02garbage"), 0o755)
	noInterp := filepath.Join(dir, "bad-interpreter")
	os.WriteFile(noInterp, []byte("#!/nonexistent/interpreter\n"), 0o755)
	for _, c := range []struct {
		name, prog string
		code       int
		msg        string
	}{
		{"missing path", filepath.Join(dir, "missing"), 127, "no such file or directory"},
		{"not in PATH", "svc-no-such-program-" + strconv.Itoa(os.Getpid()), 127, "not found in PATH"},
		{"directory", dir, 126, ""},
		{"not executable", plain, 126, "permission denied"},
		{"not a program", garbage, 126, "exec format error"},
		{"missing interpreter", noInterp, 127, "no such file or directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, []string{os.Args[0], "supervise", c.prog, "arg"})
			p.exitCode(c.code)
			if stderr := p.stderr.String(); !strings.Contains(stderr, c.prog) || !strings.Contains(stderr, c.msg) {
				t.Errorf("stderr %q does not name %q and say %q", stderr, c.prog, c.msg)
			}
		})
	}
}

func TestSignalsForwarded(t *testing.T) {
	t.Parallel()
	p := start(t, supervisorArgv("signals"))
	var pid, pgid int
	fmt.Sscanf(p.expect("armed"), "armed pid %d pgid %d", &pid, &pgid)
	if pid == 0 || pgid != pid {
		t.Errorf("PROG (pid %d) in process group %d, want its own", pid, pgid)
	}
	for _, sig := range forwarded {
		if sig == unix.SIGTERM {
			continue
		}
		p.signal(sig.(unix.Signal))
		p.expect("got " + unix.SignalName(sig.(unix.Signal)))
	}
	p.signal(unix.SIGTERM)
	p.expect("got SIGTERM")
	p.exitCode(42)
}

// TestOrphansReapedAsSubreaper: not PID 1, svc is a child subreaper, so
// PROG's orphan is re-parented to it and reaped while PROG runs.
func TestOrphansReapedAsSubreaper(t *testing.T) {
	t.Parallel()
	p := start(t, supervisorArgv("orphan"))
	var orphan, main int
	fmt.Sscanf(p.expect("main "), "main %d", &main)
	fmt.Sscanf(p.expect("orphan "), "orphan %d", &orphan)
	ns, _ := os.Readlink("/proc/self/ns/pid")
	waitReaped(t, ns, orphan)
	if st := stateOf(strconv.Itoa(main)); st == "" || st == "Z" {
		t.Fatalf("main child %d is %q: it should still run", main, st)
	}
	p.stdin.Close()
	p.exitCode(0)
}

// TestHostileArgv: every argument reaches PROG byte for byte.
func TestHostileArgv(t *testing.T) {
	t.Parallel()
	args := hostileArgs()
	p := start(t, supervisorArgv(append([]string{"argv"}, args...)...))
	for _, a := range args {
		if got := p.expect(""); got != hex.EncodeToString([]byte(a)) {
			t.Errorf("argument %q arrived as hex %s", a, got)
		}
	}
	p.expect("end")
	p.exitCode(0)
}

func hostileArgs() []string {
	return []string{"", " ", "two words", `"quoted"`, "'single'", "new\nline", "tab\there", "$HOME", "%n%s", "`id`", ";rm -rf /", "--", "-h",
		"\xff\xfe non-UTF-8", "ünïcödé", "back\\slash", "*", "\x01svc-run-listen-shim"}
}

// TestEnvStripped: without --ready PROG gets none of systemd's variables
// meant for svc, and systemd gets READY=1 once PROG runs.
func TestEnvStripped(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	p := start(t, supervisorArgv("env"), "NOTIFY_SOCKET="+m.addr, "WATCHDOG_USEC=60000000", "WATCHDOG_PID=1",
		"LISTEN_PID=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=x")
	for _, k := range []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", shimEnv} {
		if l := p.expect(k); l != k+" unset" {
			t.Errorf("PROG has %s", l)
		}
	}
	d := m.until("READY=1")
	if last := d[len(d)-1]; last.pid != p.cmd.Process.Pid {
		t.Errorf("READY=1 from pid %d, want svc's %d", last.pid, p.cmd.Process.Pid)
	}
	p.exitCode(0)
}

// TestNotifyRelayed: under --ready notify, PROG's datagrams reach the
// manager from svc's pid, with their fds, without MAINPID=; its
// children's do not.
func TestNotifyRelayed(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	p := start(t, supervisorArgv("notify"), "NOTIFY_SOCKET="+m.addr, "SUPERVISE_READY=notify", "WATCHDOG_USEC=60000000")
	got := m.until("READY=1")
	svcPID := p.cmd.Process.Pid
	var stored bool
	for _, d := range got {
		defer closeAll(d.fds)
		if d.pid != svcPID {
			t.Errorf("datagram %q from pid %d, want svc's %d", d.fields, d.pid, svcPID)
		}
		for _, f := range d.fields {
			if strings.HasPrefix(f, "MAINPID=") || f == "STATUS=intruder" {
				t.Errorf("relayed %q", f)
			}
		}
		if d.has("FDSTORE=1") {
			stored = true
			if !d.has("FDNAME=kept") || len(d.fds) != 1 {
				t.Errorf("FDSTORE=1 datagram %q with %d fds; want FDNAME=kept and 1 fd", d.fields, len(d.fds))
				continue
			}
			f, err := unix.Dup(d.fds[0])
			if err != nil {
				t.Fatal(err)
			}
			kept := os.NewFile(uintptr(f), "kept")
			b, _ := io.ReadAll(kept)
			kept.Close()
			if string(b) != "kept" {
				t.Errorf("stored fd reads %q, want kept", b)
			}
		}
	}
	if !stored {
		t.Errorf("no FDSTORE=1 datagram in %+v", got)
	}
	if !got[0].has("STATUS=hello") {
		t.Errorf("first datagram %q, want STATUS=hello", got[0].fields)
	}
	p.expect("notified")
	p.stdin.Close()
	p.exitCode(0)
}

// TestNotifyEnv: under --ready notify PROG gets its own socket and the
// watchdog timeout, but no WATCHDOG_PID.
func TestNotifyEnv(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	p := start(t, supervisorArgv("env"), "NOTIFY_SOCKET="+m.addr, "SUPERVISE_READY=notify", "WATCHDOG_USEC=60000000")
	if l := p.expect("NOTIFY_SOCKET"); !strings.HasPrefix(l, "NOTIFY_SOCKET=@svc-run-"+strconv.Itoa(p.cmd.Process.Pid)+"-") {
		t.Errorf("PROG has %s, want its own abstract socket", l)
	}
	if l := p.expect("WATCHDOG_USEC"); l != "WATCHDOG_USEC=60000000" {
		t.Errorf("PROG has %s", l)
	}
	if l := p.expect("WATCHDOG_PID"); l != "WATCHDOG_PID unset" {
		t.Errorf("PROG has %s", l)
	}
	p.exitCode(0) // exits before READY=1: its status, and an error
	if !strings.Contains(p.stderr.String(), "exited with status 0 before it was ready") {
		t.Errorf("stderr %q", p.stderr.String())
	}
}

// TestProbeReady: READY=1 comes once the port answers, not before.
func TestProbeReady(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	addr := freeAddr(t)
	p := start(t, supervisorArgv("listen", addr), "NOTIFY_SOCKET="+m.addr, "SUPERVISE_READY=tcp:"+addr)
	p.expect("armed")
	// Nothing listens yet, so no probe can have passed: no datagram.
	if d, ok := m.next(0); ok {
		t.Fatalf("before PROG listens, svc sent %q", d.fields)
	}
	io.WriteString(p.stdin, "go\n")
	got := m.until("READY=1")
	if !got[len(got)-1].has("STATUS=tcp:" + addr + " passed: ready") {
		t.Errorf("READY=1 without the STATUS=: %q", got[len(got)-1].fields)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("after READY=1: %v", err)
	}
	c.Close()
	p.signal(unix.SIGTERM)
	if !m.until("STOPPING=1")[0].has("STOPPING=1") {
		t.Error("no STOPPING=1 first after SIGTERM")
	}
	p.exitCode(128 + 15)
}

// TestProbeTimeout: a PROG not ready in time is stopped, the reason goes
// to STATUS= and stderr, and svc exits 1.
func TestProbeTimeout(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	addr := freeAddr(t)
	p := start(t, supervisorArgv("signals"), "NOTIFY_SOCKET="+m.addr, "SUPERVISE_READY=tcp:"+addr, "SUPERVISE_TIMEOUT=100ms")
	p.expect("armed")
	d := m.until("STOPPING=1")
	if !strings.HasPrefix(d[0].fields[0], "STATUS=") || !strings.Contains(d[0].fields[0], "not ready after 100ms") {
		t.Errorf("first datagram %q, want the reason in STATUS=", d[0].fields)
	}
	p.expect("got SIGTERM")
	p.exitCode(1)
	if s := p.stderr.String(); !strings.Contains(s, "not ready after 100ms") || !strings.Contains(s, "dial tcp "+addr+": connect: connection refused") {
		t.Errorf("stderr %q", s)
	}
}

// TestExitBeforeReady: PROG's status, and an error saying it never was
// ready.
func TestExitBeforeReady(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	p := start(t, supervisorArgv("exit", "3"), "NOTIFY_SOCKET="+m.addr, "SUPERVISE_READY=tcp:"+freeAddr(t))
	p.exitCode(3)
	if s := p.stderr.String(); !strings.Contains(s, "exited with status 3 before it was ready") {
		t.Errorf("stderr %q", s)
	}
	if d := m.until("STATUS=supervise: " + os.Args[0] + " exited with status 3 before it was ready"); len(d) != 1 {
		t.Errorf("svc sent %+v first", d[:len(d)-1])
	}
}

// TestExecProbeAmongOrphans: the reaper leaves an exec: probe's command
// to os/exec, and still reaps PROG's orphans.
func TestExecProbeAmongOrphans(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	p := start(t, supervisorArgv("orphan"), "NOTIFY_SOCKET="+m.addr, "SUPERVISE_READY=exec:true")
	var orphan int
	fmt.Sscanf(p.expect("orphan "), "orphan %d", &orphan)
	m.until("READY=1")
	ns, _ := os.Readlink("/proc/self/ns/pid")
	waitReaped(t, ns, orphan)
	p.stdin.Close()
	p.exitCode(0)
}

// TestListenFDsPassed: systemd's sockets reach PROG at fd 3, with
// LISTEN_PID set to PROG's own pid, and argv intact through the re-exec.
func TestListenFDsPassed(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lf, _ := ln.(*net.TCPListener).File()
	defer lf.Close()
	args := hostileArgs()
	// sh stands in for systemd: LISTEN_PID must be svc's pid, known only
	// once it runs; exec keeps the pid.
	argv := append([]string{"/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web exec "$@"`, "sh"}, supervisorArgv(append([]string{"listenfds"}, args...)...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	p := startCmd(t, cmd, lf)
	if l := p.expect("LISTEN_PID"); l != "LISTEN_PID is mine: true" {
		t.Errorf("%s", l)
	}
	if l := p.expect("LISTEN_FDS"); l != "LISTEN_FDS=1 LISTEN_FDNAMES=web" {
		t.Errorf("%s", l)
	}
	for _, a := range args {
		if got := p.expect(""); got != hex.EncodeToString([]byte(a)) {
			t.Errorf("argument %q arrived as hex %s", a, got)
		}
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "hello" {
		t.Errorf("PROG on fd 3 answered %q", b)
	}
	p.exitCode(0)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRunErrors: what Run refuses before anything starts.
func TestRunErrors(t *testing.T) {
	if code, err := Run(t.Context(), nil, Options{}); code != ExitFail || err == nil {
		t.Errorf("Run(nil) = %d, %v", code, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	spec := mustParse(t, "tcp:"+ln.Addr().String())
	code, err := Run(t.Context(), []string{"true"}, Options{Ready: spec})
	if code != ExitFail || err == nil || !strings.Contains(err.Error(), "already answers") {
		t.Errorf("Run with a port already answering = %d, %v", code, err)
	}
}

// TestProbeWatchdog: with a watchdog, svc pings while the probe passes,
// and stops pinging, saying why in STATUS=, once it fails.
func TestProbeWatchdog(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	addr := freeAddr(t)
	p := start(t, supervisorArgv("listen", addr), "NOTIFY_SOCKET="+m.addr, "SUPERVISE_READY=tcp:"+addr, "WATCHDOG_USEC=100000")
	p.expect("armed")
	io.WriteString(p.stdin, "go\n")
	m.until("READY=1")
	m.until("WATCHDOG=1")
	io.WriteString(p.stdin, "close\n")
	p.expect("closed")
	failed := "STATUS=watchdog: tcp:" + addr + " failed: "
	seenFailure := false
	for n := 0; n < 3; {
		d, ok := m.next(bound)
		if !ok {
			t.Fatalf("no datagram within %v after the listener closed", bound)
		}
		switch {
		case strings.HasPrefix(d.fields[0], failed):
			seenFailure = true
			n++
		case seenFailure && d.has("WATCHDOG=1"):
			// Only a check that was under way when the listener
			// closed could have passed: after a failure, no ping.
			t.Fatalf("pinged after the probe failed: %q", d.fields)
		}
	}
	p.stdin.Close()
	p.exitCode(0)
}

// TestWatchdogWithoutReady: svc pings on PROG's behalf while it runs.
func TestWatchdogWithoutReady(t *testing.T) {
	t.Parallel()
	m := listenManager(t)
	p := start(t, supervisorArgv("signals"), "NOTIFY_SOCKET="+m.addr, "WATCHDOG_USEC=100000")
	p.expect("armed")
	m.until("READY=1")
	m.until("WATCHDOG=1")
	p.signal(unix.SIGTERM)
	p.exitCode(42)
}
