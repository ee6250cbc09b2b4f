//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
	"golang.org/x/sys/unix"
)

// The end-to-end tests run the real svc binary, built once per variant in
// TestMain: purego (CGO_ENABLED=0, the re-exec path) and cgo (the C
// prestart path where it exists). Every scenario runs for both.

type variant struct {
	name     string // subtest name
	cgo      string // CGO_ENABLED
	svc      string // the built binary
	buildErr error  // fails this variant's subtests, not the other's
}

var variants = []*variant{{name: "purego", cgo: "0"}, {name: "cgo", cgo: "1"}}

// execMasked is a helper mode of this test binary: block SIGUSR1 and
// ignore SIGHUP, then exec the rest of the arguments, which inherit both.
const execMasked = "-e2e.exec-masked"

func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == execMasked {
		runMasked(os.Args[2:])
	}
	identityHelper()
	proctest.Wrapped(wrappedMode)
	dir, err := os.MkdirTemp("", "svc-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildVariants(dir)
	shareBinaries(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildVariants(dir string) {
	for _, v := range variants {
		v.svc = filepath.Join(dir, v.name, "svc")
		cmd := exec.Command("go", "build", "-o", v.svc, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+v.cgo)
		if out, err := cmd.CombinedOutput(); err != nil {
			v.buildErr = fmt.Errorf("build svc with CGO_ENABLED=%s: %v\n%s", v.cgo, err, out)
		}
	}
}

func runMasked(argv []string) {
	runtime.LockOSThread() // exec keeps the calling thread's mask
	var set unix.Sigset_t
	set.Val[0] = 1 << (unix.SIGUSR1 - 1)
	unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil)
	signal.Ignore(syscall.SIGHUP)
	err := unix.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, "exec:", err)
	os.Exit(127)
}

// forEachVariant runs f as parallel subtests, one per variant.
func forEachVariant(t *testing.T, f func(t *testing.T, s *scene)) {
	t.Parallel()
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			if v.buildErr != nil {
				t.Fatal(v.buildErr)
			}
			f(t, newScene(t, v))
		})
	}
}

// scene is one test's daemon: its pidfile, log, port, in a fresh dir.
type scene struct {
	t       *testing.T
	v       *variant
	dir     string
	pidfile string
	log     string
	addr    string
}

func newScene(t *testing.T, v *variant) *scene {
	dir := t.TempDir()
	// The service may run as nobody (--user): it must reach its log.
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	s := &scene{t: t, v: v, dir: dir, pidfile: filepath.Join(dir, "svc.pid"), log: filepath.Join(dir, "svc.log"), addr: proctest.FreeAddr(t)}
	t.Cleanup(s.cleanup)
	return s
}

// cleanup stops whatever daemon the scene left, by pidfile, then kills
// any process still naming the pidfile: no test leaves one behind.
func (s *scene) cleanup() {
	s.svc("stop", "--classic", "--pidfile", s.pidfile, "--timeout", "5s")
	for _, pid := range proctest.Live(s.pidfile) {
		if !proctest.WaitGone(pid, 10*time.Second) {
			s.t.Errorf("pid %d (%s) left behind; killing it", pid, proctest.Cmdline(pid))
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
}

// svc runs the binary with args, stdout and stderr being pipes.
func (s *scene) svc(args ...string) result {
	return s.run(exec.Command(s.v.svc, args...))
}

// run runs cmd to completion. Its stdout and stderr are pipes: a daemon
// that kept them would keep Wait from returning until WaitDelay.
func (s *scene) run(cmd *exec.Cmd) result {
	s.t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 20 * time.Second
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		s.t.Errorf("%v: returned, but its stdout/stderr stayed open (a daemon holds them)", cmd.Args)
	}
	r := result{stdout: out.String(), stderr: errb.String(), code: cmd.ProcessState.ExitCode()}
	return r
}

func (s *scene) startArgs(extra ...string) []string {
	return append([]string{"start", "--classic", "--pidfile", s.pidfile, "--listen", s.addr}, extra...)
}

var startedRE = regexp.MustCompile(`^started \(pid (\d+)\)\n$`)

// start starts the daemon and returns its pid.
func (s *scene) start(extra ...string) int {
	s.t.Helper()
	return s.started(s.svc(s.startArgs(extra...)...))
}

// started checks r is a successful start and returns the daemon's pid,
// which must be the one in the pidfile, serving on s.addr.
func (s *scene) started(r result) int {
	s.t.Helper()
	m := startedRE.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		s.t.Fatalf("start: %v", r)
	}
	pid, _ := strconv.Atoi(m[1])
	if got := s.pidInFile(); got != pid {
		s.t.Fatalf("started pid %d, pidfile says %d", pid, got)
	}
	if st := s.get(); st.PID != pid || !st.Ready || st.Mode != "classic" {
		s.t.Fatalf("GET / = %+v, want the ready classic daemon pid %d", st, pid)
	}
	return pid
}

