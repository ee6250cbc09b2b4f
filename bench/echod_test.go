package bench

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// echodResult is the start-to-ready race of examples/echod, a program of
// its own on package cli (its own --addr flag), and the lines of wiring
// it takes next to kardianos/service's Control.
type echodResult struct {
	start                      []*series
	echodLines, kardianosLines lineCount
}

// lineCount is a Go file's code lines (not blank, not comment-only), and
// those outside its serve function: the wiring.
type lineCount struct{ code, wiring int }

func benchEchod(t *testing.T, b bins, rounds int) *echodResult {
	sdd := "start-stop-daemon"
	type contender struct {
		name       string
		start, stp func(instance) []string
	}
	classic := func(bin string) contender {
		return contender{start: func(i instance) []string {
			return []string{bin, "start", "--classic", "--pidfile", i.pidfile, "--addr", i.addr}
		}, stp: func(i instance) []string { return []string{bin, "stop", "--classic", "--pidfile", i.pidfile} }}
	}
	cgo, pure := classic(b.echod), classic(b.echodPure)
	cgo.name, pure.name = "echod start --classic --addr A (cgo build)", "echod start --classic --addr A (pure Go)"
	cs := []contender{cgo, pure, {
		name: "start-stop-daemon --notify-await + echod run --addr A",
		start: func(i instance) []string {
			return []string{sdd, "--start", "--background", "--notify-await", "--make-pidfile", "--pidfile", i.pidfile,
				"--exec", b.echod, "--", "run", "--addr", i.addr}
		},
		stp: func(i instance) []string {
			return []string{sdd, "--stop", "--retry", "TERM/10/KILL/5", "--pidfile", i.pidfile, "--remove-pidfile", "--exec", b.echod}
		},
	}}
	r := &echodResult{}
	runs := make([]func() time.Duration, len(cs))
	for i, c := range cs {
		r.start = append(r.start, &series{name: c.name})
		runs[i] = func() time.Duration {
			inst := newInstance(t)
			t0 := time.Now()
			run(t, c.start(inst)...)
			waitEcho(t, inst.addr, 10*time.Second)
			d := time.Since(t0)
			run(t, c.stp(inst)...)
			return d
		}
	}
	interleave(rounds, runs, r.start)
	r.echodLines = countLines(t, filepath.Join("..", "examples", "echod", "main.go"))
	r.kardianosLines = countLines(t, filepath.Join("internal", "kardianosecho", "main.go"))
	return r
}

// waitEcho returns once a line sent to addr comes back.
func waitEcho(t testing.TB, addr string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.SetDeadline(time.Now().Add(limit))
			fmt.Fprintf(c, "ping\n")
			got, rerr := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if rerr == nil && got == "ping\n" {
				return
			}
			err = rerr
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not echo after %v: %v", addr, limit, err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// countLines counts path's code lines, and those outside `func serve`.
func countLines(t testing.TB, path string) lineCount {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var n lineCount
	inServe := false
	for _, l := range strings.Split(string(b), "\n") {
		s := strings.TrimSpace(l)
		if s == "" || strings.HasPrefix(s, "//") {
			continue
		}
		n.code++
		if strings.HasPrefix(l, "func serve(") {
			inServe = true
		}
		if !inServe {
			n.wiring++
		}
		if inServe && l == "}" {
			inServe = false
		}
	}
	return n
}

func (r *echodResult) markdown() string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	w("From spawning the start command until a line sent to `--addr` comes back.\n\n")
	w("| contender | median | min – max | ratio to echod (cgo) |\n|---|---:|---:|---:|\n")
	base := r.start[0].median()
	for _, s := range r.start {
		lo, hi := minMax(s.samples)
		w("| %s | %s | %s – %s | %s |\n", s.name, ms(s.median()), ms(lo), ms(hi), ratio(s.median(), base))
	}
	w("\nechod start --classic (cgo build) / start-stop-daemon --notify-await starting echod run: **%s** (target <= 1.00x)\n",
		ratio(base, r.start[2].median()))
	w("\nLines of the whole program (code lines: no blank or comment-only line), and its wiring (all but the `serve` function, " +
		"which is the same echo loop in both):\n\n")
	w("| program | code lines | wiring | verbs |\n|---|---:|---:|---|\n")
	w("| examples/echod (package cli) | %d | %d | run (readiness under systemd and classic), start/stop/restart/reload/status with --classic and through the init, install/uninstall with --addr carried, detect, version, help |\n",
		r.echodLines.code, r.echodLines.wiring)
	w("| bench/internal/kardianosecho (kardianos/service Control) | %d | %d | run, start, stop, restart, install, uninstall (no status, reload, readiness or classic daemon) |\n",
		r.kardianosLines.code, r.kardianosLines.wiring)
	return b.String()
}
