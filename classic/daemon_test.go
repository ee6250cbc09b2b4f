//go:build linux

package classic

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/svcdev/svc/internal/proctest"
	"golang.org/x/sys/unix"
)

// TestDaemonSetUp checks daemon(7) on the real daemon, through /proc,
// started by a launcher that ignores SIGHUP, blocks SIGUSR1 and leaks a
// descriptor without close-on-exec.
func TestDaemonSetUp(t *testing.T) {
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o755)
	leaked := filepath.Join(dir, "leaked")
	fd, err := unix.Open(leaked, unix.O_CREAT|unix.O_WRONLY, 0o600) // no O_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	signal.Ignore(syscall.SIGHUP)
	defer signal.Reset(syscall.SIGHUP)

	umask := os.FileMode(0o027)
	o := Options{PIDFile: filepath.Join(dir, "d.pid"), LogFile: filepath.Join(dir, "log"), Umask: &umask, Chdir: work}
	l := launchMasked(t, o)
	pid := l.PID

	stat := proctest.Stat(pid)
	if len(stat) < 8 {
		t.Fatalf("/proc/%d/stat: %q", pid, stat)
	}
	if sid, _ := strconv.Atoi(stat[6-3]); sid == pid || sid == 0 {
		t.Errorf("session id %d: the daemon must not lead a session", sid)
	}
	if stat[7-3] != "0" {
		t.Errorf("tty_nr %s, want no controlling terminal", stat[7-3])
	}
	st := proctest.Status(t, pid)
	if ppid, _ := strconv.Atoi(st["PPid"]); ppid == os.Getpid() {
		t.Errorf("parent is the launcher")
	}
	for _, k := range []string{"SigBlk", "SigIgn"} {
		if strings.Trim(st[k], "0") != "" {
			t.Errorf("%s: %s, want none", k, st[k])
		}
	}
	if st["Umask"] != "0027" {
		t.Errorf("Umask: %s, want 0027", st["Umask"])
	}
	if cwd, _ := os.Readlink(proctest.Path(pid, "cwd")); cwd != work {
		t.Errorf("cwd %q, want %q", cwd, work)
	}
	fds := proctest.FDs(t, pid)
	want := map[int]string{0: "/dev/null", 1: o.LogFile, 2: o.LogFile}
	for fd, target := range want {
		if fds[fd] != target {
			t.Errorf("fd %d is %q, want %q", fd, fds[fd], target)
		}
	}
	for fd, target := range fds {
		if fd > 2 && !daemonsOwnFD(pid, fd, target, o.PIDFile) {
			t.Errorf("fd %d is %q: not the daemon's own", fd, target)
		}
	}
	env, err := os.ReadFile(proctest.Path(pid, "environ"))
	if err != nil || bytes.Contains(env, []byte(HandoffEnv)) {
		t.Errorf("environ holds %s (%v)", HandoffEnv, err)
	}
	log, _ := os.ReadFile(o.LogFile)
	if !bytes.Contains(log, []byte("daemon stdout\n")) || !bytes.Contains(log, []byte("daemon stderr\n")) {
		t.Errorf("log file %q lacks the daemon's stdout and stderr", log)
	}
}