func (s *scene) pidInFile() int {
	b, err := os.ReadFile(s.pidfile)
	if err != nil {
		s.t.Fatalf("pidfile: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		s.t.Fatalf("pidfile %q: %v", b, err)
	}
	return pid
}

func (s *scene) noPIDFile() {
	s.t.Helper()
	if _, err := os.Lstat(s.pidfile); !errors.Is(err, os.ErrNotExist) {
		s.t.Errorf("pidfile %s exists (%v)", s.pidfile, err)
	}
}

// noneLeft checks no process of this scene is alive (zombies are dead).
func (s *scene) noneLeft() {
	s.t.Helper()
	for _, pid := range proctest.Live(s.pidfile) {
		if !proctest.WaitGone(pid, 10*time.Second) {
			s.t.Errorf("pid %d (%s) still alive", pid, proctest.Cmdline(pid))
		}
	}
}

// state is the reference service's GET / answer.
type state struct {
	Mode    string `json:"mode"`
	PID     int    `json:"pid"`
	Reloads int64  `json:"reloads"`
	Ready   bool   `json:"ready"`
}

func (s *scene) get() state {
	s.t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + s.addr + "/")
	if err != nil {
		s.t.Fatalf("GET /: %v", err)
	}
	defer resp.Body.Close()
	var st state
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		s.t.Fatalf("GET /: %v", err)
	}
	return st
}

