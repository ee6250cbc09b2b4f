//go:build linux

package pidfile

import (
	"github.com/svcdev/svc/internal/proctest"

	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The tests re-execute the test binary as the processes that hold
// pidfiles; these variables tell it what to be.
const (
	helperModeEnv    = "SVC_TEST_PIDFILE_HELPER"  // see runPIDFileHelper
	helperPathEnv    = "SVC_TEST_PIDFILE"         // the pidfile
	helperBarrierEnv = "SVC_TEST_PIDFILE_BARRIER" // race: flock this first
)

// TestHelperPIDFileDaemon is not a test: it is the helper process.
func TestHelperPIDFileDaemon(t *testing.T) {
	mode := os.Getenv(helperModeEnv)
	if mode == "" {
		t.Skip("helper process for the pidfile tests; runs only when re-executed by them")
	}
	os.Exit(runPIDFileHelper(mode, os.Getenv(helperPathEnv)))
}

// runPIDFileHelper is a helper process. It reports on stdout, one line per
// event, and ends when stdin closes (so no helper outlives its test).
//
//	daemon    Create; "ready PID"; SIGHUP: "hup"; SIGTERM or EOF: Remove, exit 0
//	plain     Create; "ready PID"; SIGTERM kills it (default disposition)
//	stubborn  Create; "ready PID"; SIGTERM ignored
//	race      wait for the barrier's lock, Create; "won PID", "running PID" or "error TEXT"
//	hold      write-lock (fcntl) the existing file without writing it; "ready PID";
//	          at EOF, unlink it first if SVC_TEST_UNLINK=1
//	flock     flock(LOCK_EX) the existing file through a read-only descriptor; "ready PID"
//	rdlock    fcntl F_RDLCK on the existing file, read-only; "ready PID"
//	inspect   become uid/gid 65534, Inspect; "LSB ERROR"
//	ghost     Create, hand the locked descriptor to a sleep, exit; "ready PID SLEEPPID"
//	dropped   Create, drop to uid/gid 65534; "ready PID"; EOF: Remove, "removed ERR"
func runPIDFileHelper(mode, path string) int {
	eof := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(eof) }()
	switch mode {
	case "race":
		return helperRace(path, eof)
	case "hold", "flock", "rdlock":
		return helperHold(mode, path, eof)
	case "dropped":
		return helperDropped(path, eof)
	case "inspect":
		return helperInspect(path)
	case "ghost":
		return helperGhost(path)
	case "stubborn":
		signal.Ignore(unix.SIGTERM)
	}
	sigs := make(chan os.Signal, 1)
	if mode == "daemon" {
		signal.Notify(sigs, unix.SIGTERM, unix.SIGHUP)
	}
	p, err := Create(path)
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 1
	}
	fmt.Printf("ready %d\n", p.PID())
	for {
		select {
		case <-eof:
		case sig := <-sigs:
			if sig == unix.SIGHUP {
				fmt.Println("hup")
				continue
			}
		}
		if err := p.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
}

func helperRace(path string, eof <-chan struct{}) int {
	barrier, err := os.Open(os.Getenv(helperBarrierEnv))
	if err == nil {
		fmt.Println("waiting")
		err = untilNotEINTR(func() error { return unix.Flock(int(barrier.Fd()), unix.LOCK_SH) })
	}
	if err != nil {
		fmt.Printf("error barrier: %v\n", err)
		return 1
	}
	p, err := Create(path)
	var re *RunningError
	switch {
	case errors.As(err, &re):
		fmt.Printf("running %d\n", re.PID)
		return 0
	case err != nil:
		fmt.Printf("error %v\n", err)
		return 1
	}
	fmt.Printf("won %d\n", p.PID())
	<-eof
	p.Remove()
	return 0
}

func helperHold(mode, path string, eof <-chan struct{}) int {
	flags := os.O_RDONLY
	if mode == "hold" {
		flags = os.O_RDWR
	}
	f, err := os.OpenFile(path, flags, 0)
	if err == nil {
		switch mode {
		case "hold":
			err = unix.FcntlFlock(f.Fd(), unix.F_SETLK, wholeFile(unix.F_WRLCK))
		case "rdlock":
			err = unix.FcntlFlock(f.Fd(), unix.F_SETLK, wholeFile(unix.F_RDLCK))
		default:
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		}
	}
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 1
	}
	fmt.Printf("ready %d\n", os.Getpid())
	<-eof
	if os.Getenv("SVC_TEST_UNLINK") == "1" {
		os.Remove(path)
	}
	return 0
}

