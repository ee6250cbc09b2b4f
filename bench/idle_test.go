package bench

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// idlePause is the idleness before each measured call of benchIdle. After
// an idle moment a read of /proc/locks cost 5–14 ms on this kernel,
// against 0.1 ms warm (issue 10); back-to-back runs hide that.
const idlePause = 250 * time.Millisecond

// idleResult is status, stop and start, each measured after idlePause,
// interleaved; the last series of each is start-stop-daemon, the anchor.
type idleResult struct {
	status, stop, start []*series
}

// idleTarget is issue 10's bound on svc (cgo) / start-stop-daemon.
var idleTarget = map[string]string{"status": "1.50x", "stop": "0.50x", "start": "1.00x"}

func benchIdle(t *testing.T, b bins, rounds int) *idleResult {
	return &idleResult{
		status: idleStatus(t, b, rounds),
		stop:   idleStop(t, b, rounds),
		start:  idleStart(t, b, rounds),
	}
}

// idleStatus asks each contender about a running daemon: each svc build
// about its own (a daemon proves to be ours only to the program it
// runs), start-stop-daemon about the cgo build's.
func idleStatus(t *testing.T, b bins, rounds int) []*series {
	cs := startContenders(b)
	var pidfiles []string
	for _, c := range cs[:2] {
		inst := newInstance(t)
		run(t, c.argv(inst)...)
		waitHealthy(t, inst.addr, 10*time.Second)
		defer run(t, c.stop(inst)...)
		pidfiles = append(pidfiles, inst.pidfile)
	}
	argvs := [][]string{
		{b.svc, "status", "--classic", "--pidfile", pidfiles[0]},
		{b.svcPure, "status", "--classic", "--pidfile", pidfiles[1]},
		{"start-stop-daemon", "--status", "--pidfile", pidfiles[0]},
	}
	out := []*series{{name: "svc status --classic (cgo prestart)"}, {name: "svc status --classic (pure Go)"},
		{name: "start-stop-daemon --status --pidfile"}}
	runs := make([]func() time.Duration, len(argvs))
	for i, argv := range argvs {
		runs[i] = func() time.Duration {
			time.Sleep(idlePause)
			return timed(t, argv...)
		}
	}
	interleave(rounds, runs, out)
	return out
}

// idleStop starts a daemon the contender's way, lets the machine idle,
// and times the stop command.
func idleStop(t *testing.T, b bins, rounds int) []*series {
	cs := startContenders(b)
	type contender struct {
		start, stop startContender
		name        string
	}
	contenders := []contender{
		{cs[0], cs[0], "svc stop --classic (cgo prestart)"},
		{cs[1], cs[1], "svc stop --classic (pure Go)"},
		{cs[3], cs[3], "start-stop-daemon --stop --retry TERM/10/KILL/5"},
	}
	out := make([]*series, len(contenders))
	runs := make([]func() time.Duration, len(contenders))
	for i, c := range contenders {
		out[i] = &series{name: c.name}
		runs[i] = func() time.Duration {
			inst := newInstance(t)
			run(t, c.start.argv(inst)...)
			waitHealthy(t, inst.addr, 10*time.Second)
			readPID(t, inst.pidfile)
			time.Sleep(idlePause)
			return timed(t, c.stop.stop(inst)...)
		}
	}
	interleave(rounds, runs, out)
	return out
}

// idleStart times spawn-to-healthy after an idle pause.
func idleStart(t *testing.T, b bins, rounds int) []*series {
	cs := startContenders(b)
	picked := []startContender{cs[0], cs[1], cs[2]}
	out := make([]*series, len(picked))
	runs := make([]func() time.Duration, len(picked))
	for i, c := range picked {
		out[i] = &series{name: c.name}
		runs[i] = func() time.Duration {
			inst := newInstance(t)
			time.Sleep(idlePause)
			return startToHealthy(t, c, inst)
		}
	}
	interleave(rounds, runs, out)
	return out
}

func (r *idleResult) markdown() string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	w("Each measured command runs after %v of idleness (a cold /proc/locks read costs milliseconds, see issue 10); "+
		"interleaved like the rest. Back-to-back figures are the sections above.\n", idlePause)
	for _, part := range []struct {
		verb string
		s    []*series
	}{{"status", r.status}, {"stop", r.stop}, {"start", r.start}} {
		anchor := part.s[len(part.s)-1]
		w("\n### %s after an idle pause\n\n| contender | median | min – max | ratio to start-stop-daemon |\n|---|---:|---:|---:|\n", part.verb)
		for _, s := range part.s {
			lo, hi := minMax(s.samples)
			w("| %s | %s | %s – %s | %s |\n", s.name, ms(s.median()), ms(lo), ms(hi), ratio(s.median(), anchor.median()))
		}
		w("\nsvc %s --classic (cgo) / %s: **%s** (target <= %s)\n", part.verb, anchor.name,
			ratio(part.s[0].median(), anchor.median()), idleTarget[part.verb])
	}
	return b.String()
}

// TestBenchIdle runs only the idle-pause section (SVC_BENCH_IDLE=1), for
// a quick look without the whole of make bench.
func TestBenchIdle(t *testing.T) {
	if os.Getenv("SVC_BENCH_IDLE") == "" {
		t.Skip("runs with SVC_BENCH_IDLE=1; make bench runs it inside TestBenchmarks")
	}
	if _, err := exec.LookPath("start-stop-daemon"); err != nil {
		t.Skip("start-stop-daemon not installed (make bench installs it)")
	}
	r := benchIdle(t, build(t), rounds())
	t.Logf("\n%s", r.markdown())
}