// awaitReloads polls GET / until the daemon counted n reloads: SIGHUP is
// asynchronous.
func (s *scene) awaitReloads(n int64) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := s.get()
		if st.Reloads == n {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("reloads = %d, want %d", st.Reloads, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkFDs checks the daemon holds 0 (/dev/null), 1 and 2 (out), and
// above them only its own: sockets, epoll and friends, its pidfile (shown
// under the temporary name it was made as), its log, the runtime's cgroup
// CPU limit files.
func checkFDs(t *testing.T, pid int, out, pidfile string) {
	t.Helper()
	ents, err := os.ReadDir(proctest.Path(pid, "fd"))
	if err != nil {
		t.Fatal(err)
	}
	var pf unix.Stat_t
	if err := unix.Stat(pidfile, &pf); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fd, _ := strconv.Atoi(e.Name())
		path := proctest.Path(pid, "fd/"+e.Name())
		target, _ := os.Readlink(path)
		var st unix.Stat_t
		unix.Stat(path, &st)
		switch {
		case fd == 0 && target != "/dev/null":
			t.Errorf("stdin is %q, want /dev/null", target)
		case (fd == 1 || fd == 2) && target != out:
			t.Errorf("fd %d is %q, want %q", fd, target, out)
		case fd < 3, target == out, st.Dev == pf.Dev && st.Ino == pf.Ino,
			strings.HasPrefix(target, "socket:"), strings.HasPrefix(target, "anon_inode:"),
			strings.HasPrefix(target, "/sys/fs/cgroup/"):
		default:
			t.Errorf("fd %d is %q: not the daemon's own", fd, target)
		}
	}
}

// TestClassicDaemon7 checks daemon(7) on the real daemon through /proc,
// started by a shell that ignores SIGHUP, with a descriptor leaked
// without close-on-exec, stdout and stderr pipes.
func TestClassicDaemon7(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		leak, err := os.Create(filepath.Join(s.dir, "leaked"))
		if err != nil {
			t.Fatal(err)
		}
		defer leak.Close()
		if err := os.WriteFile(s.log, []byte("earlier line\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		argv := append([]string{"-c", `trap "" HUP; exec "$0" "$@"`, s.v.svc}, s.startArgs("--log", s.log)...)
		cmd := exec.Command("sh", argv...)
		cmd.ExtraFiles = []*os.File{leak} // fd 3 in sh and svc, not close-on-exec
		r := s.run(cmd)
		pid := s.started(r)
		launcher := cmd.Process.Pid

		stat := proctest.Stat(pid)
		if len(stat) < 8 {
			t.Fatalf("/proc/%d/stat: %q", pid, stat)
		}
		if sid, _ := strconv.Atoi(stat[6-3]); sid == pid || sid == 0 {
			t.Errorf("session id %d: the daemon leads its session", sid)
		}
		if stat[7-3] != "0" {
			t.Errorf("tty_nr %s, want no controlling terminal", stat[7-3])
		}
		st := proctest.Status(t, pid)
		if ppid, _ := strconv.Atoi(st["PPid"]); ppid == launcher {
			t.Errorf("parent is the launcher %d", launcher)
		}
		for _, k := range []string{"SigBlk", "SigIgn"} {
			if strings.Trim(st[k], "0") != "" {
				t.Errorf("%s: %s, want none", k, st[k])
			}
		}
		if st["Umask"] != "0022" {
			t.Errorf("Umask: %s, want 0022", st["Umask"])
		}
		if cwd, _ := os.Readlink(proctest.Path(pid, "cwd")); cwd != "/" {
			t.Errorf("cwd %q, want /", cwd)
		}
		checkFDs(t, pid, s.log, s.pidfile) // the leaked file is not among them
		if env, err := os.ReadFile(proctest.Path(pid, "environ")); err != nil || bytes.Contains(env, []byte("SVC_CLASSIC_HANDOFF")) {
			t.Errorf("environ holds SVC_CLASSIC_HANDOFF (%v)", err)
		}
		if r := s.svc("reload", "--classic", "--pidfile", s.pidfile); r.code != 0 {
			t.Fatalf("reload: %v", r)
		}
		s.awaitReloads(1) // SIGHUP reached the service: not ignored, not blocked
		logb, _ := os.ReadFile(s.log)
		if !bytes.HasPrefix(logb, []byte("earlier line\n")) || !bytes.Contains(logb, []byte("msg=ready")) || !bytes.Contains(logb, []byte("msg=reloaded")) {
			t.Errorf("log %q: want the earlier line, then the service's (appended)", logb)
		}
	})
}

// TestClassicBlockedSignals starts svc from a process that blocks SIGUSR1
// and ignores SIGHUP: the daemon must have neither.
func TestClassicBlockedSignals(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		pid := s.started(s.run(exec.Command(self, append([]string{execMasked, s.v.svc}, s.startArgs()...)...)))
		st := proctest.Status(t, pid)
		for _, k := range []string{"SigBlk", "SigIgn"} {
			if strings.Trim(st[k], "0") != "" {
				t.Errorf("%s: %s, want none", k, st[k])
			}
		}
	})
}

func TestClassicUmaskChdir(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		work := filepath.Join(s.dir, "work dir")
		if err := os.Mkdir(work, 0o755); err != nil {
			t.Fatal(err)
		}
		pid := s.start("--umask", "077", "--chdir", work)
		if st := proctest.Status(t, pid); st["Umask"] != "0077" {
			t.Errorf("Umask: %s, want 0077", st["Umask"])
		}
		if cwd, _ := os.Readlink(proctest.Path(pid, "cwd")); cwd != work {
			t.Errorf("cwd %q, want %q", cwd, work)
		}
		checkFDs(t, pid, "/dev/null", s.pidfile)
	})
}