func helperDropped(path string, eof <-chan struct{}) int {
	p, err := Create(path)
	if err == nil {
		err = dropTo65534()
	}
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 1
	}
	fmt.Printf("ready %d\n", os.Getpid())
	<-eof
	fmt.Printf("removed %v\n", p.Remove())
	return 0
}

func dropTo65534() error {
	for _, err := range []error{unix.Setgroups(nil), unix.Setresgid(65534, 65534, 65534), unix.Setresuid(65534, 65534, 65534)} {
		if err != nil {
			return err
		}
	}
	return nil
}

func helperGhost(path string) int {
	p, err := Create(path)
	if err == nil {
		cmd := exec.Command("sleep", "600")
		cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(p.fd), "pidfile")}
		if err = cmd.Start(); err == nil {
			fmt.Printf("ready %d %d\n", os.Getpid(), cmd.Process.Pid)
			return 0
		}
	}
	fmt.Printf("error %v\n", err)
	return 1
}

func helperInspect(path string) int {
	if err := dropTo65534(); err != nil {
		fmt.Printf("error %v\n", err)
		return 1
	}
	info := Inspect(path, "")
	fmt.Printf("%d %v\n", info.State.LSB(), info.Err)
	return 0
}

// pidHelper is a running helper process.
type pidHelper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	waited bool
}

func startPIDHelper(t testing.TB, mode, path string, env ...string) *pidHelper {
	t.Helper()
	return startHelperFrom(t, os.Args[0], mode, path, env...)
}

// startHelperFrom starts a helper from the executable exe.
func startHelperFrom(t testing.TB, exe, mode, path string, env ...string) *pidHelper {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^TestHelperPIDFileDaemon$")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperPathEnv+"="+path)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &pidHelper{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		if !h.waited {
			h.cmd.Process.Kill()
			h.wait()
		}
	})
	return h
}

// line reads the helper's next report.
func (h *pidHelper) line(t testing.TB) string {
	t.Helper()
	s, err := h.out.ReadString('\n')
	if err != nil {
		t.Fatalf("helper pid %d: reading its report: %v (got %q)", h.cmd.Process.Pid, err, s)
	}
	return strings.TrimSuffix(s, "\n")
}

// ready waits for the helper to hold its pidfile and returns its pid.
func (h *pidHelper) ready(t testing.TB) int {
	t.Helper()
	if got, want := h.line(t), fmt.Sprintf("ready %d", h.cmd.Process.Pid); got != want {
		t.Fatalf("helper said %q, want %q", got, want)
	}
	return h.cmd.Process.Pid
}

// wait closes the helper's stdin (asking it to end) and reaps it.
func (h *pidHelper) wait() *os.ProcessState {
	h.stdin.Close()
	h.cmd.Wait()
	h.waited = true
	return h.cmd.ProcessState
}

// exited tells whether our child pid has exited. (If it has, this reaps
// it: the test fails anyway.)
func exited(t *testing.T, pid int) bool {
	t.Helper()
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	if err != nil {
		t.Fatalf("wait4 %d: %v", pid, err)
	}
	return got == pid
}

// running tells whether pid (not necessarily our child) has not exited;
// a zombie has. A pidfd polls readable once its process exits.
func running(t *testing.T, pid int) bool {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return n == 0
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateWritesLockedPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	p, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Path() != path || p.PID() != os.Getpid() {
		t.Errorf("Path, PID = %q, %d; want %q, %d", p.Path(), p.PID(), path, os.Getpid())
	}
	// Read by another process: closing a descriptor of our own would
	// release our POSIX lock (see the package doc).
	if got, err := exec.Command("cat", path).Output(); err != nil || string(got) != fmt.Sprintf("%d\n", os.Getpid()) {
		t.Errorf("content %q, %v; want our pid", got, err)
	}
	st, err := os.Lstat(path)
	if err != nil || st.Mode() != 0o644 {
		t.Errorf("mode %v, %v; want -rw-r--r--", st.Mode(), err)
	}
	// The lock is real: the kernel lists our POSIX write lock on it.
	if !posixWriteLocked(t, path, os.Getpid()) {
		t.Errorf("/proc/locks shows no POSIX write lock of ours on %s", path)
	}
	if info := Inspect(path, ""); info.State != Running || info.PID != os.Getpid() || info.Err != nil {
		t.Errorf("Inspect = %+v, want running as our pid", info)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Remove: %v, want not exist", err)
	}
}

