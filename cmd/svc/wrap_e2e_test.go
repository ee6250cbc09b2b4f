package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/internal/proctest"
)

// A wrapped program is this test binary in a helper mode
// (proctest.Wrapped), so the tests need nothing installed:
// `e2e.test -e2e.wrapped MODE ARGS`.
const wrappedMode = "-e2e.wrapped"

// wrapScene starts wrapped programs in a scene's directory.
func (s *scene) wrapStart(extra ...string) result {
	return s.svc(append([]string{"start", "--classic", "--pidfile", s.pidfile, "--log", s.log, "--timeout", "20s"}, extra...)...)
}

func (s *scene) helper(mode string, args ...string) []string {
	return append([]string{"--", sharedSelf, wrappedMode, mode}, args...)
}

// wrapStarted checks r is a successful start of a wrapped program and
// returns its pid: the one in the pidfile, running prog, holding the
// pidfile's lock.
func (s *scene) wrapStarted(r result, prog string) int {
	s.t.Helper()
	m := startedRE.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		s.t.Fatalf("start: %v", r)
	}
	pid, _ := strconv.Atoi(m[1])
	if got := s.pidInFile(); got != pid {
		s.t.Fatalf("started pid %d, pidfile says %d", pid, got)
	}
	exe, _ := os.Readlink(proctest.Path(pid, "exe"))
	if want, _ := filepath.EvalSymlinks(prog); exe != want {
		s.t.Fatalf("pid %d runs %q, want %q", pid, exe, want)
	}
	f, err := os.Open(s.pidfile)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil || lk.Type != unix.F_WRLCK || int(lk.Pid) != pid {
		s.t.Fatalf("pidfile lock: %+v (%v), want a write lock held by %d", lk, err, pid)
	}
	return pid
}

func (s *scene) ctl(verb string, extra ...string) result {
	return s.svc(append([]string{verb, "--classic", "--pidfile", s.pidfile}, extra...)...)
}

// TestWrapDaemon7 wraps a program that listens late: start returns only
// once the port answers; the program itself is the daemon, set up as
// daemon(7) says, and stop, status and reload reach it with --exec.
func TestWrapDaemon7(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		cmd := exec.Command(execSelf(t), execMasked, s.v.svc, "start", "--classic", "--pidfile", s.pidfile, "--log", s.log,
			"--ready", "tcp:"+s.addr, "--exec", sharedSelf, "--", wrappedMode, "serve", s.addr, "300ms")
		pid := s.wrapStarted(s.run(cmd), sharedSelf)
		// Ready means ready: the port answers now, not soon.
		c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		if err != nil {
			t.Fatalf("started, but %s does not answer: %v", s.addr, err)
		}
		c.Close()
		stat := proctest.Stat(pid)
		if sid, _ := strconv.Atoi(stat[5]); sid == pid {
			t.Errorf("the program is a session leader (sid %d)", sid)
		}
		checkFDs(t, pid, s.log, s.pidfile)
		st := proctest.Status(t, pid)
		if st["SigBlk"] != "0000000000000000" || st["SigIgn"] != "0000000000000000" {
			t.Errorf("SigBlk %s SigIgn %s: want none blocked or ignored", st["SigBlk"], st["SigIgn"])
		}
		env, _ := os.ReadFile(proctest.Path(pid, "environ"))
		for _, v := range []string{"SVC_CLASSIC_HANDOFF=", "NOTIFY_SOCKET="} {
			if bytes.Contains(env, []byte(v)) {
				t.Errorf("the program's environment has %s", v)
			}
		}
		if r := s.ctl("status", "--exec", sharedSelf); r.code != 0 || r.stdout != "running (pid "+strconv.Itoa(pid)+")\n" {
			t.Errorf("status --exec: %v", r)
		}
		// Started again, it answers its own probe: already running, not
		// "something already answers there".
		again := s.wrapStart("--ready", "tcp:"+s.addr, "--exec", sharedSelf, "--", wrappedMode, "serve", s.addr, "0s")
		if again.code != 0 || again.stdout != "already running (pid "+strconv.Itoa(pid)+")\n" {
			t.Errorf("second start with the probe answering: %v", again)
		}
		// Without --exec the holder is not svc: never "running".
		if r := s.ctl("status"); r.code != 4 || !strings.Contains(r.stdout, "--exec PROG") {
			t.Errorf("status without --exec: %v, want 4 and a hint", r)
		}
		if r := s.ctl("stop"); r.code != 1 || !proctest.Alive(pid) {
			t.Errorf("stop without --exec: %v; the program must not be signalled", r)
		}
		if r := s.ctl("reload", "--exec", sharedSelf); r.code != 0 || r.stdout != "reload signalled (pid "+strconv.Itoa(pid)+")\n" {
			t.Errorf("reload --exec: %v", r)
		}
		awaitLog(t, s.log, "hup 1\n")
		if r := s.ctl("stop", "--exec", sharedSelf); r.code != 0 || r.stdout != "stopped (pid "+strconv.Itoa(pid)+")\n" {
			t.Errorf("stop --exec: %v", r)
		}
		s.noPIDFile()
		s.noneLeft()
	})
}

