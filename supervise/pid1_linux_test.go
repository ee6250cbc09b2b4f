package supervise

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// anInit is a PID 1 under test: svc's supervisor, or tini or dumb-init
// for comparison, each given the same helper as its one child.
type anInit struct {
	name string
	argv func(helper ...string) []string
}

func inits(t *testing.T) []anInit {
	all := []anInit{{"svc", supervisorArgv}}
	for _, tool := range []struct {
		name string
		args []string
	}{{"tini", []string{"--"}}, {"dumb-init", nil}} {
		path, err := exec.LookPath(tool.name)
		if err != nil {
			t.Logf("%s not installed (apt-get install %s): compared against svc only", tool.name, tool.name)
			continue
		}
		all = append(all, anInit{tool.name, func(helper ...string) []string {
			return append(append(append([]string{path}, tool.args...), os.Args[0]), helper...)
		}})
	}
	return all
}

// pid1 is unshare running a process as PID 1 of a new pid namespace.
type pid1 struct {
	*proc
}

// startPID1 runs argv as PID 1 of a new pid namespace (unshare -pf
// --mount-proc, util-linux).
func startPID1(t *testing.T, argv []string) *pid1 {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("a new pid namespace needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare (util-linux)")
	}
	return &pid1{start(t, append([]string{unshare, "-pf", "--mount-proc"}, argv...))}
}

// find returns PID 1's pid outside and its pid namespace (a
// /proc/PID/ns/pid link), while it runs: unshare forks once, its only
// child is the namespace's PID 1.
func (p *pid1) find() (host int, ns string) {
	p.t.Helper()
	deadline := time.Now().Add(bound)
	children := fmt.Sprintf("/proc/%d/task/%d/children", p.cmd.Process.Pid, p.cmd.Process.Pid)
	self, _ := os.Readlink("/proc/self/ns/pid")
	for {
		b, _ := os.ReadFile(children)
		if f := strings.Fields(string(b)); len(f) == 1 {
			host, _ := strconv.Atoi(f[0])
			if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", host)); err == nil && ns != self {
				return host, ns
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no PID 1 under unshare %d after %v; stderr %q", p.cmd.Process.Pid, bound, p.stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPID1 runs the same scenarios with svc, tini and dumb-init as PID 1
// of a new pid namespace: exit status passed, the issue's signals
// forwarded (SIGTERM from outside, which a PID 1 without a handler would
// ignore), orphans reaped while the main child runs.
func TestPID1(t *testing.T) {
	t.Parallel()
	for _, in := range inits(t) {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			t.Run("exit status", func(t *testing.T) {
				t.Parallel()
				for _, c := range []struct {
					args []string
					want int
				}{
					{[]string{"exit", "0"}, 0},
					{[]string{"exit", "7"}, 7},
					{[]string{"die", strconv.Itoa(int(unix.SIGTERM))}, 128 + 15},
					{[]string{"die", strconv.Itoa(int(unix.SIGKILL))}, 128 + 9},
				} {
					startPID1(t, in.argv(c.args...)).exitCode(c.want)
				}
			})
			t.Run("signals forwarded", func(t *testing.T) {
				t.Parallel()
				p := startPID1(t, in.argv("signals"))
				p.expect("armed")
				host, _ := p.find()
				for _, sig := range issueSignals {
					unix.Kill(host, sig)
					p.expect("got " + unix.SignalName(sig))
				}
				unix.Kill(host, unix.SIGTERM)
				p.expect("got SIGTERM")
				p.exitCode(42)
			})
			t.Run("orphans reaped", func(t *testing.T) {
				t.Parallel()
				p := startPID1(t, in.argv("orphan"))
				_, ns := p.find()
				var main, orphan int
				fmt.Sscanf(p.expect("main "), "main %d", &main)
				fmt.Sscanf(p.expect("orphan "), "orphan %d", &orphan)
				if orphan == main || orphan <= 1 {
					t.Fatalf("orphan %d, main %d: not two processes of the namespace", orphan, main)
				}
				waitReaped(t, ns, orphan)
				if host, st, found := nsPID(ns, main); !found || st == "Z" {
					t.Fatalf("main child (pid %d inside, %d outside) is %q: it should still run", main, host, st)
				}
				p.stdin.Close()
				p.exitCode(0)
			})
		})
	}
}
