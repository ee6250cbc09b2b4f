package bench

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// superviseResult compares `svc run -- PROG` as PID 1 of a new pid
// namespace with tini and dumb-init in the same place, around the same
// child: how long a signal sent to PID 1 takes to reach the child, and
// PID 1's idle memory.
type superviseResult struct {
	latency []*series
	rss     []*rssResult
	skipped string
}

// sigChild is the child every PID 1 runs: it blocks SIGUSR1, says "r"
// once armed, then writes one byte per SIGUSR1 it takes. C, static, so
// the figure is the PID 1's own forwarding and nothing of the child's.
const sigChild = `#include <signal.h>
#include <unistd.h>
int main(void) {
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, 0);
	if (write(1, "r", 1) != 1) return 1;
	for (;;) {
		int sig;
		if (sigwait(&s, &sig) == 0 && write(1, "x", 1) != 1) return 1;
	}
}
`

// pid1Contender is a PID 1 under test: its argv before the child's.
type pid1Contender struct {
	name string
	argv []string
}

func pid1Contenders(b bins) []pid1Contender {
	cs := []pid1Contender{
		{"svc run -- PROG (cgo build, as shipped)", []string{b.svc, "run", "--"}},
		{"svc run -- PROG (pure Go)", []string{b.svcPure, "run", "--"}},
	}
	if p, err := exec.LookPath("tini"); err == nil {
		cs = append(cs, pid1Contender{"tini -- PROG", []string{p, "--"}})
	}
	if p, err := exec.LookPath("dumb-init"); err == nil {
		cs = append(cs, pid1Contender{"dumb-init PROG", []string{p}})
	}
	return cs
}

// runningPID1 is one contender running as PID 1 around sigChild.
type runningPID1 struct {
	cmd  *exec.Cmd
	host int // PID 1's pid outside
	out  io.Reader
}

func startPID1(t testing.TB, c pid1Contender, child string) *runningPID1 {
	t.Helper()
	argv := append(append([]string{"unshare", "-pf", "--mount-proc"}, c.argv...), child)
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// unshare complains when its child is SIGKILLed; real trouble shows
	// as a child never armed.
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &runningPID1{cmd: cmd, out: out}
	b := make([]byte, 1)
	if _, err := io.ReadFull(out, b); err != nil || b[0] != 'r' {
		t.Fatalf("%s: child not armed: %v", c.name, err)
	}
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	if r.host, err = strconv.Atoi(strings.TrimSpace(string(children))); err != nil {
		t.Fatalf("%s: no PID 1 under unshare: %q", c.name, children)
	}
	return r
}

// idleGap is the pause before each signal: a PID 1 is idle when a
// signal finds it, its threads asleep, and waking them is part of the
// cost.
const idleGap = 2 * time.Millisecond

// forward times one SIGUSR1 from here to PID 1 until the child's byte.
func (r *runningPID1) forward(t testing.TB) time.Duration {
	b := make([]byte, 1)
	time.Sleep(idleGap)
	t0 := time.Now()
	if err := unix.Kill(r.host, unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r.out, b); err != nil {
		t.Fatal(err)
	}
	return time.Since(t0)
}

func (r *runningPID1) stop() {
	unix.Kill(r.host, unix.SIGKILL) // the namespace dies with its PID 1
	r.cmd.Wait()
}

// benchSupervise: per round, one signal to each contender in rotated
// order, 10 signals a round; then idle memory of fresh instances, one
// second after the child is armed, n each, interleaved.
func benchSupervise(t *testing.T, b bins, rounds, n int) *superviseResult {
	r := &superviseResult{}
	if os.Getuid() != 0 {
		r.skipped = "a new pid namespace needs root"
		return r
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		r.skipped = "no unshare (util-linux)"
		return r
	}
	dir := t.TempDir()
	src, child := filepath.Join(dir, "sigchild.c"), filepath.Join(dir, "sigchild")
	os.WriteFile(src, []byte(sigChild), 0o644)
	if o, err := exec.Command("gcc", "-O2", "-static", "-o", child, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, o)
	}
	cs := pid1Contenders(b)
	running := make([]*runningPID1, len(cs))
	runs := make([]func() time.Duration, len(cs))
	for i, c := range cs {
		running[i] = startPID1(t, c, child)
		defer running[i].stop()
		r.latency = append(r.latency, &series{name: c.name})
		runs[i] = func() time.Duration { return running[i].forward(t) }
	}
	interleave(rounds*10, runs, r.latency)

	for _, c := range cs {
		r.rss = append(r.rss, &rssResult{name: c.name, binary: fileSize(t, c.argv[0])})
	}
	for i := 0; i < n; i++ {
		for j, c := range cs {
			p := startPID1(t, c, child)
			time.Sleep(time.Second)
			r.rss[j].sample(t, p.host)
			p.stop()
		}
	}
	return r
}

func (r *superviseResult) markdown() string {
	if r.skipped != "" {
		return "skipped: " + r.skipped + "\n"
	}
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	w("Each PID 1 runs in a new pid namespace (`unshare -pf --mount-proc`) around the same static C child, "+
		"which writes a byte for each SIGUSR1 it takes. Latency: from kill(2) of SIGUSR1 to PID 1 until the child's byte is read, "+
		"%d signals each, interleaved one by one, each after a %v idle pause.\n\n", len(r.latency[0].samples), idleGap)
	w("| PID 1 | median | p90 | min – max | ratio to svc (cgo) |\n|---|---:|---:|---:|---:|\n")
	base := r.latency[0].median()
	for _, s := range r.latency {
		lo, hi := minMax(s.samples)
		w("| %s | %.1f µs | %.1f µs | %.1f – %.1f µs | %s |\n", s.name, us(s.median()), us(quantile(s.samples, 0.9)), us(lo), us(hi), ratio(s.median(), base))
	}
	w("\nIdle memory of PID 1, one second after the child is armed, medians of %d:\n\n", len(r.rss[0].kib))
	w("| PID 1 | VmRSS | RssAnon | RssFile | executable | VmRSS ratio to svc (cgo) |\n|---|---:|---:|---:|---:|---:|\n")
	for _, x := range r.rss {
		w("| %s | %d KiB | %d KiB | %d KiB | %.2f MB | %.2fx |\n", x.name, x.median(), medianInt(x.anon), medianInt(x.file),
			float64(x.binary)/1e6, float64(x.median())/float64(r.rss[0].median()))
	}
	for _, x := range r.rss[1:] {
		if strings.HasPrefix(x.name, "tini") {
			w("\nsvc (cgo) / tini: signal latency **%s**, VmRSS **%.2fx**, RssAnon **%.2fx**\n",
				ratio(base, r.latency[indexOf(r, x.name)].median()), float64(r.rss[0].median())/float64(x.median()),
				float64(medianInt(r.rss[0].anon))/float64(medianInt(x.anon)))
		}
	}
	return b.String()
}

func indexOf(r *superviseResult, name string) int {
	for i, s := range r.latency {
		if s.name == name {
			return i
		}
	}
	return 0
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

// TestBenchSupervise runs this section alone: SVC_BENCH=supervise.
func TestBenchSupervise(t *testing.T) {
	if os.Getenv("SVC_BENCH") != "supervise" {
		t.Skip("SVC_BENCH=supervise runs the svc run section alone; make bench runs it with the rest")
	}
	b := build(t)
	t.Logf("\n%s", benchSupervise(t, b, rounds(), 5).markdown())
}
