//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
	"golang.org/x/sys/unix"
)

// The identity tests (issue 10) attack the pidfile as an unprivileged
// user and check that root's svc never takes a stranger for its daemon:
// real locks, real processes, a real pid that comes around again. The
// launcher-hang tests check that every launch returns and leaves nothing.
//
// The "unprivileged user" is a uid in no passwd entry (outsider), its
// processes made with SysProcAttr.Credential: nothing is added to the host.

// Helper modes of this test binary, dispatched by identityHelper before
// TestMain builds anything.
const (
	// holdLock PIDFILE ro|rw pid|- LOCK...: open the pidfile read-only or
	// read-write, write our pid into it if asked, take each lock
	// (flock-sh, flock-ex, fcntl-rd, fcntl-wr; a "try:" prefix tolerates
	// failure), say "locked", and hold them until stdin closes.
	holdLock = "-e2e.hold-lock"
	// handOff PIDFILE: the attacker of issue 10. Open the pidfile read-only,
	// flock it LOCK_EX, try fcntl locks, hand the descriptor to a child
	// sleep that keeps the lock, print the child's pid, and exit.
	handOff = "-e2e.hand-off"
)

// sharedSelf is a copy of this test binary that any user may run: the
// attacker helpers run as the outsider uid, which cannot reach go test's
// private build directory.
var sharedSelf string

func identityHelper() {
	if len(os.Args) < 2 {
		return
	}
	switch os.Args[1] {
	case holdLock:
		runHoldLock(os.Args[2:])
	case handOff:
		runHandOff(os.Args[2:])
	default:
		return
	}
	os.Exit(0)
}

// shareBinaries makes dir (the built svc variants) reachable by any user
// and puts a copy of this test binary in it.
func shareBinaries(dir string) {
	os.Chmod(dir, 0o755)
	self, err := os.Executable()
	if err != nil {
		return
	}
	b, err := os.ReadFile(self)
	if err != nil {
		return
	}
	p := filepath.Join(dir, "e2e.test")
	if os.WriteFile(p, b, 0o755) == nil {
		sharedSelf = p
	}
}

func helperExit(format string, a ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
	os.Exit(3)
}

func runHoldLock(args []string) {
	if len(args) < 3 {
		helperExit("usage: %s PIDFILE ro|rw pid|- LOCK...", holdLock)
	}
	flags := os.O_RDONLY
	if args[1] == "rw" {
		flags = os.O_RDWR
	}
	f, err := os.OpenFile(args[0], flags, 0)
	if err != nil {
		helperExit("open: %v", err)
	}
	if args[2] == "pid" {
		if err := f.Truncate(0); err != nil {
			helperExit("truncate: %v", err)
		}
		if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
			helperExit("write: %v", err)
		}
	}
	for _, l := range args[3:] {
		kind, try := strings.CutPrefix(l, "try:")
		if err := takeLock(int(f.Fd()), kind); err != nil && !try {
			helperExit("lock %s: %v", kind, err)
		} else if err != nil {
			fmt.Fprintf(os.Stderr, "lock %s: %v (tolerated)\n", kind, err)
		}
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
}

func takeLock(fd int, kind string) error {
	fcntl := func(typ int16) error {
		return unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &unix.Flock_t{Type: typ, Whence: 0})
	}
	switch kind {
	case "flock-sh":
		return unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB)
	case "flock-ex":
		return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	case "fcntl-rd":
		return fcntl(unix.F_RDLCK)
	case "fcntl-wr":
		return fcntl(unix.F_WRLCK)
	}
	return fmt.Errorf("unknown lock %q", kind)
}

func runHandOff(args []string) {
	f, err := os.Open(args[0]) // read-only: all a 0644 pidfile grants
	if err != nil {
		helperExit("open: %v", err)
	}
	if err := takeLock(int(f.Fd()), "flock-ex"); err != nil {
		helperExit("flock LOCK_EX through a read-only fd: %v", err)
	}
	takeLock(int(f.Fd()), "fcntl-rd") // per process: gone when we exit
	takeLock(int(f.Fd()), "fcntl-wr") // EBADF on a read-only fd
	child := exec.Command("sleep", "3600")
	child.ExtraFiles = []*os.File{f} // the open file, and so the flock, outlives us
	if err := child.Start(); err != nil {
		helperExit("start the lock keeper: %v", err)
	}
	fmt.Println(child.Process.Pid)
}

