//go:build cgo

package prestart

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
)

// Wrapped programs as TestSameAsGo scenarios: every start the C launcher
// serves for a program that knows nothing of svc must print, exit and
// leave behind what the Go launcher does. The program is this test binary
// in a helper mode: `prestart.test -prestart.wrapped MODE ARGS`.
func init() {
	scenarios = append(scenarios, wrapScenarios...)
}

const wrappedMode = "-prestart.wrapped"

// self is this test binary as ResolveExec names it, the wrapped program.
func self(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	if err == nil {
		p, err = filepath.EvalSymlinks(p)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wrapStart is `svc start --classic --pidfile DIR/w.pid ARGS`, then a stop
// of what it started, and a check that nothing is left either way.
func wrapStart(t *testing.T, bin, dir string, args ...string) result {
	t.Helper()
	pf := filepath.Join(dir, "w.pid")
	r := runSvc(t, bin, append([]string{"start", "--classic", "--pidfile", pf}, args...)...)
	if r.code == 0 && strings.HasPrefix(r.stdout, "started") {
		pid := startedPID(t, r)
		if got := awaitPIDFile(t, pf); got != pid {
			t.Errorf("started pid %d, pidfile says %d", pid, got)
		}
		exe, _ := os.Readlink(proctest.Path(pid, "exe"))
		runSvc(t, bin, "stop", "--classic", "--pidfile", pf, "--exec", exe)
		awaitGone(t, pid)
	}
	if _, err := os.Lstat(pf); !os.IsNotExist(err) {
		t.Errorf("pidfile left behind: %v", err)
	}
	nothingLeft(t, dir)
	return r
}

// helperArgs are `-- SELF -prestart.wrapped MODE ARGS`, and dir last: the
// mark by which nothingLeft finds the program.
func helperArgs(t *testing.T, dir, mode string, args ...string) []string {
	return append(append([]string{"--", self(t), wrappedMode, mode}, args...), dir)
}

var wrapScenarios = []scenario{
	{"wrapped, ready once it runs", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, helperArgs(t, dir, "wait")...)
	}},
	{"wrapped, found in PATH", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, "--", "sleep", "1000")
	}},
	{"wrapped with --exec", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, "--exec", self(t), "--", wrappedMode, "wait")
	}},
	{"wrapped, ready by tcp", func(t *testing.T, bin, dir string) result {
		addr := proctest.FreeAddr(t)
		r := wrapStart(t, bin, dir, append([]string{"--ready", "tcp:" + addr}, helperArgs(t, dir, "serve", addr, "30ms")...)...)
		if r.code != 0 {
			t.Errorf("tcp-ready start: %+v", r)
		}
		return r
	}},
	{"wrapped, ready by notify", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "notify"}, helperArgs(t, dir, "notify", "30ms")...)...)
	}},
	{"wrapped, READY=1 from a child", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "notify", "--timeout", "500ms", "--log", filepath.Join(dir, "w.log")},
			helperArgs(t, dir, "notify-child")...)...)
	}},
	{"wrapped, notify fails with its status", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "notify", "--log", filepath.Join(dir, "w.log")},
			helperArgs(t, dir, "notify-fail")...)...)
	}},
	{"wrapped, dies before ready, last words", func(t *testing.T, bin, dir string) result {
		log := filepath.Join(dir, "w.log")
		if err := os.WriteFile(log, []byte("from an earlier run\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		return wrapStart(t, bin, dir, append([]string{"--ready", "tcp:127.0.0.1:1", "--log", log}, helperArgs(t, dir, "say", "3")...)...)
	}},
	{"wrapped, dies before ready, no log", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "tcp:127.0.0.1:1"}, helperArgs(t, dir, "say", "3")...)...)
	}},
	{"wrapped, exits 0 before ready", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "notify", "--log", filepath.Join(dir, "w.log")}, helperArgs(t, dir, "say", "0")...)...)
	}},
	{"wrapped, timeout with the last check", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "tcp:127.0.0.1:1", "--timeout", "300ms", "--log", filepath.Join(dir, "w.log")},
			helperArgs(t, dir, "say", "-1")...)...)
	}},
	{"wrapped, timeout with the last check, IPv6", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "tcp:[0::1]:1", "--timeout", "200ms"}, helperArgs(t, dir, "wait")...)...)
	}},
	{"wrapped, exec fails", func(t *testing.T, bin, dir string) result {
		script := filepath.Join(dir, "bad interpreter")
		if err := os.WriteFile(script, []byte("#!/nonexistent/interpreter\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return wrapStart(t, bin, dir, "--log", filepath.Join(dir, "w.log"), "--", script)
	}},
	{"wrapped, relative program and log", func(t *testing.T, bin, dir string) result {
		if err := os.WriteFile(filepath.Join(dir, "prog"), []byte("#!/bin/sh\necho \"relative $*\" >&2\nexit 5\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "start", "--classic", "--pidfile", filepath.Join(dir, "w.pid"), "--log", "w.log", "--ready", "notify", "--", "./prog", "a b")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PWD="+dir)
		r := runCmd(t, cmd)
		nothingLeft(t, dir)
		return r
	}},
	{"wrapped, already running", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "w.pid")
		first := runSvc(t, bin, append([]string{"start", "--classic", "--pidfile", pf}, helperArgs(t, dir, "wait")...)...)
		pid := startedPID(t, first)
		r := runSvc(t, bin, append([]string{"start", "--classic", "--pidfile", pf}, helperArgs(t, dir, "wait")...)...)
		if stopped := runSvc(t, bin, "stop", "--classic", "--pidfile", pf, "--exec", self(t)); stopped.code != 0 {
			t.Errorf("stop: %+v", stopped)
		}
		awaitGone(t, pid)
		nothingLeft(t, dir)
		return r
	}},
	{"wrapped, probe target already answers", func(t *testing.T, bin, dir string) result {
		return wrapStart(t, bin, dir, append([]string{"--ready", "tcp:" + busyAddr(t)}, helperArgs(t, dir, "wait")...)...)
	}},
	{"wrapped, interrupted", func(t *testing.T, bin, dir string) result {
		pf, log := filepath.Join(dir, "w.pid"), filepath.Join(dir, "w.log")
		os.Remove(log) // the other build's
		cmd := exec.Command(bin, append([]string{"start", "--classic", "--pidfile", pf, "--log", log, "--ready", "tcp:127.0.0.1:1"},
			helperArgs(t, dir, "say", "-1")...)...)
		done := make(chan result, 1)
		go func() { done <- runCmd(t, cmd) }()
		awaitLog(t, log, "surrogate")
		cmd.Process.Signal(syscall.SIGTERM)
		r := <-done
		nothingLeft(t, dir)
		if _, err := os.Stat(pf); !os.IsNotExist(err) {
			t.Errorf("pidfile after SIGTERM: %v, want it removed", err)
		}
		return r
	}},
}

