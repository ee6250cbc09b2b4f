//go:build cgo

package prestart

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
	"golang.org/x/sys/unix"
)

var decideStopCases = []struct {
	args    string
	timeout time.Duration
	pidfile string
}{
	{args: "stop --classic --pidfile /p", timeout: 10 * time.Second, pidfile: "/p"},
	{args: "stop -classic=true -pidfile=/run/x.pid --timeout 250ms", timeout: 250 * time.Millisecond, pidfile: "/run/x.pid"},
	{args: "stop --classic --pidfile /p --timeout 0", timeout: 10 * time.Second, pidfile: "/p"},
	{args: "stop --classic --pidfile /p --timeout -1s", timeout: 10 * time.Second, pidfile: "/p"},
	{args: "stop --classic --pidfile /a --pidfile /b --", timeout: 10 * time.Second, pidfile: "/b"},
	{args: "stop --classic --pidfile /p --timeout 2562047h", timeout: 2562047 * time.Hour, pidfile: "/p"},
	{args: "stop --classic --pidfile p"},           // relative: Go makes it absolute
	{args: "stop --classic --pidfile /run/x.pid/"}, // Go spells these /run/x.pid:
	{args: "stop --classic --pidfile /run//x.pid"}, // it is Go's to find
	{args: "stop --classic --pidfile /run/./x.pid"},
	{args: "stop --classic --pidfile /run/../x.pid"},
	{args: "stop --classic"},                            // Go: --classic needs --pidfile
	{args: "stop --pidfile p"},                          // through the init system
	{args: "stop --classic=false --pidfile p"},          // likewise
	{args: "stop --classic --pidfile p --timeout soon"}, // usage error
	{args: "stop --classic --pidfile p --timeout 10"},   // no unit: usage error
	{args: "stop --classic --pidfile p -h"},
	{args: "stop --classic --pidfile p --listen :1"}, // start's flag, not stop's
	{args: "stop --classic --pidfile p now"},
	{args: "stop --classic --pidfile p -- now"},
	{args: "stop --classic --pidfile"},
	{args: "start --classic --pidfile p"},
	{args: "status --classic --pidfile p"},
}

var decideStatusCases = []struct {
	args, pidfile string
}{
	{"status --classic --pidfile /run/x.pid", "/run/x.pid"},
	{"status -classic -pidfile=/a --pidfile /b", "/b"},
	{"status --classic --pidfile x.pid", ""},
	{"status --classic --pidfile /run/x.pid/", ""},
	{"status --classic", ""},
	{"status --pidfile /p", ""},
	{"status --classic --pidfile /p -h", ""},
	{"status --classic --pidfile /p --timeout 1s", ""},
	{"status --classic --pidfile /p --wait", ""}, // Go waits
	{"status --classic --wait=true --pidfile /p", ""},
	{"status --classic --wait --wait=false --pidfile /p", "/p"},
	{"status --classic --pidfile /p extra", ""},
	{"stop --classic --pidfile /p", ""},
}

func TestDecideStatus(t *testing.T) {
	for _, c := range decideStatusCases {
		argv := append([]string{"svc"}, strings.Fields(c.args)...)
		pidfile, ok := decideStatus(argv)
		if ok != (c.pidfile != "") || pidfile != c.pidfile {
			t.Errorf("svc %s: got %q (status in C %v), want %q", c.args, pidfile, ok, c.pidfile)
		}
	}
}

func TestDecideStop(t *testing.T) {
	for _, c := range decideStopCases {
		argv := append([]string{"svc"}, strings.Fields(c.args)...)
		timeout, pidfile, ok := decideStop(argv)
		if ok != (c.timeout > 0) || timeout != c.timeout || pidfile != c.pidfile {
			t.Errorf("svc %s: got %v %q (stop in C %v), want %v %q", c.args, timeout, pidfile, ok, c.timeout, c.pidfile)
		}
	}
}

// TestStopFlagsAsGo checks the C side's stop and status flags against
// those `svc stop|status --classic -h` list.
func TestStopFlagsAsGo(t *testing.T) {
	for _, verb := range []string{"stop", "status"} {
		t.Run(verb, func(t *testing.T) { flagsAsGo(t, verb) })
	}
}

func flagsAsGo(t *testing.T, verb string) {
	res := runSvc(t, svcBinary(t, true), verb, "--classic", "-h")
	if res.code != 0 && !(verb == "status" && res.code == 4) {
		t.Fatalf("%s --classic -h: %+v", verb, res)
	}
	usage := regexp.MustCompile(`(?m)^  -(\S+)( \S+)?$`).FindAllStringSubmatch(res.stderr, -1)
	c := flags(verb)
	// --exec names a wrapped program: C knows it not, so leaves it to Go.
	c["exec"] = true
	pf := filepath.Join(t.TempDir(), "w.pid")
	argv := []string{"svc", verb, "--classic", "--pidfile", pf, "--exec", "/bin/sleep"}
	_, _, stopOK := decideStop(argv)
	_, statusOK := decideStatus(argv)
	if stopOK || statusOK {
		t.Errorf("%s --exec: C acts; a wrapped program is Go's", verb)
	}
	if len(usage) != len(c) {
		t.Errorf("%s --classic -h lists %d flags, C knows %d (%v):\n%s", verb, len(usage), len(c), c, res.stderr)
	}
	for _, m := range usage {
		name, takesValue := m[1], m[2] != ""
		if v, ok := c[name]; !ok || v != takesValue {
			t.Errorf("flag -%s (takes a value: %v): C knows it %v, as taking a value %v", name, takesValue, ok, v)
		}
	}
}

