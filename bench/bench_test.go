package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// bins are the programs under test, built once.
type bins struct {
	svc, svcPure, bare, bareCgo, hello, static string
	echod, echodPure                           string
}

func build(t *testing.T) bins {
	dir := t.TempDir()
	b := bins{
		svc:       filepath.Join(dir, "svc"),
		svcPure:   filepath.Join(dir, "svc-purego"),
		bare:      filepath.Join(dir, "barehttp"),
		bareCgo:   filepath.Join(dir, "barehttp-cgo"),
		hello:     filepath.Join(dir, "hello"),
		static:    filepath.Join(dir, "true-static"),
		echod:     filepath.Join(dir, "echod"),
		echodPure: filepath.Join(dir, "echod-purego"),
	}
	gobuild := func(out, pkg string, cgo string) {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, o)
		}
	}
	gobuild(b.svc, "github.com/svcdev/svc/cmd/svc", "1")
	gobuild(b.svcPure, "github.com/svcdev/svc/cmd/svc", "0")
	gobuild(b.bare, "github.com/svcdev/svc/bench/internal/barehttp", "0")
	gobuild(b.bareCgo, "github.com/svcdev/svc/bench/internal/barehttp", "1")
	gobuild(b.hello, "github.com/svcdev/svc/bench/internal/hello", "0")
	gobuild(b.echod, "github.com/svcdev/svc/examples/echod", "1")
	gobuild(b.echodPure, "github.com/svcdev/svc/examples/echod", "0")
	src := filepath.Join(dir, "true.c")
	os.WriteFile(src, []byte("int main(void){return 0;}\n"), 0o644)
	if o, err := exec.Command("gcc", "-O2", "-static", "-o", b.static, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc -static: %v\n%s", err, o)
	}
	return b
}

func rounds() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("SVC_BENCH_ROUNDS"), &n); err != nil || n <= 0 {
		return 21
	}
	return n
}

