//go:build cgo

package prestart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
	"golang.org/x/sys/unix"
)

// Issue 10's attacks and hangs as TestSameAsGo scenarios: both builds
// must answer each alike (and, checked here too, leave no daemon behind
// where the answer is a refusal). The end-to-end tests in cmd/svc prove
// the answers right; these prove the C paths give the Go ones.
func init() {
	scenarios = append(scenarios, issue10Scenarios...)
}

var issue10Scenarios = []scenario{
	{"empty user", refused("--user", "")},
	{"empty group", refused("--group", "")},
	{"user id past uid_t", refused("--user", "4294967296")},
	{"user id (uid_t)-1", refused("--user", "4294967295")},
	{"group id past gid_t", refused("--group", "4294967296")},
	{"group id (gid_t)-1", refused("--group", "4294967295")},
	{"timeout 1ns", func(t *testing.T, bin, dir string) result {
		r := runSvc(t, bin, "start", "--classic", "--pidfile", filepath.Join(dir, "svc.pid"), "--timeout", "1ns", "--listen", proctest.FreeAddr(t))
		nothingLeft(t, dir)
		// Whether the middle named the daemon before the abort killed it
		// is a race of each run (the C middle forks in microseconds, the
		// Go one starts a runtime first): the pid is left out of the
		// comparison, the rest of the message is not.
		r.stderr = strings.Replace(r.stderr, "classic: daemon: ", "classic: daemon pid 0: ", 1)
		return r
	}},
	{"terminated", signalledLaunch(syscall.SIGTERM)},
	{"largest timeout", func(t *testing.T, bin, dir string) result {
		pf, max := filepath.Join(dir, "svc.pid"), time.Duration(1<<63-1).String()
		r := runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--timeout", max, "--listen", proctest.FreeAddr(t))
		return joined(r, runSvc(t, bin, "stop", "--classic", "--pidfile", pf, "--timeout", max))
	}},
	{"pidfile directory 1777", inWritableDir(0o777 | os.ModeSticky)},
	{"pidfile directory 0777", inWritableDir(0o777)},
	{"pidfile of another owner", func(t *testing.T, bin, dir string) result {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give the pidfile away")
		}
		pf := filepath.Join(dir, "svc.pid")
		writePID(t, pf, proctest.Stranger(t))
		if err := os.Chown(pf, outsider(t), outsider(t)); err != nil {
			t.Fatal(err)
		}
		return joined(runSvc(t, bin, "status", "--classic", "--pidfile", pf), runSvc(t, bin, "stop", "--classic", "--pidfile", pf))
	}},
	{"stale pidfile, read-only LOCK_SH", staleLocked(unix.LOCK_SH)},
	{"stale pidfile, read-only LOCK_EX", staleLocked(unix.LOCK_EX)},
	{"held read-only flock", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		writePID(t, pf, 0)
		holder := exec.Command("flock", "--exclusive", pf, "sleep", "3600") // opens it read-only
		holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := holder.Start(); err != nil {
			t.Skip("flock(1):", err)
		}
		defer func() { // its sleep keeps the lock: the next build's run needs it gone
			syscall.Kill(-holder.Process.Pid, syscall.SIGKILL)
			holder.Wait()
			os.Remove(pf)
		}()
		awaitFlock(t, pf, holder.Process.Pid)
		writePID(t, pf, holder.Process.Pid) // the lock holder is the pid in the file
		r := joined(runSvc(t, bin, "stop", "--classic", "--pidfile", pf, "--timeout", "5s"),
			runSvc(t, bin, "status", "--classic", "--pidfile", pf))
		if proctest.WaitGone(holder.Process.Pid, 500*time.Millisecond) {
			t.Errorf("stop signalled the read-only lock holder %d", holder.Process.Pid)
		}
		return r
	}},
	{"stop cannot unlink", func(t *testing.T, bin, dir string) result {
		if os.Geteuid() != 0 {
			t.Skip("needs root to run as a second user")
		}
		own := filepath.Join(dir, "own")
		os.Mkdir(own, 0o755)
		os.Chown(own, outsider(t), outsider(t))
		defer os.RemoveAll(own) // the next build's run starts afresh
		defer os.Chmod(own, 0o755)
		self := filepath.Join(dir, "svc") // where the second user can run it
		copyFile(t, bin, self)
		os.Chmod(filepath.Dir(dir), 0o755)
		pf := filepath.Join(own, "svc.pid")
		startedPID(t, runCmd(t, asOutsider(t, exec.Command(self, "start", "--classic", "--pidfile", pf, "--shutdown-delay", "1h", "--listen", proctest.FreeAddr(t)))))
		os.Chmod(own, 0o555)
		r := runCmd(t, asOutsider(t, exec.Command(self, "stop", "--classic", "--pidfile", pf, "--timeout", "200ms")))
		nothingLeft(t, dir)
		return r
	}},
	{"pidfile path with a trailing slash", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid") + "/"
		startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
		r := joined(runSvc(t, bin, "status", "--classic", "--pidfile", pf), runSvc(t, bin, "stop", "--classic", "--pidfile", pf))
		nothingLeft(t, dir)
		os.Remove(filepath.Clean(pf))
		return r
	}},
}