// posixWriteLocked tells whether /proc/locks lists pid's POSIX write lock
// on path's inode. (Only the test reads /proc/locks: the package never
// scans it.)
func posixWriteLocked(t *testing.T, path string, pid int) bool {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("POSIX  ADVISORY  WRITE %d %02x:%02x:%d ", pid, unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	return strings.Contains(string(locks), want)
}

func TestCreateRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	writeFile(t, target, "precious\n", 0o644)
	for name, to := range map[string]string{"live": target, "dangling": filepath.Join(dir, "nowhere")} {
		path := filepath.Join(dir, name+".pid")
		if err := os.Symlink(to, path); err != nil {
			t.Fatal(err)
		}
		p, err := Create(path)
		if err == nil {
			p.Remove()
			t.Fatalf("Create through a %s symlink succeeded", name)
		}
		if !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), path) {
			t.Errorf("%s symlink: error %q does not say it refused the link at %s", name, err, path)
		}
		if info := Inspect(path, ""); info.State != Unknown || info.Err == nil {
			t.Errorf("%s symlink: Inspect = %+v, want unknown", name, info)
		}
	}
	if got := readFile(t, target); got != "precious\n" {
		t.Errorf("symlink target now holds %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dangling symlink's target was created: %v", err)
	}
}

func TestCreateMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	path := filepath.Join(dir, "svc.pid")
	_, err := Create(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Create in a missing directory: %v; want not-exist naming %s", err, dir)
	}
}

func TestCreateRejectsNonFiles(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", dir + "/", filepath.Join(dir, ".")} {
		if _, err := Create(path); err == nil {
			t.Errorf("Create(%q) succeeded", path)
		}
	}
	sub := filepath.Join(dir, "sub.pid")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(sub); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Create over a directory: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.pid")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Create over a FIFO: %v", err)
	}
}

func TestCreateUnsafeDir(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{
		"world": 0o777, "sticky": 0o777 | os.ModeSticky, "group": 0o775,
	} {
		// Even a directory we own is refused if others may write it.
		sub := filepath.Join(dir, name)
		mkdirMode(t, sub, mode)
		_, err := Create(filepath.Join(sub, "svc.pid"))
		if !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), sub) {
			t.Errorf("%s-writable directory of ours: %v; want ErrUnsafe naming it", name, err)
		}
		if info := Inspect(filepath.Join(sub, "svc.pid"), ""); info.State != Unknown || !errors.Is(info.Err, ErrUnsafe) {
			t.Errorf("%s-writable directory: Inspect = %+v; want unknown, ErrUnsafe", name, info)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	theirs := filepath.Join(dir, "theirs")
	mkdirMode(t, theirs, 0o755)
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(filepath.Join(theirs, "svc.pid")); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("directory of uid 65534: %v; want ErrUnsafe (its owner could replace the pidfile)", err)
	}
}

// TestForeignOwner: a pidfile another user owns is not believed, even in
// a safe directory (where only root could have put it there).
func TestForeignOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	path := filepath.Join(t.TempDir(), "svc.pid")
	writeFile(t, path, fmt.Sprintf("%d\n", proctest.Stranger(t)), 0o644)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if info := Inspect(path, ""); info.State != Unknown || !errors.Is(info.Err, ErrUnsafe) || !strings.Contains(info.Err.Error(), "owned by uid 65534") {
		t.Errorf("Inspect = %+v; want unknown, ErrUnsafe naming the owner", info)
	}
	if _, _, err := Find(path, ""); !errors.Is(err, ErrUnsafe) {
		t.Errorf("Find: %v; want ErrUnsafe", err)
	}
	if _, err := Create(path); !errors.Is(err, ErrUnsafe) {
		t.Errorf("Create: %v; want ErrUnsafe", err)
	}
}