// TestClassicCapture runs start as $(...) does: the shell reads stdout to
// EOF, which comes only if the daemon does not hold it.
func TestClassicCapture(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		script := `out=$("$0" "$@") || exit; echo "$out"`
		r := s.run(exec.Command("sh", append([]string{"-c", script, s.v.svc}, s.startArgs()...)...))
		s.started(r)
	})
}

func TestClassicUserGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody:", err)
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		t.Skip("no group nogroup:", err)
	}
	gids, _ := u.GroupIds()
	slices.Sort(gids)
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.start("--user", "nobody", "--group", "nogroup", "--log", s.log)
		st := proctest.Status(t, pid)
		if want := strings.Repeat(u.Uid+"\t", 3) + u.Uid; st["Uid"] != want {
			t.Errorf("Uid: %q, want %q", st["Uid"], want)
		}
		if want := strings.Repeat(g.Gid+"\t", 3) + g.Gid; st["Gid"] != want {
			t.Errorf("Gid: %q, want %q", st["Gid"], want)
		}
		groups := strings.Fields(st["Groups"])
		slices.Sort(groups)
		if !slices.Equal(groups, gids) {
			t.Errorf("Groups: %v, want nobody's %v", groups, gids)
		}
		checkFDs(t, pid, s.log, s.pidfile) // the log, opened before the drop
	})
}

// TestClassicShutdownDelay: start passes --shutdown-delay through to the
// service, which drains that long before it stops.
func TestClassicShutdownDelay(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		s.start("--log", s.log, "--shutdown-delay", "300ms")
		if r := s.svc("stop", "--classic", "--pidfile", s.pidfile); r.code != 0 {
			t.Fatalf("stop: %v", r)
		}
		b, _ := os.ReadFile(s.log)
		if !strings.Contains(string(b), "msg=stopping") || !strings.Contains(string(b), "delay=300ms") {
			t.Fatalf("log shows no 300ms drain:\n%s", b)
		}
	})
}

// TestClassicUserLogRotation: a daemon that dropped to nobody still
// reopens its log on reload, also after logrotate moved it away, because
// the set-up handed the file (opened as root) to nobody.
func TestClassicUserLogRotation(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody:", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	forEachVariant(t, func(t *testing.T, s *scene) {
		logdir := filepath.Join(s.dir, "logs")
		if err := os.Mkdir(logdir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chown(logdir, uid, -1) // like /var/log/svc owned by the service user
		logf := filepath.Join(logdir, "svc.log")
		s.start("--user", "nobody", "--log", logf)
		var st syscall.Stat_t
		if err := syscall.Stat(logf, &st); err != nil || int(st.Uid) != uid {
			t.Fatalf("log file owner: %d, %v; want nobody (%d)", st.Uid, err, uid)
		}
		if r := s.svc("reload", "--classic", "--pidfile", s.pidfile); r.code != 0 {
			t.Fatalf("reload: %v", r)
		}
		s.awaitReloads(1)
		if err := os.Rename(logf, logf+".1"); err != nil {
			t.Fatal(err)
		}
		if r := s.svc("reload", "--classic", "--pidfile", s.pidfile); r.code != 0 {
			t.Fatalf("reload: %v", r)
		}
		s.awaitReloads(2)
		b, err := os.ReadFile(logf)
		if err != nil || !strings.Contains(string(b), "reloaded") {
			t.Fatalf("the reopened log has no reload line: %q, %v", b, err)
		}
	})
}

