//go:build cgo

package prestart

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
	"golang.org/x/sys/unix"
)

const startStopDaemon = "/usr/sbin/start-stop-daemon"

// contender is one way to reach "daemon ready": start returns when it is.
type contender struct {
	name        string
	start, stop []string
	samples     []time.Duration
}

// contenders are the cgo build (this package's C launcher), the pure-Go
// build, and start-stop-daemon --notify-await starting `svc run` (systemd
// mode: READY=1 goes to its NOTIFY_SOCKET) from either build. Each has
// its own pidfile and port in dir.
func contenders(b *testing.B, dir string) []*contender {
	cgo, purego := svcBinary(b, true), svcBinary(b, false)
	cs := []*contender{svcContender(b, "cgo", cgo, dir), svcContender(b, "purego", purego, dir)}
	if _, err := exec.LookPath(startStopDaemon); err != nil {
		b.Logf("no %s: only svc measured", startStopDaemon)
		return cs
	}
	for _, s := range []struct{ name, bin string }{{"start-stop-daemon", purego}, {"start-stop-daemon-cgobin", cgo}} {
		pf := filepath.Join(dir, s.name+".pid")
		cs = append(cs, &contender{
			name: s.name,
			start: []string{startStopDaemon, "--start", "--background", "--notify-await", "--make-pidfile",
				"--pidfile", pf, "--exec", s.bin, "--", "run", "--listen", proctest.FreeAddr(b)},
			stop: []string{startStopDaemon, "--stop", "--pidfile", pf, "--exec", s.bin, "--retry", "TERM/5", "--remove-pidfile"},
		})
	}
	return cs
}

func svcContender(b *testing.B, name, bin, dir string) *contender {
	pf := filepath.Join(dir, name+".pid")
	return &contender{
		name:  name,
		start: []string{bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(b)},
		stop:  []string{bin, "stop", "--classic", "--pidfile", pf},
	}
}

// once starts the contender's daemon, timed, and stops it, untimed.
func (c *contender) once(b *testing.B) time.Duration {
	t0 := time.Now()
	if out, err := exec.Command(c.start[0], c.start[1:]...).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", c.start, err, out)
	}
	d := time.Since(t0)
	if out, err := exec.Command(c.stop[0], c.stop[1:]...).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", c.stop, err, out)
	}
	c.samples = append(c.samples, d)
	return d
}

func (c *contender) median() time.Duration {
	s := slices.Clone(c.samples)
	slices.Sort(s)
	return s[len(s)/2]
}

// benchSetUp applies the measuring conditions: ulimit -n 1024 (start-stop-
// daemon closes every descriptor up to the limit; Go raises its own soft
// limit to the hard one, and would hand children the raised value unless
// told otherwise) and a built pair of binaries.
func benchSetUp(b *testing.B) string {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	lim.Cur = min(1024, lim.Max)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	svcBinary(b, true)
	svcBinary(b, false)
	return privateDir(b)
}

// BenchmarkStartReady times each contender alone, start to ready (ns/op
// includes only the start), and reports the median. Zombies of stopped
// daemons linger here (PID 1 reaps late); run under a prompt reaper:
//
//	tini -s -- go test -run '^$' -bench StartReady -benchtime 50x ./classic/prestart
func BenchmarkStartReady(b *testing.B) {
	dir := benchSetUp(b)
	for _, c := range contenders(b, dir) {
		b.Run(c.name, func(b *testing.B) {
			c.samples = nil
			c.once(b) // warm the page cache
			c.samples = nil
			b.ResetTimer()
			var total time.Duration
			for range b.N {
				total += c.once(b)
			}
			b.StopTimer()
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms-mean")
			b.ReportMetric(float64(c.median().Microseconds())/1e3, "ms-median")
		})
	}
}

// BenchmarkStartReadyInterleaved runs every contender once per iteration,
// in an order rotated each time, so that a slow phase of the machine hits
// them alike, and reports their medians and ratios to start-stop-daemon
// (the faster of its two daemon binaries).
func BenchmarkStartReadyInterleaved(b *testing.B) {
	dir := benchSetUp(b)
	cs := contenders(b, dir)
	for _, c := range cs {
		c.once(b)
		c.samples = nil
	}
	b.ResetTimer()
	rounds := make([][]time.Duration, b.N)
	for i := range b.N {
		rounds[i] = make([]time.Duration, len(cs))
		for j := range cs {
			k := (i + j) % len(cs)
			rounds[i][k] = cs[k].once(b)
		}
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	var anchor time.Duration
	for _, c := range cs {
		m := c.median()
		b.ReportMetric(float64(m.Microseconds())/1e3, "ms-"+c.name)
		if len(c.name) > 17 && c.name[:17] == "start-stop-daemon" && (anchor == 0 || m < anchor) {
			anchor = m
		}
	}
	for _, c := range cs[:2] {
		if anchor > 0 {
			b.ReportMetric(float64(c.median())/float64(anchor), "x-"+c.name)
		}
	}
	if len(cs) > 2 {
		// Paired: the same round's cgo over start-stop-daemon, which
		// cancels drift that spans a round.
		ratios := make([]float64, len(rounds))
		for i, r := range rounds {
			ratios[i] = float64(r[0]) / float64(r[2])
		}
		slices.Sort(ratios)
		b.ReportMetric(ratios[len(ratios)/2], "x-cgo-paired")
	}
	b.Log(summary(cs))
}

func summary(cs []*contender) string {
	s := ""
	for _, c := range cs {
		q := slices.Clone(c.samples)
		slices.Sort(q)
		s += fmt.Sprintf("\n%-26s median %7.2f ms  p10 %7.2f ms  min %7.2f ms  (%d runs)", c.name,
			ms(q[len(q)/2]), ms(q[len(q)/10]), ms(q[0]), len(q))
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