func mkdirMode(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func TestCreateWhileRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "daemon", path)
	pid := h.ready(t)
	_, err := Create(path)
	var re *RunningError
	if !errors.As(err, &re) || re.PID != pid || re.Path != path || !errors.Is(err, ErrRunning) {
		t.Fatalf("Create while pid %d runs: %v; want a RunningError naming it", pid, err)
	}
	if got := readFile(t, path); got != fmt.Sprintf("%d\n", pid) {
		t.Errorf("the running daemon's pidfile now holds %q", got)
	}
}

func TestCreateAfterSIGKILL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "daemon", path)
	pid := h.ready(t)
	h.cmd.Process.Kill()
	h.wait()
	info := Inspect(path, "")
	if info.State != Dead || info.PID != pid || !errors.Is(info.Err, ErrNotRunning) {
		t.Fatalf("Inspect after SIGKILL = %+v; want dead, pid %d", info, pid)
	}
	p, err := Create(path)
	if err != nil {
		t.Fatalf("Create over the stale pidfile: %v", err)
	}
	defer p.Remove()
	if got := readFile(t, path); got != fmt.Sprintf("%d\n", os.Getpid()) {
		t.Errorf("content %q, want our pid", got)
	}
}

func TestInspectForeignLivePIDIsDead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	sleep := proctest.Stranger(t)
	writeFile(t, path, fmt.Sprintf("%d\n", sleep), 0o644)

	info := Inspect(path, "")
	if info.State != Dead || info.State.LSB() != 1 || info.PID != sleep || !errors.Is(info.Err, ErrNotRunning) {
		t.Errorf("Inspect = %+v; want dead (LSB 1) naming pid %d", info, sleep)
	}
	if _, proc, err := Find(path, ""); proc != nil || err != nil {
		t.Errorf("Find = %v, %v; want no process, no error", proc, err)
	}
	if err := RemoveStale(path, sleep); err != nil {
		t.Errorf("RemoveStale: %v", err)
	}
	if exited(t, sleep) {
		t.Fatalf("pid %d, named by an unlocked pidfile, was killed", sleep)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale pidfile left after RemoveStale: %v", err)
	}
}

func TestInspectForeignLockHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	sleep := proctest.Stranger(t)
	content := fmt.Sprintf("%d\n", sleep)
	writeFile(t, path, content, 0o644)
	holder := startPIDHelper(t, "hold", path)
	holderPID := holder.ready(t)

	info := Inspect(path, "")
	if info.State != Unknown || info.State.LSB() != 4 || !errors.Is(info.Err, ErrForeign) ||
		!strings.Contains(info.Err.Error(), strconv.Itoa(holderPID)) {
		t.Errorf("Inspect = %+v; want unknown (LSB 4), ErrForeign naming holder %d", info, holderPID)
	}
	if _, proc, err := Find(path, ""); proc != nil || !errors.Is(err, ErrForeign) {
		t.Errorf("Find = %v, %v; want ErrForeign", proc, err)
	}
	_, err := Create(path)
	if !errors.Is(err, ErrForeign) || errors.Is(err, ErrRunning) {
		t.Errorf("Create: %v; want ErrForeign, not ErrRunning", err)
	}
	if exited(t, sleep) || exited(t, holderPID) {
		t.Fatal("a process around a foreign-held pidfile was killed")
	}
	if got := readFile(t, path); got != content {
		t.Errorf("the foreign-held pidfile now holds %q, want %q", got, content)
	}
}

func TestInspectLSB(t *testing.T) {
	dir := t.TempDir()
	running := filepath.Join(dir, "running.pid")
	startPIDHelper(t, "daemon", running).ready(t)
	foreign := filepath.Join(dir, "foreign.pid")
	writeFile(t, foreign, fmt.Sprintf("%d\n", os.Getpid()), 0o644)
	startPIDHelper(t, "hold", foreign).ready(t)
	stale, empty, garbage := filepath.Join(dir, "stale.pid"), filepath.Join(dir, "empty.pid"), filepath.Join(dir, "garbage.pid")
	writeFile(t, stale, fmt.Sprintf("%d\n", proctest.DeadPID(t)), 0o644)
	writeFile(t, empty, "", 0o644)
	writeFile(t, garbage, "12 34\n\x00$(reboot)\n", 0o644)

	tests := []struct {
		path string
		want State
		err  error
		says string
	}{
		{running, Running, nil, ""},
		{stale, Dead, ErrNotRunning, "is not its daemon"},
		{empty, Stopped, nil, ""},
		{garbage, Dead, ErrNotRunning, `"12 34\n\x00$(reboot)\n" is not a pid`},
		{filepath.Join(dir, "none.pid"), Stopped, nil, ""},
		{foreign, Unknown, ErrForeign, "holds its lock"},
	}
	for _, tt := range tests {
		info := Inspect(tt.path, "")
		if info.State != tt.want || info.State.LSB() != tt.want.LSB() || !errors.Is(info.Err, tt.err) ||
			(tt.err == nil) != (info.Err == nil) || (info.Err != nil && !strings.Contains(info.Err.Error(), tt.says)) {
			t.Errorf("Inspect(%s) = %v (LSB %d), %v; want %v (LSB %d) saying %q",
				filepath.Base(tt.path), info.State, info.State.LSB(), info.Err, tt.want, tt.want.LSB(), tt.says)
		}
	}
}

func TestInspectUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	writeFile(t, path, fmt.Sprintf("%d\n", os.Getpid()), 0o600)
	if os.Geteuid() != 0 {
		os.Chmod(path, 0)
		if info := Inspect(path, ""); info.State != Unknown || !errors.Is(info.Err, fs.ErrPermission) {
			t.Errorf("Inspect of an unreadable pidfile = %+v, want unknown, permission denied", info)
		}
		return
	}
	// Root reads anything: let an unprivileged helper look.
	dir, err := os.MkdirTemp("", "svc-pidfile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	path = filepath.Join(dir, "svc.pid")
	writeFile(t, path, fmt.Sprintf("%d\n", os.Getpid()), 0o600)
	h := startPIDHelper(t, "inspect", path)
	if got := h.line(t); !strings.HasPrefix(got, "4 ") || !strings.Contains(got, "permission denied") {
		t.Errorf("Inspect as uid 65534 said %q, want LSB 4, permission denied", got)
	}
}

// TestConcurrentCreate starts 8 processes that Create one pidfile at the
// same instant (released together by a flock barrier): exactly one wins,
// and every other names the winner. With a stale pidfile there, they also
// race to replace it.
func TestConcurrentCreate(t *testing.T) {
	const racers, rounds = 8, 3
	for _, stale := range []bool{false, true} {
		for round := range rounds {
			t.Run(fmt.Sprintf("stale=%v/%d", stale, round), func(t *testing.T) {
				raceCreate(t, racers, stale)
			})
		}
	}
}