// TestClassicReloadFailureReported: reload --classic waits for the
// daemon's word on how the reload went, so a daemon that cannot reopen
// its rotated log (its user may not create files in the log's directory)
// makes reload fail with the daemon's own error, not say "reloaded".
func TestClassicReloadFailureReported(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody:", err)
	}
	forEachVariant(t, func(t *testing.T, s *scene) {
		logdir := filepath.Join(s.dir, "logs") // root's: nobody may not create the new log
		if err := os.Mkdir(logdir, 0o755); err != nil {
			t.Fatal(err)
		}
		logf := filepath.Join(logdir, "svc.log")
		pid := s.start("--user", "nobody", "--log", logf)
		if r := s.svc("reload", "--classic", "--pidfile", s.pidfile); r.code != 0 || r.stdout != fmt.Sprintf("reloaded (pid %d)\n", pid) {
			t.Fatalf("reload: %v; want reloaded", r)
		}
		if err := os.Rename(logf, logf+".1"); err != nil {
			t.Fatal(err)
		}
		r := s.svc("reload", "--classic", "--pidfile", s.pidfile)
		if r.code == 0 || !strings.Contains(r.stderr, "reload failed") || !strings.Contains(r.stderr, "permission denied") {
			t.Fatalf("reload after the log was rotated away: %v; want a failure carrying the daemon's error", r)
		}
		if st := s.svc("status", "--classic", "--pidfile", s.pidfile); st.code != 0 {
			t.Errorf("status after the failed reload: %v; want the daemon still running", st)
		}
	})
}

// TestClassicUserLogSymlink: with a privilege drop the log is chowned as
// root, so a symlink planted at its path (say, to a file of root's) is
// refused and nothing is given away.
func TestClassicUserLogSymlink(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	forEachVariant(t, func(t *testing.T, s *scene) {
		victim := filepath.Join(s.dir, "victim")
		if err := os.WriteFile(victim, []byte("root's\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		logf := filepath.Join(s.dir, "svc.log")
		if err := os.Symlink(victim, logf); err != nil {
			t.Fatal(err)
		}
		s.failedStart("symbolic link", "--user", "nobody", "--log", logf)
		s.noPIDFile()
		var st syscall.Stat_t
		if err := syscall.Stat(victim, &st); err != nil || st.Uid != 0 {
			t.Fatalf("victim owner %d, %v: it was given away", st.Uid, err)
		}
	})
}

// failedStart checks a start that must fail: non-zero exit, want in its
// error, no pidfile, no process.
func (s *scene) failedStart(want string, extra ...string) result {
	s.t.Helper()
	r := s.svc(s.startArgs(extra...)...)
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		s.t.Errorf("start: %v; want a failure saying %q", r, want)
	}
	s.noneLeft()
	return r
}

func TestClassicPortTaken(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		s.failedStart("address already in use")
		s.noPIDFile()
	})
}

func TestClassicMissingPIDFileDir(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		s.pidfile = filepath.Join(s.dir, "missing", "svc.pid")
		s.failedStart("no such file or directory")
		s.noPIDFile()
	})
}

func TestClassicSymlinkPIDFile(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		target := filepath.Join(s.dir, "target")
		if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, s.pidfile); err != nil {
			t.Fatal(err)
		}
		s.failedStart("symbolic link")
		if b, _ := os.ReadFile(target); string(b) != "precious\n" {
			t.Errorf("symlink target now holds %q", b)
		}
	})
}

func TestClassicUnwritableLog(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		s.failedStart("is a directory", "--log", s.dir)
		s.noPIDFile()
	})
}

func TestClassicTimeout(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		r := s.failedStart("not ready", "--timeout", "1s", "--test.never-ready")
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		s.noPIDFile()
	})
}

func TestClassicAlreadyRunning(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.start()
		r := s.svc(s.startArgs()...)
		if want := fmt.Sprintf("already running (pid %d)\n", pid); r.code != 0 || r.stdout != want {
			t.Errorf("second start: %v, want exit 0 and %q", r, want)
		}
		if got := s.pidInFile(); got != pid {
			t.Errorf("pidfile now names %d, want %d", got, pid)
		}
	})
}