// outsider is the throwaway unprivileged user (proctest.Outsider).
var outsider = proctest.Outsider

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the attacks run as a second, unprivileged user")
	}
	if outsider() < 0 {
		t.Skip("no free uid in 61000..65000 for the unprivileged user")
	}
	if sharedSelf == "" {
		t.Skip("could not copy the test binary where the unprivileged user can run it")
	}
}

func asOutsider(cmd *exec.Cmd) *exec.Cmd {
	u := uint32(outsider())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u, Gid: u, Groups: []uint32{}}}
	return cmd
}

// holder starts the holdLock helper (as the outsider if asked) and
// returns once it holds its locks; it is killed when the test ends.
func (s *scene) holder(outsiderUser bool, open, writePID string, locks ...string) *exec.Cmd {
	s.t.Helper()
	cmd := exec.Command(sharedSelf, append([]string{holdLock, s.pidfile, open, writePID}, locks...)...)
	if outsiderUser {
		asOutsider(cmd)
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		s.t.Fatalf("lock holder %v: %q, stderr %q", locks, line, errb.String())
	}
	return cmd
}

func writePIDFile(t *testing.T, path string, pid int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
}

// unharmed checks that pid, a process svc must not take for its daemon,
// was not signalled: it is still alive a moment after the command that
// could have signalled it returned (a signal is delivered at once; the
// grace is only for the kernel to finish the exit).
func unharmed(t *testing.T, pid int, what string, after result) {
	t.Helper()
	if proctest.WaitGone(pid, 500*time.Millisecond) {
		t.Errorf("%s (pid %d) was signalled and died; the command said: %v", what, pid, after)
	}
}

func (s *scene) status(pidfile string) result {
	return s.svc("status", "--classic", "--pidfile", pidfile)
}
func (s *scene) stop(pidfile string, extra ...string) result {
	return s.svc(append([]string{"stop", "--classic", "--pidfile", pidfile}, extra...)...)
}

func combined(r result) string { return r.stdout + r.stderr }

// TestClassicAttackHeldLock (issue 10, without pid reuse): the
// unprivileged attacker is itself the pid in root's pidfile and holds
// flock LOCK_EX (and an fcntl read lock) through a read-only descriptor.
// Root's svc must not take it for the daemon.
func TestClassicAttackHeldLock(t *testing.T) {
	needRoot(t)
	forEachVariant(t, func(t *testing.T, s *scene) {
		writePIDFile(t, s.pidfile, proctest.DeadPID(t)) // root's, 0644, in a root 0755 dir
		a := s.holder(true, "ro", "-", "flock-ex", "try:fcntl-rd", "try:fcntl-wr")
		writePIDFile(t, s.pidfile, a.Process.Pid) // same inode: the attacker's lock stays
		if r := s.status(s.pidfile); r.code != 1 {
			t.Errorf("status: %v; want 1 (dead, pidfile exists): a read-only lock holder is not the daemon", r)
		}
		r := s.stop(s.pidfile, "--timeout", "5s") // and removes the stale pidfile
		unharmed(t, a.Process.Pid, "the attacker holding a read-only flock", r)
		r = s.svc(s.startArgs()...)
		if !startedRE.MatchString(r.stdout) {
			t.Fatalf("start: %v; want a new daemon started, not \"already running\" for the attacker", r)
		}
		s.started(r)
	})
}