func raceCreate(t *testing.T, racers int, stale bool) {
	dir := t.TempDir()
	path, barrierPath := filepath.Join(dir, "svc.pid"), filepath.Join(dir, "barrier")
	if stale {
		writeFile(t, path, fmt.Sprintf("%d\n", proctest.DeadPID(t)), 0o644)
	}
	writeFile(t, barrierPath, "", 0o644)
	barrier, err := os.Open(barrierPath)
	if err != nil {
		t.Fatal(err)
	}
	defer barrier.Close()
	if err := unix.Flock(int(barrier.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	var hs []*pidHelper
	for range racers {
		h := startPIDHelper(t, "race", path, helperBarrierEnv+"="+barrierPath)
		if got := h.line(t); got != "waiting" {
			t.Fatalf("racer said %q", got)
		}
		hs = append(hs, h)
	}
	unix.Flock(int(barrier.Fd()), unix.LOCK_UN)

	winner, named := 0, map[int]int{}
	for _, h := range hs {
		verb, arg, _ := strings.Cut(h.line(t), " ")
		pid, _ := strconv.Atoi(arg)
		switch verb {
		case "won":
			if winner != 0 {
				t.Errorf("two winners: %d and %d", winner, pid)
			}
			winner = pid
		case "running":
			named[pid]++
		default:
			t.Errorf("racer pid %d: %s %s", h.cmd.Process.Pid, verb, arg)
		}
	}
	if winner == 0 || named[winner] != racers-1 || len(named) != 1 {
		t.Fatalf("winner %d; losers named %v; want one winner named by all %d losers", winner, named, racers-1)
	}
	if info := Inspect(path, ""); info.State != Running || info.PID != winner {
		t.Errorf("Inspect = %+v, want running as %d", info, winner)
	}
	for _, h := range hs {
		h.wait()
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pidfile left after the winner removed it: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestRemoveUnlinksBeforeUnlock shows the order two ways: a process waiting
// for the lock finds the name already gone when it gets it, and inotify
// reports the unlink (IN_ATTRIB, the link count) before the last close of
// the pidfile's writable descriptor (IN_CLOSE_WRITE), which released it.
func TestRemoveUnlinksBeforeUnlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "daemon", path)
	h.ready(t)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(in)
	if _, err := unix.InotifyAddWatch(in, path, unix.IN_ATTRIB|unix.IN_CLOSE_WRITE); err != nil {
		t.Fatal(err)
	}
	found := make(chan error, 1)
	go func() {
		// Blocks until the helper's Remove lets go.
		if err := unix.FcntlFlock(f.Fd(), unix.F_SETLKW, wholeFile(unix.F_WRLCK)); err != nil {
			found <- err
			return
		}
		_, err := os.Lstat(path)
		found <- err
	}()
	h.wait() // EOF: the helper removes its pidfile
	if err := <-found; !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the next lock holder found the pidfile still there (lstat: %v)", err)
	}
	var order []uint32
	buf := make([]byte, 4096)
	for len(order) < 2 {
		n, err := unix.Read(in, buf)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			if ev.Mask&(unix.IN_ATTRIB|unix.IN_CLOSE_WRITE) != 0 {
				order = append(order, ev.Mask)
			}
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
	if order[0] != unix.IN_ATTRIB || order[1] != unix.IN_CLOSE_WRITE {
		t.Errorf("inotify events %#x, want IN_ATTRIB (unlink) then IN_CLOSE_WRITE (unlock)", order)
	}
	p2, err := Create(path)
	if err != nil {
		t.Fatalf("Create after Remove: %v", err)
	}
	p2.Remove()
}

// TestSettleOnChange: a pidfile write-locked by another pid than it names
// may be one that a Create or Stop is replacing this instant. Inspect and
// Create wait for it to change (inotify), rather than answer Unknown at
// once. A helper plays the replacer: it write-locks the stale pidfile,
// then unlinks it and lets go.
func TestSettleOnChange(t *testing.T) {
	defer func(d time.Duration) { settleTime = d }(settleTime)
	settleTime = time.Minute // only the change may end the wait
	for _, name := range []string{"Inspect", "Create"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "svc.pid")
			writeFile(t, path, fmt.Sprintf("%d\n", proctest.DeadPID(t)), 0o644)
			h := startPIDHelper(t, "hold", path, "SVC_TEST_UNLINK=1")
			h.ready(t)
			done := make(chan error, 1)
			go func() {
				var err error
				if name == "Inspect" {
					info := Inspect(path, "")
					if info.State != Stopped && info.State != Dead {
						err = fmt.Errorf("Inspect = %+v, want stopped or dead", info)
					}
					done <- err
					return
				}
				p, err := Create(path)
				if err == nil {
					err = p.Remove()
				}
				done <- err
			}()
			time.Sleep(50 * time.Millisecond) // let it find the lock (it need not)
			h.wait()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
}

// TestInheritedLockDies: the daemon that took the lock is gone, and a
// child it handed the descriptor to lives on. A POSIX lock is the
// process's, not the descriptor's: it died with the daemon, so the
// pidfile is Dead, the child is never named, and a new daemon may start.
func TestInheritedLockDies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "ghost", path)
	var pid, sleep int
	if _, err := fmt.Sscanf(h.line(t), "ready %d %d", &pid, &sleep); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Kill(sleep, unix.SIGKILL) })
	h.wait()
	if info := Inspect(path, ""); info.State != Dead || info.PID != pid {
		t.Errorf("Inspect = %+v, want dead, naming pid %d", info, pid)
	}
	p, err := Create(path)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	p.Remove()
	if !running(t, sleep) {
		t.Errorf("the descriptor's heir, pid %d, was killed", sleep)
	}
}

// TestStrangersLocksProveNothing: a process that names itself in the
// pidfile and holds a lock it could take with read access alone (flock,
// or an fcntl read lock) is not the daemon: Dead, and Create goes ahead.
func TestStrangersLocksProveNothing(t *testing.T) {
	for _, mode := range []string{"flock", "rdlock"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "svc.pid")
			writeFile(t, path, fmt.Sprintf("%d\n", proctest.DeadPID(t)), 0o644)
			h := startPIDHelper(t, mode, path)
			pid := h.ready(t)
			writeFile(t, path, fmt.Sprintf("%d\n", pid), 0o644) // it names the holder
			if info := Inspect(path, ""); info.State != Dead || info.PID != pid {
				t.Errorf("Inspect = %+v, want dead naming pid %d", info, pid)
			}
			if _, proc, err := Find(path, ""); proc != nil || err != nil {
				t.Errorf("Find = %v, %v; want nothing to signal", proc, err)
			}
			p, err := Create(path)
			if err != nil {
				t.Fatalf("Create despite a stranger's %s: %v", mode, err)
			}
			p.Remove()
			if !running(t, pid) {
				t.Errorf("the %s holder was killed", mode)
			}
		})
	}
}