// TestStopWithoutGo proves the cgo build stops a running daemon without
// starting the Go runtime (which makes threads: clone), while the pure-Go
// build does. Both print the same (TestSameAsGo).
func TestStopWithoutGo(t *testing.T) {
	withAndWithoutGo(t, func(t *testing.T, cgo bool, bin, pf string, pid int) {
		want := result{code: 0, stdout: "stopped (pid " + strconv.Itoa(pid) + ")\n"}
		runsGo(t, cgo, bin, want, "stop", "--classic", "--pidfile", pf)
	})
}

// withAndWithoutGo runs f for the cgo build, where the constructor acts
// and no Go runtime may start, and the pure-Go build, where it must: with
// the build, its binary, a pidfile and the pid of a daemon started there.
func withAndWithoutGo(t *testing.T, f func(t *testing.T, cgo bool, bin, pidfile string, pid int)) {
	for _, cgo := range []bool{true, false} {
		name := map[bool]string{true: "cgo", false: "purego"}[cgo]
		t.Run(name, func(t *testing.T) {
			bin, pf := svcBinary(t, cgo), filepath.Join(privateDir(t), "svc.pid")
			pid := startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
			f(t, cgo, bin, pf, pid)
		})
	}
}

// runsGo runs bin with args under strace and checks it answers want and
// starts the Go runtime (whose threads are clone calls) only in the
// pure-Go build.
func runsGo(t *testing.T, cgo bool, bin string, want result, args ...string) {
	t.Helper()
	r, trace := traced(t, "clone,clone3", bin, args...)
	if r != want {
		t.Fatalf("%s: %+v, want %+v", args[0], r, want)
	}
	if n := strings.Count(trace, "clone"); (n == 0) != cgo {
		t.Errorf("%d clone calls (Go runtime started: %v), want Go started %v:\n%s", n, n > 0, !cgo, trace)
	}
}

// stopScenarios extend TestSameAsGo's to `svc stop --classic`: each ends
// with the stop under test, which both builds must report alike.
var stopScenarios = []scenario{
	{"stop running", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		pid := startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
		r := runSvc(t, bin, "stop", "--classic", "--pidfile", pf)
		if proctest.Alive(pid) {
			t.Errorf("pid %d alive after stop", pid)
		}
		if _, err := os.Lstat(pf); !os.IsNotExist(err) {
			t.Errorf("pidfile after stop: %v, want it removed", err)
		}
		return r
	}},
	{"stop needs SIGKILL", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		pid := startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--shutdown-delay", "30s", "--listen", proctest.FreeAddr(t)))
		r := runSvc(t, bin, "stop", "--classic", "--pidfile", pf, "--timeout", "200ms")
		if proctest.Alive(pid) {
			t.Errorf("pid %d alive after stop", pid)
		}
		if _, err := os.Lstat(pf); !os.IsNotExist(err) {
			t.Errorf("pidfile of the killed daemon after stop: %v, want it removed", err)
		}
		return r
	}},
	{"stop stopped", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "stop", "--classic", "--pidfile", filepath.Join(dir, "svc.pid"))
	}},
	{"stop stale", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		pid := startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
		syscall.Kill(pid, syscall.SIGKILL)
		awaitGone(t, pid)
		return runSvc(t, bin, "stop", "--classic", "--pidfile", pf)
	}},
	{"stop foreign pid", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		sleep := proctest.Stranger(t)
		os.WriteFile(pf, []byte(strconv.Itoa(sleep)+"\n"), 0o644)
		r := runSvc(t, bin, "stop", "--classic", "--pidfile", pf)
		if !proctest.Alive(sleep) {
			t.Errorf("the foreign pid %d was hit", sleep)
		}
		return r
	}},
	{"stop foreign lock holder", func(t *testing.T, bin, dir string) result {
		// The file names a live process, but another one holds its lock.
		pf := filepath.Join(dir, "svc.pid")
		sleep := proctest.Stranger(t)
		os.WriteFile(pf, []byte(strconv.Itoa(sleep)+"\n"), 0o644)
		holder := exec.Command("flock", "-x", pf, "sleep", "300")
		if err := holder.Start(); err != nil {
			t.Skipf("flock(1): %v", err)
		}
		t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
		for deadline := time.Now().Add(10 * time.Second); !locked(pf) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		r := runSvc(t, bin, "stop", "--classic", "--pidfile", pf)
		if !proctest.Alive(sleep) || !proctest.Alive(holder.Process.Pid) {
			t.Errorf("a foreign process was hit")
		}
		return r
	}},
	{"stop symlinked pidfile", func(t *testing.T, bin, dir string) result {
		real, link := filepath.Join(dir, "real.pid"), filepath.Join(dir, "svc.pid")
		pid := startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", real, "--listen", proctest.FreeAddr(t)))
		os.Symlink(real, link)
		r := runSvc(t, bin, "stop", "--classic", "--pidfile", link)
		if !proctest.Alive(pid) {
			t.Errorf("stop through a symlink hit pid %d", pid)
		}
		stop(t, bin, real)
		return r
	}},
	{"stop garbage pidfile", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		os.WriteFile(pf, []byte("+42\n"), 0o644)
		return runSvc(t, bin, "stop", "--classic", "--pidfile", pf)
	}},
	{"stop stdout closed", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
		return runCmd(t, exec.Command("/bin/sh", "-c", `exec "$0" "$@" >&-`, bin, "stop", "--classic", "--pidfile", pf))
	}},
	{"stop bad timeout", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "stop", "--classic", "--pidfile", "p", "--timeout", "soon")
	}},
	{"stop extra argument", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "stop", "--classic", "--pidfile", "p", "now")
	}},
}

func init() { scenarios = append(scenarios, stopScenarios...) }

// locked tells whether someone holds path's exclusive flock.
func locked(path string) bool {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB) != nil {
		return true
	}
	unix.Flock(fd, unix.LOCK_UN)
	return false
}