// joined is two results as one, for a scenario of two commands: both
// exit codes, both outputs, in order.
func joined(a, b result) result {
	return result{code: a.code<<8 | b.code, stdout: a.stdout + "\n--\n" + b.stdout, stderr: a.stderr + "\n--\n" + b.stderr}
}

// refused starts with one bad flag; nothing may be left running.
func refused(flag, value string) func(t *testing.T, bin, dir string) result {
	return func(t *testing.T, bin, dir string) result {
		r := runSvc(t, bin, "start", "--classic", "--pidfile", filepath.Join(dir, "svc.pid"), flag, value, "--listen", proctest.FreeAddr(t))
		if r.code == 0 {
			t.Errorf("start %s %q: %+v; want it refused", flag, value, r)
		}
		nothingLeft(t, dir)
		return r
	}
}

// inWritableDir: status and stop of root's pidfile naming a live root
// process, and a start, in a directory others may write.
func inWritableDir(mode os.FileMode) func(t *testing.T, bin, dir string) result {
	return func(t *testing.T, bin, dir string) result {
		w := filepath.Join(dir, "w")
		os.Mkdir(w, 0o755)
		defer os.RemoveAll(w) // the next build's run starts afresh
		if err := os.Chmod(w, mode); err != nil {
			t.Fatal(err)
		}
		pf := filepath.Join(w, "svc.pid")
		victim := proctest.Stranger(t)
		writePID(t, pf, victim)
		r := joined(runSvc(t, bin, "status", "--classic", "--pidfile", pf), runSvc(t, bin, "stop", "--classic", "--pidfile", pf))
		if proctest.WaitGone(victim, 500*time.Millisecond) {
			t.Errorf("stop signalled pid %d, named by a pidfile in a %v directory", victim, mode)
		}
		r = joined(r, runSvc(t, bin, "start", "--classic", "--pidfile", filepath.Join(w, "fresh.pid"), "--listen", proctest.FreeAddr(t)))
		nothingLeft(t, dir)
		return r
	}
}

// staleLocked: a stale pidfile another process locks through a read-only
// descriptor; start must still work.
func staleLocked(how int) func(t *testing.T, bin, dir string) result {
	return func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		dead := exec.Command("true")
		dead.Run()
		writePID(t, pf, dead.Process.Pid)
		f, err := os.Open(pf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB); err != nil {
			t.Fatal(err)
		}
		r := runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t))
		if r.code == 0 {
			stop(t, bin, pf)
		} else {
			t.Errorf("start with a read-only flock on the stale pidfile: %+v; want started", r)
		}
		nothingLeft(t, dir)
		return r
	}
}

// nothingLeft kills, and reports, any process still naming dir once those
// on their way out have gone.
func nothingLeft(t *testing.T, dir string) {
	t.Helper()
	for _, pid := range proctest.Live(dir) {
		if !proctest.WaitGone(pid, 10*time.Second) {
			t.Errorf("pid %d (%s) left running", pid, proctest.Cmdline(pid))
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func writePID(t *testing.T, path string, pid int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// awaitFlock waits until /proc/locks shows pid holding a flock on path.
func awaitFlock(t *testing.T, path string, pid int) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	want := ":" + strconv.FormatUint(st.Ino, 10)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile("/proc/locks")
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 5 && f[1] == "FLOCK" && f[4] == strconv.Itoa(pid) && strings.HasSuffix(f[5], want) {
				return
			}
		}
	}
	t.Fatalf("flock(1) (pid %d) took no lock on %s", pid, path)
}

// outsider is a uid and gid no passwd or group entry names.
func outsider(t *testing.T) int {
	t.Helper()
	id := proctest.Outsider()
	if id < 0 {
		t.Skip("no free uid for a second user")
	}
	return id
}

func asOutsider(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	u := uint32(outsider(t))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u, Gid: u, Groups: []uint32{}}}
	return cmd
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