// TestClassicAttackPIDReuse (issue 10, in full): the attacker
// takes the lock as the pid in root's pidfile, hands it to a child and
// exits; a root process (the victim, a sleep) then gets that pid, so
// /proc/locks names a live pid as the holder. Root's svc must not stop
// the victim, must not call it running, and must start a new daemon.
//
// The pid comes around by writing the host's ns_last_pid just before the
// fork. A private PID namespace would not do: /proc/locks keeps the
// owner's global pid, and a namespace whose ns-local pid comes around
// gets a new global one, so the attack would not even reach svc.
func TestClassicAttackPIDReuse(t *testing.T) {
	needRoot(t)
	forEachVariant(t, func(t *testing.T, s *scene) {
		x := s.handedOffLock()
		if r := s.status(s.pidfile); r.code != 1 {
			t.Errorf("status: %v; want 1 (dead, pidfile exists): pid %d is a sleep that holds no lock", r, x)
		}
		r := s.stop(s.pidfile, "--timeout", "5s") // and removes the stale pidfile
		unharmed(t, x, "the victim, a root sleep that got the pid the handed-off read-only flock names", r)
		r = s.svc(s.startArgs()...)
		if !startedRE.MatchString(r.stdout) {
			t.Fatalf("start: %v; want a new daemon started, not \"already running\" for the victim %d", r, x)
		}
		pid := s.started(r)
		r = s.stop(s.pidfile)
		if r.code != 0 || !proctest.WaitGone(pid, 10*time.Second) {
			t.Errorf("stop of the new daemon %d: %v", pid, r)
		}
		unharmed(t, x, "the victim", r)
	})
}

// pidCycle serialises the writes of ns_last_pid by the tests of this
// binary; other processes on the host may still take the pid first, and
// then we try again.
var pidCycle sync.Mutex

// handedOffLock sets up the attack of issue 10 on s.pidfile and returns
// the victim's pid: root's pidfile names pid X; the attacker, running as
// X, took flock LOCK_EX through a read-only descriptor, handed it to a
// child and exited; a root sleep now runs as X. It checks /proc/locks
// shows exactly that before it returns.
func (s *scene) handedOffLock() int {
	s.t.Helper()
	writePIDFile(s.t, s.pidfile, proctest.DeadPID(s.t))
	var st unix.Stat_t
	if err := unix.Stat(s.pidfile, &st); err != nil {
		s.t.Fatal(err)
	}
	pidCycle.Lock()
	defer pidCycle.Unlock()
	for range 20 {
		a := asOutsider(exec.Command(sharedSelf, handOff, s.pidfile))
		out, err := a.Output()
		if err != nil {
			s.t.Fatalf("the attacker: %v, %s", err, out)
		}
		x := a.Process.Pid
		keeper, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		s.t.Cleanup(func() { killIf(keeper, "sleep 3600") })
		writePIDFile(s.t, s.pidfile, x) // in place: the keeper's lock stays
		if victim := startAt(x, "sleep", "3600"); victim != nil {
			s.t.Cleanup(func() { victim.Process.Kill(); victim.Wait() })
			if h := flockHolders(st.Ino); len(h) != 1 || h[0] != x {
				s.t.Fatalf("set-up: /proc/locks names %v as the pidfile's flock holders, want the exited attacker's pid %d", h, x)
			}
			return x
		}
		killIf(keeper, "sleep 3600")
	}
	s.t.Fatal("set-up: the attacker's pid never came around for the victim in 20 tries")
	return 0
}

// startAt starts argv as pid x, by setting ns_last_pid to x-1 just before
// the fork; nil if another process (or a thread) took x first.
func startAt(x int, argv ...string) *exec.Cmd {
	for range 50 {
		if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(x-1)), 0); err != nil {
			return nil
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		if err := cmd.Start(); err != nil {
			return nil
		}
		if cmd.Process.Pid == x {
			return cmd
		}
		cmd.Process.Kill()
		cmd.Wait()
		if proctest.Alive(x) { // someone else's now
			return nil
		}
	}
	return nil
}

