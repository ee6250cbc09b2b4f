//go:build cgo

package prestart

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
)

// The binaries under test: cmd/svc built with cgo (this package's
// constructor launches) and without (classic's Go launcher does).
var builds struct {
	once     [4]sync.Once
	path     [4]string
	err      [4]error
	dir      string
	dirOnce  sync.Once
	dirError error
}

func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == execMasked {
		runMasked(os.Args[2:])
	}
	proctest.Wrapped(wrappedMode)
	code := m.Run()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}

// svcBinary builds cmd/svc once per test binary, with cgo or without.
func svcBinary(t testing.TB, cgo bool) string {
	t.Helper()
	return binary(t, "svc", "github.com/svcdev/svc/cmd/svc", cgo)
}

// echodBinary builds examples/echod, a program of its own on package cli
// that opts in to this package, once per test binary.
func echodBinary(t testing.TB, cgo bool) string {
	t.Helper()
	return binary(t, "echod", "github.com/svcdev/svc/examples/echod", cgo)
}

func binary(t testing.TB, prog, pkg string, cgo bool) string {
	t.Helper()
	i, name, flag := 0, "purego", "CGO_ENABLED=0"
	if cgo {
		i, name, flag = 1, "cgo", "CGO_ENABLED=1"
	}
	if prog != "svc" {
		i += 2
	}
	builds.dirOnce.Do(func() { builds.dir, builds.dirError = os.MkdirTemp("", "prestart-test-") })
	if builds.dirError != nil {
		t.Fatal(builds.dirError)
	}
	builds.once[i].Do(func() {
		builds.path[i] = filepath.Join(builds.dir, name, prog) // named as its messages are
		os.MkdirAll(filepath.Dir(builds.path[i]), 0o755)
		cmd := exec.Command(goTool(), "build", "-o", builds.path[i], pkg)
		cmd.Env = append(os.Environ(), flag)
		if out, err := cmd.CombinedOutput(); err != nil {
			builds.err[i] = errors.New("go build " + flag + ": " + err.Error() + "\n" + string(out))
		}
	})
	if builds.err[i] != nil {
		t.Fatal(builds.err[i])
	}
	return builds.path[i]
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

type result struct {
	code           int
	stdout, stderr string
}

// traced runs bin with args under `strace -f -e trace=calls`, and returns
// what bin did and the trace; without strace the test is skipped.
func traced(t *testing.T, calls, bin string, args ...string) (result, string) {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed (apt-get install strace)")
	}
	trace := filepath.Join(t.TempDir(), "trace")
	r := runCmd(t, exec.Command(strace, append([]string{"-f", "-qq", "-e", "trace=" + calls, "-o", trace, bin}, args...)...))
	out, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	return r, string(out)
}

// runSvc runs bin to completion (at most a minute).
func runSvc(t testing.TB, bin string, args ...string) result {
	t.Helper()
	return runCmd(t, exec.Command(bin, args...))
}

func runCmd(t testing.TB, cmd *exec.Cmd) result {
	t.Helper()
	r, _ := runWait(t, cmd)
	return r
}

// runWait is runCmd that also gives the wait status (a death by signal).
func runWait(t testing.TB, cmd *exec.Cmd) (result, syscall.WaitStatus) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", cmd, err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()},
		cmd.ProcessState.Sys().(syscall.WaitStatus)
}

var pidRE = regexp.MustCompile(`pid [0-9]+`)

// normalized hides what differs between two runs: pids and dir.
func (r result) normalized(dir string) result {
	for _, s := range []*string{&r.stdout, &r.stderr} {
		*s = pidRE.ReplaceAllString(strings.ReplaceAll(*s, dir, "DIR"), "pid N")
	}
	return r
}

func startedPID(t testing.TB, r result) int {
	t.Helper()
	var pid int
	if _, err := fmt.Sscanf(r.stdout, "started (pid %d)\n", &pid); err != nil || r.code != 0 {
		t.Fatalf("start: %+v", r)
	}
	return pid
}

// privateDir is a directory a pidfile may live in (not world-writable).
func privateDir(t testing.TB) string {
	d := t.TempDir()
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// awaitGone waits until pid has exited (a zombie counts: PID 1 here reaps late).
func awaitGone(t testing.TB, pid int) {
	t.Helper()
	if !proctest.WaitGone(pid, 10*time.Second) {
		t.Fatalf("pid %d still alive after 10s", pid)
	}
}

// awaitPIDFile waits for path to hold a pid: the daemon writes it during
// its set-up, well before any timeout the tests use.
func awaitPIDFile(t testing.TB, path string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return pid
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no pid in %s after 20s", path)
	return 0
}

func stop(t testing.TB, bin, pidfile string) {
	t.Helper()
	if r := runSvc(t, bin, "stop", "--classic", "--pidfile", pidfile); r.code != 0 {
		t.Errorf("stop: %+v", r)
	}
}