// awaitLog waits for want in the log: a signal is asynchronous.
func awaitLog(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(want)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s: no %q in %q", path, want, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// execSelf is this test binary, for its helper modes.
func execSelf(t *testing.T) string {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self
}

// TestWrapNotify: --ready notify waits for READY=1 from the program's own
// pid, through a NOTIFY_SOCKET it is given; a child's word does not count.
func TestWrapNotify(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.wrapStarted(s.wrapStart(append([]string{"--ready", "notify"}, s.helper("notify", "200ms")...)...), sharedSelf)
		env, _ := os.ReadFile(proctest.Path(pid, "environ"))
		if !regexp.MustCompile(`(^|\x00)NOTIFY_SOCKET=@svc-classic-\d+-[0-9a-f]{16}\x00`).Match(env) {
			t.Errorf("the program's NOTIFY_SOCKET is not the launcher's: %q", env)
		}
		if r := s.ctl("stop", "--exec", sharedSelf); r.code != 0 {
			t.Fatalf("stop: %v", r)
		}
		r := s.wrapStart(append([]string{"--ready", "notify", "--timeout", "1s"}, s.helper("notify-child")...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "not ready after 1s") {
			t.Errorf("READY=1 from a child of the program: %v, want a timeout", r)
		}
		s.noPIDFile()
		s.noneLeft()
	})
}

// TestWrapFailsLoudly: a program that dies before it is ready has its
// exit status and its own last words (escaped) reach the operator, and
// leaves nothing behind.
func TestWrapFailsLoudly(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		word := "boom-" + strconv.Itoa(os.Getpid()) + " \x1b[31m"
		r := s.wrapStart(append([]string{"--ready", "tcp:" + s.addr}, s.helper("fail", "3", word)...)...)
		if r.code != 3 || !strings.Contains(r.stderr, "exited with status 3 before it was ready") ||
			!strings.Contains(r.stderr, "boom-"+strconv.Itoa(os.Getpid())+` \x1b[31m`) || strings.Contains(r.stderr, "\x1b") {
			t.Errorf("failing program: %v, want exit 3 and its last words, escaped", r)
		}
		s.noPIDFile()
		s.noneLeft()
		// Without a log, the operator is told where the words went.
		r = s.svc(append([]string{"start", "--classic", "--pidfile", s.pidfile, "--ready", "tcp:" + s.addr}, s.helper("fail", "4", "unseen")...)...)
		if r.code != 4 || !strings.Contains(r.stderr, "give --log FILE") {
			t.Errorf("failing program without --log: %v", r)
		}
		s.noPIDFile()
	})
}

// TestWrapTimeout: a program that never gets ready is killed at the
// timeout; the probe's last failure and the program's words are shown.
func TestWrapTimeout(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		r := s.wrapStart(append([]string{"--ready", "tcp:" + s.addr, "--timeout", "1s"}, s.helper("serve", s.addr, "1h")...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "not ready after 1s (last check of tcp:"+s.addr) ||
			!strings.Contains(r.stderr, "killed") {
			t.Errorf("never ready: %v", r)
		}
		s.noPIDFile()
		s.noneLeft()
	})
}