// killIf kills pid if it still runs cmdline: pids come around.
func killIf(pid int, cmdline string) {
	if pid > 0 && proctest.Cmdline(pid) == cmdline {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// flockHolders lists the pids /proc/locks names as holding a flock on
// the file with inode ino.
func flockHolders(ino uint64) []int {
	b, _ := os.ReadFile("/proc/locks")
	var pids []int
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 5 && f[1] == "FLOCK" && strings.HasSuffix(f[5], ":"+strconv.FormatUint(ino, 10)) {
			pid, _ := strconv.Atoi(f[4])
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestClassicWritableDir (issue 10): a pidfile in a directory
// others may write (sticky 1777 like /tmp, and plain 0777) is refused,
// root included, even when the pidfile in it is root's.
func TestClassicWritableDir(t *testing.T) {
	needRoot(t)
	forEachVariant(t, func(t *testing.T, s *scene) {
		for name, mode := range map[string]os.FileMode{"sticky1777": 0o777 | os.ModeSticky, "open0777": 0o777} {
			dir := filepath.Join(s.dir, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, mode); err != nil {
				t.Fatal(err)
			}
			victim := proctest.Stranger(t)
			pidfile := filepath.Join(dir, "svc.pid")
			writePIDFile(t, pidfile, victim)
			if r := s.status(pidfile); r.code != 4 || !strings.Contains(combined(r), "director") {
				t.Errorf("dir %v: status: %v; want 4 (unknown) naming the directory", mode, r)
			}
			r := s.stop(pidfile, "--timeout", "5s")
			if r.code == 0 || !strings.Contains(r.stderr, "director") {
				t.Errorf("dir %v: stop: %v; want a failure naming the directory", mode, r)
			}
			unharmed(t, victim, "the root sleep named by the pidfile", r)

			fresh := filepath.Join(dir, "fresh.pid")
			r = s.svc("start", "--classic", "--pidfile", fresh, "--listen", s.addr)
			if r.code == 0 || !strings.Contains(r.stderr, "director") {
				t.Errorf("dir %v: start: %v; want a failure naming the directory", mode, r)
			}
			noDaemon(t, fresh, s.addr)
		}
	})
}

// noDaemon checks no process names pidfile or addr, and pidfile is absent.
func noDaemon(t *testing.T, pidfile, addr string) {
	t.Helper()
	for _, marker := range []string{pidfile, addr} {
		for _, pid := range proctest.Live(marker) {
			if !proctest.WaitGone(pid, 10*time.Second) {
				t.Errorf("pid %d (%s) left running; killing it", pid, proctest.Cmdline(pid))
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if _, err := os.Lstat(pidfile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pidfile %s left behind (%v)", pidfile, err)
		os.Remove(pidfile)
	}
}

// TestClassicForeignOwner (issue 10): a pidfile owned by another
// user, naming a live root process, is refused as start-stop-daemon does.
func TestClassicForeignOwner(t *testing.T) {
	needRoot(t)
	forEachVariant(t, func(t *testing.T, s *scene) {
		victim := proctest.Stranger(t)
		writePIDFile(t, s.pidfile, victim)
		if err := os.Chown(s.pidfile, outsider(), outsider()); err != nil {
			t.Fatal(err)
		}
		owner := func(r result) bool {
			out := combined(r)
			return strings.Contains(out, "own") || strings.Contains(out, strconv.Itoa(outsider()))
		}
		if r := s.status(s.pidfile); r.code != 4 || !owner(r) {
			t.Errorf("status: %v; want 4 (unknown) naming the owner %d", r, outsider())
		}
		r := s.stop(s.pidfile, "--timeout", "5s")
		if r.code == 0 || !owner(r) {
			t.Errorf("stop: %v; want a failure naming the owner %d", r, outsider())
		}
		unharmed(t, victim, "the root sleep named by the foreign pidfile", r)
	})
}

// TestClassicStaleLockedByOther (issue 10): an unprivileged read
// lock (or flock) on a stale pidfile does not block root's start.
func TestClassicStaleLockedByOther(t *testing.T) {
	needRoot(t)
	forEachVariant(t, func(t *testing.T, s *scene) {
		for _, lock := range []string{"flock-sh", "flock-ex", "fcntl-rd"} {
			writePIDFile(t, s.pidfile, proctest.DeadPID(t))
			h := s.holder(true, "ro", "-", lock)
			r := s.svc(s.startArgs()...)
			if !startedRE.MatchString(r.stdout) {
				t.Errorf("start with the outsider holding %s on the stale pidfile: %v; want started", lock, r)
			} else {
				pid := s.started(r)
				if r := s.stop(s.pidfile); r.code != 0 || !proctest.WaitGone(pid, 10*time.Second) {
					t.Errorf("stop after %s: %v", lock, r)
				}
			}
			h.Process.Kill()
			h.Wait()
			os.Remove(s.pidfile)
		}
	})
}

// bounded runs cmd with a hang detector: a launch that has not returned
// after 30s is killed and reported.
func (s *scene) bounded(argv []string, start func(cmd *exec.Cmd)) (r result, hung bool) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	if start != nil {
		start(cmd)
	}
	cmd.Wait()
	r = result{stdout: out.String(), stderr: errb.String(), code: cmd.ProcessState.ExitCode()}
	return r, ctx.Err() != nil
}

// freshPIDFile is a new root 0755 directory in the scene with a pidfile
// path in it, for one launch of many.
func (s *scene) freshPIDFile(name string) string {
	s.t.Helper()
	dir := filepath.Join(s.dir, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	return filepath.Join(dir, "svc.pid")
}

// TestClassicTimeoutNanosecond (issue 10): a launch that times
// out at once returns, fails, and leaves no daemon and no pidfile, every
// time (the cgo launcher hung in 3 of 12).
func TestClassicTimeoutNanosecond(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		for i := range 12 {
			pidfile := s.freshPIDFile(fmt.Sprintf("ns%d", i))
			r, hung := s.bounded([]string{s.v.svc, "start", "--classic", "--pidfile", pidfile, "--listen", s.addr, "--timeout", "1ns"}, nil)
			if hung {
				t.Errorf("run %d of 12: start --timeout 1ns hung (killed after 30s): %v", i+1, r)
			}
			if r.code == 0 {
				t.Errorf("run %d: start --timeout 1ns: %v; want a failure (not ready in 1ns)", i, r)
				s.stop(pidfile)
			}
			noDaemon(t, pidfile, s.addr)
			if hung {
				break // proven; more hangs would only cost 30s each
			}
		}
	})
}

// TestClassicLauncherSIGTERM (issue 10): SIGTERM to the launcher
// within about 0–3 ms of its exec, over 40 delays: the window that hung
// the cgo launcher is narrow and moves with the machine's load. The
// launcher returns; unless it said "started", it leaves no daemon and no
// pidfile.
func TestClassicLauncherSIGTERM(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		for i := range 40 {
			delay := time.Duration(i) * 75 * time.Microsecond
			pidfile := s.freshPIDFile(fmt.Sprintf("term%d", i))
			r, hung := s.bounded([]string{s.v.svc, "start", "--classic", "--pidfile", pidfile, "--listen", s.addr}, func(cmd *exec.Cmd) {
				time.Sleep(delay)
				cmd.Process.Signal(syscall.SIGTERM)
			})
			if hung {
				t.Errorf("SIGTERM after %v: the launcher hung (killed after 30s): %v", delay, r)
			}
			if startedRE.MatchString(r.stdout) && r.code == 0 {
				// Ready before the signal came: a normal start.
				if r := s.stop(pidfile); r.code != 0 {
					t.Errorf("SIGTERM after %v, started: stop: %v", delay, r)
				}
			} else if r.code == 0 {
				t.Errorf("SIGTERM after %v: %v; exit 0 without \"started\"", delay, r)
			}
			noDaemon(t, pidfile, s.addr)
			if hung {
				break // proven; more hangs would only cost 30s each
			}
		}
	})
}

// TestClassicHugeTimeout (issue 10): a timeout near
// time.Duration's maximum, and the maximum itself (which overflows any
// now+timeout, whatever the uptime), must not wrap a deadline. The daemon
// drains for 300ms on SIGTERM: a stop whose deadline wrapped into the
// past would SIGKILL it at once, and its log would lack "msg=stopped".
func TestClassicHugeTimeout(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		for i, timeout := range []string{"2562047h", time.Duration(1<<63 - 1).String()} {
			r, hung := s.bounded(append([]string{s.v.svc}, s.startArgs("--timeout", timeout, "--log", s.log, "--shutdown-delay", "300ms")...), nil)
			if hung {
				t.Fatalf("start --timeout %s hung (killed after 30s): %v", timeout, r)
			}
			pid := s.started(r)
			r, hung = s.bounded([]string{s.v.svc, "stop", "--classic", "--pidfile", s.pidfile, "--timeout", timeout}, nil)
			if hung || r.code != 0 || !proctest.WaitGone(pid, 10*time.Second) {
				t.Errorf("stop --timeout %s: %v (hung %v); want 0 and the daemon %d gone", timeout, r, hung, pid)
			}
			s.noPIDFile()
			if b, _ := os.ReadFile(s.log); strings.Count(string(b), "msg=stopped") != i+1 {
				t.Errorf("stop --timeout %s: the daemon did not finish its 300ms drain (killed early?); log:\n%s", timeout, b)
			}
		}
	})
}

// TestClassicEmptyUserGroup (issue 10): an empty --user or --group
// are refused, not taken for "stay root".
func TestClassicEmptyUserGroup(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		for _, flag := range []string{"--user", "--group"} {
			r := s.svc(s.startArgs(flag, "")...)
			if r.code == 0 || !strings.Contains(r.stderr, flag) {
				t.Errorf("start %s '': %v; want a failure naming %s (an empty name is not root)", flag, r, flag)
			}
			noDaemon(t, s.pidfile, s.addr)
		}
	})
}