// launchMasked launches a ready daemon from a thread that blocks SIGUSR1.
func launchMasked(t *testing.T, o Options) *Launched {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var set, old unix.Sigset_t
	set.Val[0] = 1 << (unix.SIGUSR1 - 1)
	unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old)
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	l, err := launchHelper(t, context.Background(), modeReady, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDaemonDefaults(t *testing.T) {
	o := Options{PIDFile: filepath.Join(t.TempDir(), "d.pid")}
	l, err := launchHelper(t, context.Background(), modeReady, o)
	if err != nil {
		t.Fatal(err)
	}
	if st := proctest.Status(t, l.PID); st["Umask"] != "0022" {
		t.Errorf("Umask: %s, want 0022", st["Umask"])
	}
	if cwd, _ := os.Readlink(proctest.Path(l.PID, "cwd")); cwd != "/" {
		t.Errorf("cwd %q, want /", cwd)
	}
	fds := proctest.FDs(t, l.PID)
	for fd := range 3 {
		if fds[fd] != "/dev/null" {
			t.Errorf("fd %d is %q, want /dev/null", fd, fds[fd])
		}
	}
}

func TestDaemonDropsPrivileges(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody:", err)
	}
	gids, err := u.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{PIDFile: filepath.Join(t.TempDir(), "d.pid"), User: "nobody"}
	l, err := launchHelper(t, context.Background(), modeReady, o)
	if err != nil {
		t.Fatal(err)
	}
	st := proctest.Status(t, l.PID)
	if want := strings.Repeat(u.Uid+"\t", 3) + u.Uid; st["Uid"] != want {
		t.Errorf("Uid: %q, want %q", st["Uid"], want)
	}
	if want := strings.Repeat(u.Gid+"\t", 3) + u.Gid; st["Gid"] != want {
		t.Errorf("Gid: %q, want %q", st["Gid"], want)
	}
	groups := strings.Fields(st["Groups"])
	slices.Sort(groups)
	slices.Sort(gids)
	if !slices.Equal(groups, gids) {
		t.Errorf("Groups: %v, want nobody's %v", groups, gids)
	}
}

// TestDaemonSetUpFails checks the daemon's own error reaches the launcher
// and nothing stays behind.
func TestDaemonSetUpFails(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		o     Options
		want  string
		errno syscall.Errno
	}{
		{"log is a directory", Options{PIDFile: filepath.Join(dir, "a.pid"), LogFile: dir}, "is a directory", syscall.EISDIR},
		{"unknown user", Options{PIDFile: filepath.Join(dir, "b.pid"), User: "no-such-user-svc"}, "no-such-user-svc", 0},
		{"missing chdir", Options{PIDFile: filepath.Join(dir, "c.pid"), Chdir: filepath.Join(dir, "none")}, "chdir", syscall.ENOENT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := launchHelper(t, context.Background(), modeReady, tt.o)
			se := startError(t, err)
			if !strings.Contains(err.Error(), tt.want) || se.Errno != tt.errno || se.ExitCode() != 1 {
				t.Errorf("got %v (errno %d, exit %d), want %q, errno %d, exit 1", err, se.Errno, se.ExitCode(), tt.want, tt.errno)
			}
			assertCleanedUp(t, se.PID, tt.o.PIDFile)
		})
	}
}

// TestLaunchChecksPIDFileDirFirst: a missing or unsafe pidfile directory
// is reported by the launcher before anything forks.
func TestLaunchChecksPIDFileDirFirst(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	for _, pf := range []string{filepath.Join(dir, "none", "d.pid"), filepath.Join(open, "d.pid")} {
		_, err := launchHelper(t, context.Background(), modeReady, Options{PIDFile: pf})
		var se *StartError
		if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), filepath.Dir(pf)) {
			t.Errorf("launch with pidfile %s: %v; want the launcher's own error naming the directory", pf, err)
		}
	}
}

// daemonsOwnFD tells whether fd (above 2) is one the daemon opened:
// sockets, epoll and friends, its pidfile (whose name in /proc is the
// temporary one it was created under), the runtime's cgroup CPU limit
// files. Anything else was inherited.
func daemonsOwnFD(pid, fd int, target, pidfile string) bool {
	var a, b unix.Stat_t
	switch {
	case strings.HasPrefix(target, "socket:"), strings.HasPrefix(target, "anon_inode:"), strings.HasPrefix(target, "/sys/fs/cgroup/"):
		return true
	case unix.Stat(proctest.Path(pid, "fd/"+strconv.Itoa(fd)), &a) == nil && unix.Stat(pidfile, &b) == nil:
		return a.Dev == b.Dev && a.Ino == b.Ino
	}
	return false
}