func TestBenchmarks(t *testing.T) {
	if os.Getenv("SVC_BENCH") == "" {
		t.Skip("benchmarks run with SVC_BENCH=1 (make bench)")
	}
	for _, tool := range []string{"start-stop-daemon", "daemonize", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make bench installs it)", tool)
		}
	}
	b := build(t)
	r := &report{rounds: rounds(), started: time.Now()}
	if os.Getenv("SVC_BENCH") == "supervise" { // TestBenchSupervise runs it alone
		return
	}
	if os.Getenv("SVC_BENCH") == "echod" { // the echod section alone, printed
		t.Logf("\n%s", benchEchod(t, b, r.rounds).markdown())
		return
	}
	r.start = benchStart(t, b, r.rounds)
	r.stop = benchStop(t, b, r.rounds)
	r.idle = benchIdle(t, b, r.rounds)
	r.rss = benchRSS(t, b, 5)
	r.scale = benchScale(t, b, 100)
	r.systemd = benchSystemd(t, b, r.rounds)
	r.echod = benchEchod(t, b, r.rounds)
	r.wrap = benchWrap(t, b, r.rounds)
	r.supervise = benchSupervise(t, b, r.rounds, 5)
	out := os.Getenv("SVC_BENCH_OUT")
	if out == "" {
		out = filepath.Join(t.TempDir(), "BENCHMARKS.md")
	}
	if err := os.WriteFile(out, []byte(r.markdown()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s\n%s", out, r.markdown())
}

// startContender launches a daemon on inst and returns once the launcher
// command itself has returned (not necessarily ready).
type startContender struct {
	name  string
	argv  func(inst instance) []string
	stop  func(inst instance) []string
	floor bool // not a daemon: time the process itself
}

func startContenders(b bins) []startContender {
	sdd := "start-stop-daemon"
	sddStop := func(inst instance) []string {
		return []string{sdd, "--stop", "--retry", "TERM/10/KILL/5", "--pidfile", inst.pidfile, "--remove-pidfile", "--exec", b.svc}
	}
	svcStop := func(bin string) func(instance) []string {
		return func(inst instance) []string { return []string{bin, "stop", "--classic", "--pidfile", inst.pidfile} }
	}
	return []startContender{
		{name: "svc start --classic (cgo prestart)", argv: func(i instance) []string {
			return []string{b.svc, "start", "--classic", "--pidfile", i.pidfile, "--listen", i.addr}
		}, stop: svcStop(b.svc)},
		{name: "svc start --classic (pure Go)", argv: func(i instance) []string {
			return []string{b.svcPure, "start", "--classic", "--pidfile", i.pidfile, "--listen", i.addr}
		}, stop: svcStop(b.svcPure)},
		{name: "start-stop-daemon --notify-await + svc run", argv: func(i instance) []string {
			return []string{sdd, "--start", "--background", "--notify-await", "--make-pidfile", "--pidfile", i.pidfile,
				"--exec", b.svc, "--", "run", "--listen", i.addr}
		}, stop: sddStop},
		{name: "start-stop-daemon --background + svc run", argv: func(i instance) []string {
			return []string{sdd, "--start", "--background", "--make-pidfile", "--pidfile", i.pidfile,
				"--exec", b.svc, "--", "run", "--listen", i.addr}
		}, stop: sddStop},
		{name: "daemonize + svc run", argv: func(i instance) []string {
			return []string{"daemonize", "-p", i.pidfile, "-c", "/", b.svc, "run", "--listen", i.addr}
		}, stop: sddStop},
		{name: "floor: fork+exec static C binary", floor: true, argv: func(instance) []string { return []string{b.static} }},
		{name: "floor: fork+exec trivial Go binary", floor: true, argv: func(instance) []string { return []string{b.hello} }},
	}
}

// benchStart times each contender from spawn until /healthz answers 200.
func benchStart(t *testing.T, b bins, rounds int) []*series {
	cs := startContenders(b)
	out := make([]*series, len(cs))
	runs := make([]func() time.Duration, len(cs))
	for i, c := range cs {
		out[i] = &series{name: c.name}
		runs[i] = func() time.Duration {
			if c.floor {
				return timed(t, c.argv(instance{})...)
			}
			return startToHealthy(t, c, newInstance(t))
		}
	}
	interleave(rounds, runs, out)
	return out
}

// startToHealthy times c's start of inst until its /healthz answers 200,
// then stops it (untimed).
func startToHealthy(t *testing.T, c startContender, inst instance) time.Duration {
	t0 := time.Now()
	run(t, c.argv(inst)...)
	waitHealthy(t, inst.addr, 10*time.Second)
	d := time.Since(t0)
	run(t, c.stop(inst)...)
	return d
}

// stopResult is one stop contender: how long the stop command took, and how
// long after the daemon's actual exit it returned.
type stopResult struct {
	name             string
	latency, overrun series
}

func benchStop(t *testing.T, b bins, rounds int) []*stopResult {
	cs := startContenders(b)
	svcC, sddC := cs[0], cs[3]
	var res []*stopResult
	var runs []func() time.Duration
	for _, delay := range []string{"0s", "300ms"} {
		for _, c := range []startContender{svcC, sddC} {
			sr := &stopResult{name: fmt.Sprintf("%s, daemon exits after %s", stopName(c), delay)}
			res = append(res, sr)
			runs = append(runs, func() time.Duration {
				inst := newInstance(t)
				argv := append(c.argv(inst), "--shutdown-delay", delay)
				run(t, argv...)
				waitHealthy(t, inst.addr, 10*time.Second)
				pid := readPID(t, inst.pidfile)
				exited := watchExit(t, pid)
				t0 := time.Now()
				run(t, c.stop(inst)...)
				t1 := time.Now()
				te := <-exited
				sr.overrun.add(t1.Sub(te))
				return t1.Sub(t0)
			})
		}
	}
	lat := make([]*series, len(res))
	for i, r := range res {
		lat[i] = &r.latency
	}
	interleave(rounds, runs, lat)
	return res
}

func stopName(c startContender) string {
	if strings.HasPrefix(c.name, "svc") {
		return "svc stop --classic"
	}
	return "start-stop-daemon --stop --retry"
}

// watchExit reports when pid exits (turns zombie or vanishes), seen through
// a pidfd, the moment the kernel knows.
func watchExit(t *testing.T, pid int) <-chan time.Time {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	ch := make(chan time.Time, 1)
	go func() {
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err != unix.EINTR {
				break
			}
		}
		ch <- time.Now()
	}()
	return ch
}