// TestClassicIDOutOfRange (issue 10): ids past uid_t, and
// 4294967295 ((uid_t)-1, "no change" to setuid and chown), are refused.
func TestClassicIDOutOfRange(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		for _, flag := range []string{"--user", "--group"} {
			for _, id := range []string{"4294967296", "4294967295"} {
				r := s.svc(s.startArgs(flag, id)...)
				if r.code == 0 {
					t.Errorf("start %s %s: %v; want it refused (it ran as root)", flag, id, r)
					s.stop(s.pidfile)
				}
				noDaemon(t, s.pidfile, s.addr)
			}
		}
	})
}

// TestClassicUserLogDirSymlink (issue 10): a symlink among the
// log path's directories is refused under --user, and its target is not
// given to the service user.
func TestClassicUserLogDirSymlink(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody:", err)
	}
	forEachVariant(t, func(t *testing.T, s *scene) {
		elsewhere := filepath.Join(s.dir, "elsewhere")
		if err := os.Mkdir(elsewhere, 0o755); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(elsewhere, "x.log")
		if err := os.WriteFile(target, []byte("root's\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(elsewhere, filepath.Join(s.dir, "link")); err != nil {
			t.Fatal(err)
		}
		s.failedStart("symbolic link", "--user", "nobody", "--log", filepath.Join(s.dir, "link", "x.log"))
		s.noPIDFile()
		for _, p := range []string{elsewhere, target} {
			var st syscall.Stat_t
			if err := syscall.Stat(p, &st); err != nil || st.Uid != 0 || st.Gid != 0 {
				t.Errorf("%s: owner %d:%d (%v); want root's still: the chown followed the symlink", p, st.Uid, st.Gid, err)
			}
		}
	})
}

