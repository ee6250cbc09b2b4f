package bench

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
)

// series collects the samples of one contender.
type series struct {
	name    string
	samples []time.Duration
}

func (s *series) add(d time.Duration) { s.samples = append(s.samples, d) }

func (s *series) median() time.Duration { return quantile(s.samples, 0.5) }

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	c := slices.Clone(ds)
	slices.Sort(c)
	return c[int(q*float64(len(c)-1)+0.5)]
}

func minMax(ds []time.Duration) (time.Duration, time.Duration) {
	return slices.Min(ds), slices.Max(ds)
}

// interleave runs each contender once per round, in a rotated order, so that
// a slow phase of the machine hits every contender alike.
func interleave(rounds int, run []func() time.Duration, out []*series) {
	for r := 0; r < rounds; r++ {
		off := r % len(run)
		for i := range run {
			j := (i + off) % len(run)
			out[j].add(run[j]())
		}
	}
}

// instance is one daemon's coordinates.
type instance struct {
	dir     string
	addr    string
	pidfile string
}

func newInstance(t testing.TB) instance {
	dir, err := os.MkdirTemp(benchRoot(t), "d")
	if err != nil {
		t.Fatal(err)
	}
	return instance{dir: dir, addr: proctest.FreeAddr(t), pidfile: filepath.Join(dir, "svc.pid")}
}

var root string

// benchRoot is a private 0755 dir: pidfile dirs must not be world-writable.
func benchRoot(t testing.TB) string {
	if root == "" {
		d, err := os.MkdirTemp("", "svc-bench-")
		if err != nil {
			t.Fatal(err)
		}
		os.Chmod(d, 0o755)
		root = d
	}
	return root
}

var client = &http.Client{Timeout: 200 * time.Millisecond}

// waitHealthy polls GET /healthz until it answers 200: the moment a client
// can use the service, whatever the contender claims.
func waitHealthy(t testing.TB, addr string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy after %v: %v", addr, limit, err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func run(t testing.TB, argv ...string) {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

// timed runs argv to completion and returns how long it took.
func timed(t testing.TB, argv ...string) time.Duration {
	t.Helper()
	t0 := time.Now()
	run(t, argv...)
	return time.Since(t0)
}

func readPID(t testing.TB, path string) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pidfile %s: %v", path, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func shuffle[T any](s []T) { rand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] }) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func ratio(a, b time.Duration) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", float64(a)/float64(b))
}