// awaitLog waits for the wrapped program to have written want.
func awaitLog(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("log %s: no %q after 20s", path, want)
}

// TestWrapOneGoStart proves the cgo build serves wrapped starts in C: the
// launcher runs no Go (no thread of a runtime: clone with CLONE_THREAD),
// and the whole start executes svc once and the program once, where the
// pure-Go build executes svc three times (launcher, middle, daemon).
func TestWrapOneGoStart(t *testing.T) {
	addr := proctest.FreeAddr(t)
	for _, c := range []struct {
		name string
		args func(dir string) []string
	}{
		{"no --ready", func(dir string) []string { return helperArgs(t, dir, "say", "0") }},
		{"notify", func(dir string) []string {
			return append([]string{"--ready", "notify"}, helperArgs(t, dir, "notify-fail")...)
		}},
		{"tcp", func(dir string) []string {
			return append([]string{"--ready", "tcp:" + addr, "--log", filepath.Join(dir, "w.log")}, helperArgs(t, dir, "say", "3")...)
		}},
	} {
		for _, b := range []struct {
			name  string
			cgo   bool
			execs int
		}{{"cgo", true, 2}, {"purego", false, 4}} {
			t.Run(c.name+"/"+b.name, func(t *testing.T) {
				dir := privateDir(t)
				args := append([]string{"start", "--classic", "--pidfile", filepath.Join(dir, "w.pid")}, c.args(dir)...)
				r, trace := traced(t, "execve,clone,clone3", svcBinary(t, b.cgo), args...)
				if r.code == 0 && c.name == "no --ready" {
					runSvc(t, svcBinary(t, false), "stop", "--classic", "--pidfile", filepath.Join(dir, "w.pid"), "--exec", self(t))
				} else if r.code == 0 {
					t.Fatalf("start: %+v, want a failure (so that every process ends)", r)
				}
				nothingLeft(t, dir)
				if n := strings.Count(trace, "execve("); n != b.execs {
					t.Errorf("%d execve calls, want %d:\n%s", n, b.execs, trace)
				}
				launcher := strings.Fields(trace)[0]
				threads := regexp.MustCompile(`(?m)^`+launcher+`\s+clone3?\(.*CLONE_THREAD`).FindAllString(trace, -1)
				if b.cgo && len(threads) > 0 {
					t.Errorf("the launcher (pid %s) started threads, a Go runtime's:\n%s", launcher, strings.Join(threads, "\n"))
				}
				if !b.cgo && len(threads) == 0 {
					t.Errorf("the pure-Go launcher (pid %s) started no thread: the check proves nothing\n%s", launcher, trace)
				}
			})
		}
	}
}

// TestWrapNotAWrapper: a program of its own that wraps nothing
// (examples/echod, no cli.Program.Wrap) is launched by C all the same
// (C cannot know), and its daemon's Go refuses the wrapped form with the
// usage error the pure-Go build prints before it forks.
func TestWrapNotAWrapper(t *testing.T) {
	for _, args := range [][]string{
		{"--", "sleep", "1"},
		{"--ready", "notify", "--", "sleep", "1"},
		{"--ready", "tcp:127.0.0.1:1", "sleep", "1"},
		{"--ready", "tcp:" + busyAddr(t), "sleep", "1"},
	} {
		var said [2]result
		for i, cgo := range []bool{true, false} {
			dir := privateDir(t)
			pf := filepath.Join(dir, "echod.pid")
			r := runSvc(t, echodBinary(t, cgo), append([]string{"start", "--classic", "--pidfile", pf}, args...)...)
			if r.code != 2 {
				t.Errorf("cgo %v: echod start %q: %+v, want a usage error", cgo, args, r)
			}
			nothingLeft(t, dir)
			said[i] = r.normalized(dir)
		}
		if said[0] != said[1] {
			t.Errorf("%q: cgo build said %+v\npure-Go build said %+v", args, said[0], said[1])
		}
	}
}