// TestOtherProgram: a write-lock holder named in the pidfile that runs
// another program than the one asked for is not the daemon.
func TestOtherProgram(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, other, string(b), 0o755)
	path := filepath.Join(dir, "svc.pid")
	h := startHelperFrom(t, other, "daemon", path)
	pid := h.ready(t)
	info := Inspect(path, "")
	if info.State != Unknown || !errors.Is(info.Err, ErrForeign) || !strings.Contains(info.Err.Error(), "other.test") {
		t.Errorf("Inspect = %+v; want unknown, ErrForeign naming the other program", info)
	}
	if _, proc, err := Find(path, ""); proc != nil || !errors.Is(err, ErrForeign) {
		t.Errorf("Find = %v, %v; want ErrForeign", proc, err)
	}
	if info := Inspect(path, other); info.State != Running || info.PID != pid {
		t.Errorf("Inspect naming its program = %+v; want running as %d", info, pid)
	}
}

// TestFindPins: Find returns the daemon pinned; a signal through it
// reaches it.
func TestFindPins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "daemon", path)
	pid := h.ready(t)
	info, proc, err := Find(path, "")
	if err != nil || proc == nil || proc.PID() != pid || info.State != Running {
		t.Fatalf("Find = %+v, %v, %v; want running, pinned pid %d", info, proc, err, pid)
	}
	defer proc.Close()
	if err := proc.Signal(unix.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if got := h.line(t); got != "hup" {
		t.Errorf("helper said %q, want hup", got)
	}
	if err := proc.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if exited, err := proc.Wait(t.Context(), time.Minute); err != nil || !exited {
		t.Errorf("Wait = %v, %v; want exited", exited, err)
	}
}

// TestDroppedDaemonLeavesStopped: a daemon that dropped privileges cannot
// unlink its pidfile from root's directory; it empties it, which reads as
// Stopped (LSB 3), and the next Create or RemoveStale clears it.
func TestDroppedDaemonLeavesStopped(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop privileges")
	}
	dir, err := os.MkdirTemp("", "svc-pidfile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "svc.pid")
	h := startPIDHelper(t, "dropped", path)
	pid := h.ready(t)
	if info := Inspect(path, ""); info.State != Running || info.PID != pid {
		t.Fatalf("Inspect = %+v; want running as %d", info, pid)
	}
	h.stdin.Close()
	if got := h.line(t); got != "removed <nil>" {
		t.Errorf("helper said %q, want a clean Remove", got)
	}
	h.wait()
	if got := readFile(t, path); got != "" {
		t.Errorf("pidfile holds %q after the dropped daemon's Remove, want it emptied", got)
	}
	if info := Inspect(path, ""); info.State != Stopped || info.State.LSB() != 3 {
		t.Errorf("Inspect = %+v; want stopped (LSB 3)", info)
	}
	if err := RemoveStale(path, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RemoveStale left the emptied pidfile: %v", err)
	}
}

// TestCleanPathForms: start, stop and status mean one file however the
// path is spelt.
func TestCleanPathForms(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "svc.pid")
	p, err := Create(dir + "/svc.pid/")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove()
	if p.Path() != path {
		t.Errorf("Path = %q, want %q", p.Path(), path)
	}
	for _, spelt := range []string{path, dir + "//svc.pid", dir + "/./svc.pid", dir + "/svc.pid/"} {
		if info := Inspect(spelt, ""); info.State != Running || info.Path != path {
			t.Errorf("Inspect(%q) = %+v; want running at %s", spelt, info, path)
		}
	}
	for _, bad := range []string{"", "/", dir + "/.."} {
		if _, err := Clean(bad); err == nil {
			t.Errorf("Clean(%q) accepted it", bad)
		}
	}
}
