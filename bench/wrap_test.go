package bench

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// wrapResult is the start-to-ready race of a program that knows nothing
// of svc (barehttp, and svc run as an sd_notify speaker), wrapped by svc
// start --classic and by the anchors, and how often each start command
// returned with the program already answering.
type wrapResult struct {
	start         []*series
	readyAtReturn []int
	rounds        int
}

// probeLoop is what an operator writes around start-stop-daemon
// --background or daemonize today: a wait-for-it loop on bash's
// /dev/tcp, polling every 10 ms (wait-for-it.sh itself sleeps a second).
const probeLoop = `until (exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR##*:}") 2>/dev/null; do sleep 0.01; done`

func benchWrap(t *testing.T, b bins, rounds int) *wrapResult {
	sdd := "start-stop-daemon"
	type contender struct {
		name       string
		start, stp func(instance) []string
	}
	sddStop := func(bin string) func(instance) []string {
		return func(i instance) []string {
			return []string{sdd, "--stop", "--retry", "TERM/10/KILL/5", "--pidfile", i.pidfile, "--remove-pidfile", "--exec", bin}
		}
	}
	svcStop := func(bin string) func(instance) []string {
		return func(i instance) []string {
			return []string{b.svc, "stop", "--classic", "--pidfile", i.pidfile, "--exec", bin}
		}
	}
	shell := func(i instance, argv ...string) []string {
		return append([]string{"env", "ADDR=" + i.addr, "bash", "-c", `"$@" && ` + probeLoop, "_"}, argv...)
	}
	cs := []contender{
		{name: "svc start --classic --ready tcp:A -- barehttp A", start: func(i instance) []string {
			return []string{b.svc, "start", "--classic", "--pidfile", i.pidfile, "--ready", "tcp:" + i.addr, "--", b.bare, i.addr}
		}, stp: svcStop(b.bare)},
		{name: "svc start --classic --ready http:URL -- barehttp A", start: func(i instance) []string {
			return []string{b.svc, "start", "--classic", "--pidfile", i.pidfile, "--ready", "http:http://" + i.addr + "/healthz", "--", b.bare, i.addr}
		}, stp: svcStop(b.bare)},
		{name: "start-stop-daemon --background + probe loop", start: func(i instance) []string {
			return shell(i, sdd, "--start", "--background", "--make-pidfile", "--pidfile", i.pidfile, "--exec", b.bare, "--", i.addr)
		}, stp: sddStop(b.bare)},
		{name: "daemonize + probe loop", start: func(i instance) []string {
			return shell(i, "daemonize", "-p", i.pidfile, "-c", "/", b.bare, i.addr)
		}, stp: sddStop(b.bare)},
		{name: "start-stop-daemon --background alone (returns early)", start: func(i instance) []string {
			return []string{sdd, "--start", "--background", "--make-pidfile", "--pidfile", i.pidfile, "--exec", b.bare, "--", i.addr}
		}, stp: sddStop(b.bare)},
		{name: "svc start --classic --ready notify -- svc run (notify speaker)", start: func(i instance) []string {
			return []string{b.svc, "start", "--classic", "--pidfile", i.pidfile, "--ready", "notify", "--", b.svcPure, "run", "--listen", i.addr}
		}, stp: svcStop(b.svcPure)},
		{name: "start-stop-daemon --notify-await -- svc run (notify speaker)", start: func(i instance) []string {
			return []string{sdd, "--start", "--background", "--notify-await", "--make-pidfile", "--pidfile", i.pidfile,
				"--exec", b.svcPure, "--", "run", "--listen", i.addr}
		}, stp: sddStop(b.svcPure)},
	}
	r := &wrapResult{readyAtReturn: make([]int, len(cs)), rounds: rounds}
	runs := make([]func() time.Duration, len(cs))
	quick := &http.Client{Timeout: 50 * time.Millisecond}
	for i, c := range cs {
		r.start = append(r.start, &series{name: c.name})
		runs[i] = func() time.Duration {
			inst := newInstance(t)
			t0 := time.Now()
			run(t, c.start(inst)...)
			d := time.Since(t0)
			if resp, err := quick.Get("http://" + inst.addr + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					r.readyAtReturn[i]++
				}
			}
			waitHealthy(t, inst.addr, 10*time.Second)
			d = max(d, time.Since(t0)) // a contender that returned early is charged for the wait
			run(t, c.stp(inst)...)
			return d
		}
	}
	interleave(rounds, runs, r.start)
	return r
}

func (r *wrapResult) markdown() string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	w("A program that knows nothing of svc: `barehttp ADDR` (a bare Go net/http server), and `svc run` as a program that speaks sd_notify. ")
	w("From spawning the start command until `GET /healthz` answers 200; *ready at return* counts the rounds in which the service answered the moment the start command returned. ")
	w("The probe loop is a wait-for-it loop on bash's /dev/tcp polling every 10 ms.\n\n")
	w("| contender | median | min – max | ratio to svc --ready tcp | ready at return |\n|---|---:|---:|---:|---:|\n")
	base := r.start[0].median()
	for i, s := range r.start {
		lo, hi := minMax(s.samples)
		w("| %s | %s | %s – %s | %s | %d/%d |\n", s.name, ms(s.median()), ms(lo), ms(hi), ratio(s.median(), base), r.readyAtReturn[i], r.rounds)
	}
	w("\nsvc --ready tcp / start-stop-daemon --background + probe loop: **%s** (target <= 1.00x); ", ratio(r.start[0].median(), r.start[2].median()))
	w("svc --ready notify / start-stop-daemon --notify-await: **%s** (target <= 1.00x)\n", ratio(r.start[5].median(), r.start[6].median()))
	return b.String()
}

// TestBenchWrap runs this section alone: SVC_BENCH=wrap.
func TestBenchWrap(t *testing.T) {
	if os.Getenv("SVC_BENCH") != "wrap" {
		t.Skip("SVC_BENCH=wrap runs the wrapped-program section alone")
	}
	t.Logf("\n%s", benchWrap(t, build(t), rounds()).markdown())
}