// TestWrapRefusals: what cannot work is refused before anything starts.
func TestWrapRefusals(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		for _, c := range []struct {
			args []string
			code int
			want string
		}{
			{append([]string{"--ready", "tcp:" + s.addr}, s.helper("serve", s.addr, "0s")...), 1, "already answers"},
			{[]string{"--ready", "tcp:" + s.addr}, 2, "--ready is for a program this one wraps"},
			{append([]string{"--ready", "grpc:x"}, s.helper("wait")...), 2, "unknown kind"},
			{[]string{"--", "no-such-program-" + strconv.Itoa(os.Getpid())}, 2, "not found in PATH"},
			{[]string{"--", s.dir}, 2, "not a regular file"},
			{[]string{"--exec", s.log + ".absent"}, 2, "no such file"},
		} {
			if r := s.wrapStart(c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Errorf("start %q: %v, want exit %d and %q", c.args, r, c.code, c.want)
			}
			s.noPIDFile()
		}
	})
}

// TestWrapArgv: the program gets its arguments byte for byte, and runs
// under the name it was given, whatever the bytes.
func TestWrapArgv(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		link := filepath.Join(s.dir, "we ird $HOME %i 'q\"\n\xff")
		if err := os.Symlink(sharedSelf, link); err != nil {
			t.Fatal(err)
		}
		args := []string{wrappedMode, "wait", "a b", "'\"", "$HOME", "%i", "line\nbreak", "\xff\xfe", "", "-x"}
		pid := s.wrapStarted(s.wrapStart(append([]string{"--"}, append([]string{link}, args...)...)...), sharedSelf)
		got, _ := os.ReadFile(proctest.Path(pid, "cmdline"))
		if want := strings.Join(append([]string{link}, args...), "\x00") + "\x00"; string(got) != want {
			t.Errorf("cmdline %q, want %q", got, want)
		}
		if r := s.ctl("stop", "--exec", link); r.code != 0 {
			t.Errorf("stop --exec through the link: %v", r)
		}
		s.noneLeft()
	})
}

// TestWrapAlreadyRunning: a second start finds the wrapped daemon; a
// script, run as its interpreter, is still found by its pidfile's lock.
func TestWrapAlreadyRunning(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		script := filepath.Join(s.dir, "daemon.sh")
		if err := os.WriteFile(script, []byte("#!/bin/sh\necho script up >&2\nexec sleep 1000\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := s.wrapStart("--", script)
		m := startedRE.FindStringSubmatch(r.stdout)
		if r.code != 0 || m == nil {
			t.Fatalf("start script: %v", r)
		}
		if r := s.wrapStart("--", script); r.code != 0 || r.stdout != "already running (pid "+m[1]+")\n" {
			t.Errorf("second start: %v", r)
		}
		if r := s.ctl("status", "--exec", script); r.code != 0 || r.stdout != "running (pid "+m[1]+")\n" {
			t.Errorf("status --exec script: %v", r)
		}
		for _, restart := range [][]string{{"--", script}, {"--exec", script}} {
			r := s.svc(append([]string{"restart", "--classic", "--pidfile", s.pidfile, "--log", s.log}, restart...)...)
			if r.code != 0 || !startedRE.MatchString(r.stdout) || r.stdout == "started (pid "+m[1]+")\n" {
				t.Errorf("restart %q: %v", restart, r)
			}
		}
		if r := s.ctl("stop", "--exec", script); r.code != 0 {
			t.Errorf("stop: %v", r)
		}
		s.noneLeft()
	})
}

// TestWrapExecFails: a program the dropped user may not run fails with
// exec's reason and a shell's exit code, and leaves nothing.
func TestWrapExecFails(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop to nobody")
	}
	forEachVariant(t, func(t *testing.T, s *scene) {
		private := filepath.Join(s.dir, "private")
		b, err := os.ReadFile(sharedSelf)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(private, b, 0o700); err != nil {
			t.Fatal(err)
		}
		r := s.svc("start", "--classic", "--pidfile", s.pidfile, "--user", "nobody", "--", private, wrappedMode, "wait")
		if r.code != 126 || !strings.Contains(r.stderr, "exec "+private+": permission denied") {
			t.Errorf("start as nobody of a 0700 program: %v, want 126 and exec's reason", r)
		}
		s.noPIDFile()
		s.noneLeft()
	})
}