// TestClassicUserKilledStatus (issue 10): a --user daemon that
// exits on a plain SIGTERM cannot remove its root-owned pidfile; status
// still says stopped (3), not dead (1).
func TestClassicUserKilledStatus(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody:", err)
	}
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.start("--user", "nobody")
		syscall.Kill(pid, syscall.SIGTERM)
		if !proctest.WaitGone(pid, 10*time.Second) {
			t.Fatalf("the daemon %d survived SIGTERM", pid)
		}
		if r := s.status(s.pidfile); r.code != 3 {
			t.Errorf("status after kill -TERM: %v; want 3 (stopped): the daemon exited cleanly", r)
		}
	})
}

// TestClassicStopUnlinkFails (issue 10): stop as an unprivileged
// user, whose daemon ignores SIGTERM for an hour and so is killed, and
// whose pidfile directory it may no longer write, says the pidfile could
// not be removed.
func TestClassicStopUnlinkFails(t *testing.T) {
	needRoot(t)
	forEachVariant(t, func(t *testing.T, s *scene) {
		dir := filepath.Join(s.dir, "own")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chown(dir, outsider(), outsider())
		defer os.Chmod(dir, 0o755)
		s.pidfile = filepath.Join(dir, "svc.pid")
		pid := s.started(s.run(asOutsider(exec.Command(s.v.svc, s.startArgs("--shutdown-delay", "1h")...))))
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		r := s.run(asOutsider(exec.Command(s.v.svc, "stop", "--classic", "--pidfile", s.pidfile, "--timeout", "200ms")))
		msg := strings.ToLower(r.stderr)
		if r.code == 0 || !strings.Contains(msg, "unlink") && !strings.Contains(msg, "permission denied") {
			t.Errorf("stop that cannot remove the pidfile: %v; want a failure saying unlink / permission denied", r)
		}
		if !proctest.WaitGone(pid, 10*time.Second) {
			t.Errorf("the daemon %d outlived stop's SIGKILL", pid)
		}
	})
}