func TestClassicConcurrentStarts(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		const n = 6
		results := make([]result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { results[i] = s.svc(s.startArgs()...) })
		}
		wg.Wait()
		started := 0
		for _, r := range results {
			switch {
			case r.code != 0:
				t.Errorf("start: %v", r)
			case startedRE.MatchString(r.stdout):
				started++
			case !strings.HasPrefix(r.stdout, "already running (pid "):
				t.Errorf("start: %v; want started or already running", r)
			}
		}
		if started != 1 {
			t.Errorf("%d starts: %d said started, want exactly one", n, started)
		}
		// The losers' middle processes may still be on their way out.
		daemon := s.pidInFile()
		for _, pid := range proctest.Live(s.pidfile) {
			if pid != daemon && !proctest.WaitGone(pid, 10*time.Second) {
				t.Errorf("pid %d (%s) lives besides the daemon %d", pid, proctest.Cmdline(pid), daemon)
			}
		}
		if proctest.State(daemon) == "" || proctest.State(daemon) == "Z" {
			t.Errorf("the daemon %d in the pidfile is not alive", daemon)
		}
	})
}

// TestClassicStalePIDFile kills the daemon with SIGKILL: it cannot remove
// its pidfile, status says dead, and the next start works.
func TestClassicStalePIDFile(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.start()
		syscall.Kill(pid, syscall.SIGKILL)
		if !proctest.WaitGone(pid, 10*time.Second) {
			t.Fatalf("pid %d survived SIGKILL", pid)
		}
		if r := s.svc("status", "--classic", "--pidfile", s.pidfile); r.code != 1 {
			t.Errorf("status after SIGKILL: %v, want 1 (dead, pidfile exists)", r)
		}
		if again := s.start(); again == pid {
			t.Errorf("restarted as the dead pid %d", pid)
		}
	})
}

// TestClassicForeignPID puts a live process that is not the daemon in the
// pidfile: it is never reported running, never signalled, and start works.
func TestClassicForeignPID(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		sleep := exec.Command("sleep", "300")
		if err := sleep.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { sleep.Process.Kill(); sleep.Wait() }()
		foreign := sleep.Process.Pid
		if err := os.WriteFile(s.pidfile, []byte(strconv.Itoa(foreign)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := s.svc("status", "--classic", "--pidfile", s.pidfile); r.code == 0 || strings.HasPrefix(r.stdout, "running") {
			t.Errorf("status: %v; the sleep is not our daemon", r)
		}
		if r := s.svc("stop", "--classic", "--pidfile", s.pidfile); r.code != 0 {
			t.Errorf("stop: %v; want 0 (not running)", r)
		}
		pid := s.start()
		if r := s.svc("stop", "--classic", "--pidfile", s.pidfile); r.code != 0 || !proctest.WaitGone(pid, 10*time.Second) {
			t.Errorf("stop: %v", r)
		}
		if proctest.State(foreign) != "S" && proctest.State(foreign) != "R" {
			t.Errorf("the foreign sleep (pid %d) was hit: state %q", foreign, proctest.State(foreign))
		}
	})
}

func TestClassicLifecycle(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		status := func(want int) {
			t.Helper()
			if r := s.svc("status", "--classic", "--pidfile", s.pidfile); r.code != want {
				t.Errorf("status: %v, want exit %d", r, want)
			}
		}
		stop := func(pid int) {
			t.Helper()
			r := s.svc("stop", "--classic", "--pidfile", s.pidfile)
			if r.code != 0 {
				t.Fatalf("stop: %v", r)
			}
			if !proctest.WaitGone(pid, 10*time.Second) {
				t.Errorf("stop returned, pid %d lives", pid)
			}
			s.noPIDFile()
		}
		status(3)
		pid := s.start()
		status(0)
		stop(pid)
		if r := s.svc("stop", "--classic", "--pidfile", s.pidfile); r.code != 0 {
			t.Errorf("stop of a stopped service: %v, want 0", r)
		}
		status(3)

		pid = s.start("--log", s.log)
		r := s.svc(append([]string{"restart"}, s.startArgs("--log", s.log)[1:]...)...)
		again := s.started(r)
		if again == pid || !proctest.WaitGone(pid, 10*time.Second) {
			t.Errorf("restart: old pid %d, new %d; want a new daemon and the old gone", pid, again)
		}
		if r := s.svc("reload", "--classic", "--pidfile", s.pidfile); r.code != 0 || r.stdout != fmt.Sprintf("reloaded (pid %d)\n", again) {
			t.Errorf("reload: %v", r)
		}
		s.awaitReloads(1)
		stop(again)
		if r := s.svc("reload", "--classic", "--pidfile", s.pidfile); r.code == 0 {
			t.Errorf("reload of a stopped daemon: %v, want failure", r)
		}
	})
}