// TestClassicPathForms (issue 10): start, status and stop agree
// on a pidfile however its path is spelled.
func TestClassicPathForms(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		plain := filepath.Join(s.dir, "x.pid")
		s.pidfile = plain
		for _, spelled := range []string{plain + "/", s.dir + "//x.pid", s.dir + "/./x.pid"} {
			r := s.svc("start", "--classic", "--pidfile", spelled, "--listen", s.addr)
			if !startedRE.MatchString(r.stdout) {
				t.Errorf("start --pidfile %s: %v", spelled, r)
				continue
			}
			pid := s.started(r)
			if r := s.status(spelled); r.code != 0 {
				t.Errorf("status --pidfile %s: %v; want 0 (running), as start spelled it", spelled, r)
			}
			if r := s.status(plain); r.code != 0 {
				t.Errorf("status --pidfile %s after start --pidfile %s: %v; want 0", plain, spelled, r)
			}
			r = s.stop(spelled)
			if r.code != 0 || !proctest.WaitGone(pid, 10*time.Second) {
				t.Errorf("stop --pidfile %s: %v; want 0 and the daemon %d gone", spelled, r, pid)
				s.stop(plain)
			}
			s.noPIDFile()
		}
	})
}

// TestClassicMissingDirEarly (issue 10): a missing pidfile
// directory is refused by the launcher before anything forks, naming the
// directory, not reported from inside a daemon.
func TestClassicMissingDirEarly(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		dir := filepath.Join(s.dir, "nonexistent")
		s.pidfile = filepath.Join(dir, "x.pid")
		r := s.failedStart(dir)
		if strings.Contains(r.stderr, "daemon pid") {
			t.Errorf("start: %v; the refusal came from a forked daemon, not before the fork", r)
		}
		s.noPIDFile()
	})
}

// TestClassicNotOurExecutable (issue 10): a root process that
// holds a real write lock (fcntl F_WRLCK and flock LOCK_EX, through a
// read-write descriptor) on root's pidfile and is named in it, but is not
// an svc executable, is not the daemon.
func TestClassicNotOurExecutable(t *testing.T) {
	needRoot(t)
	forEachVariant(t, func(t *testing.T, s *scene) {
		writePIDFile(t, s.pidfile, proctest.DeadPID(t))
		h := s.holder(false, "rw", "pid", "fcntl-wr", "flock-ex")
		if got := s.pidInFile(); got != h.Process.Pid {
			t.Fatalf("the holder wrote %d, its pid is %d", got, h.Process.Pid)
		}
		r := s.stop(s.pidfile, "--timeout", "5s")
		unharmed(t, h.Process.Pid, "the lock-holding test helper (not svc)", r)
		if r := s.status(s.pidfile); r.code == 0 {
			t.Errorf("status: %v; a process of another executable is not the daemon", r)
		}
	})
}