func TestClassicUsage(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		for _, args := range [][]string{
			{"start", "--classic"}, {"stop", "--classic"}, {"restart", "--classic"}, {"reload", "--classic"},
			{"start", "--classic", "--pidfile", s.pidfile, "--umask", "99"},
		} {
			if r := s.svc(args...); r.code != 2 {
				t.Errorf("%q: %v, want usage error 2", args, r)
			}
		}
		if r := s.svc("status", "--classic"); r.code != 4 {
			t.Errorf("status without --pidfile: %v, want 4 (unknown)", r)
		}
		if r := s.svc("start", "--classic", "-h"); strings.Contains(r.stderr, "never-ready") || !strings.Contains(r.stderr, "-pidfile") {
			t.Errorf("start -h shows %q; want the flags without the hidden one", r.stderr)
		}
	})
}

// Benchmarks: svc start --classic until ready, and svc stop --classic,
// per variant.

func BenchmarkStartReady(b *testing.B) {
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			bs := newBenchScene(b, v)
			for b.Loop() {
				bs.must("start", "--classic", "--pidfile", bs.pidfile, "--listen", bs.addr)
				b.StopTimer()
				bs.must("stop", "--classic", "--pidfile", bs.pidfile)
				b.StartTimer()
			}
		})
	}
}

func BenchmarkStopClassic(b *testing.B) {
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			bs := newBenchScene(b, v)
			for b.Loop() {
				b.StopTimer()
				bs.must("start", "--classic", "--pidfile", bs.pidfile, "--listen", bs.addr)
				b.StartTimer()
				bs.must("stop", "--classic", "--pidfile", bs.pidfile)
			}
		})
	}
}

type benchScene struct {
	b             *testing.B
	v             *variant
	pidfile, addr string
}

func newBenchScene(b *testing.B, v *variant) *benchScene {
	if v.buildErr != nil {
		b.Fatal(v.buildErr)
	}
	dir := b.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	bs := &benchScene{b: b, v: v, pidfile: filepath.Join(dir, "svc.pid"), addr: addr}
	b.Cleanup(func() { exec.Command(v.svc, "stop", "--classic", "--pidfile", bs.pidfile).Run() })
	return bs
}

func (bs *benchScene) must(args ...string) {
	out, err := exec.CommandContext(context.Background(), bs.v.svc, args...).CombinedOutput()
	if err != nil {
		bs.b.Fatalf("svc %v: %v\n%s", args, err, out)
	}
}

// TestClassicStatusWait: status --wait returns only once the daemon is
// gone (OpenRC's watcher waits so), with the LSB code of then.
func TestClassicStatusWait(t *testing.T) {
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.start()
		done := make(chan result, 1)
		go func() { done <- s.svc("status", "--classic", "--pidfile", s.pidfile, "--wait") }()
		select {
		case r := <-done:
			t.Fatalf("status --wait returned while pid %d runs: %v", pid, r)
		case <-time.After(300 * time.Millisecond):
		}
		if r := s.svc("stop", "--classic", "--pidfile", s.pidfile); r.code != 0 {
			t.Fatalf("stop: %v", r)
		}
		if r := <-done; r.code != 3 || r.stdout != "stopped\n" {
			t.Errorf("status --wait after the stop: %v; want 3, stopped", r)
		}
	})
}
