//go:build cgo

package prestart

import (
	"math"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/classic"
)

// The C launcher must read --timeout as flag.Duration does: same value,
// same refusals (a refusal leaves argv to Go).
var durations = []string{
	"0", "-0", "+0", "1s", "500ms", "30s", "1m30s", "1.5s", ".5s", "1.s", "1h2m3.5s", "-1s", "+2m",
	"1ns", "1us", "1µs", "1μs", "1.000000001s", "0.3333333333333333333333h", "9223372036854775807ns",
	"9223372036854775808ns", "-9223372036854775808ns", "2562047h47m16.854775807s", "2562048h",
	"1.00000000000000000000000000001s", "100000000000000000000s",
	"", "-", ".", "s", "1", "10", "1x", "1 s", " 1s", "1s ", "1.2.3s", "1e3s", "0x10s", "1S", "1sec", "--1s", "1ss",
}

func TestParseDurationAsGo(t *testing.T) {
	for _, s := range durations {
		want, werr := time.ParseDuration(s)
		got, ok := parseDuration(s)
		if ok != (werr == nil) || (ok && got != want) {
			t.Errorf("parse %q: C %v (ok %v), Go %v (%v)", s, int64(got), ok, int64(want), werr)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range durations {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, 0) {
			return // argv strings cannot hold NUL
		}
		want, werr := time.ParseDuration(s)
		got, ok := parseDuration(s)
		if ok != (werr == nil) || (ok && got != want) {
			t.Errorf("parse %q: C %v (ok %v), Go %v (%v)", s, int64(got), ok, int64(want), werr)
		}
	})
}

// The timeout message prints the duration as Go does ("not ready after 1m30s").
func TestFormatDurationAsGo(t *testing.T) {
	ds := []time.Duration{0, 1, 999, 1000, 1001, 1500, 999999, time.Millisecond, 1234567, 250 * time.Millisecond,
		time.Second, 1500 * time.Millisecond, 30 * time.Second, 90 * time.Second, time.Hour, 36*time.Hour + 1,
		classic.DefaultTimeout, math.MaxInt64}
	for _, d := range ds {
		if got, want := formatDuration(d), d.String(); got != want {
			t.Errorf("format %d: C %q, Go %q", int64(d), got, want)
		}
	}
}

func FuzzFormatDuration(f *testing.F) {
	f.Add(int64(1500 * time.Millisecond))
	f.Fuzz(func(t *testing.T, ns int64) {
		if ns < 0 {
			ns = -(ns + 1)
		}
		if got, want := formatDuration(time.Duration(ns)), time.Duration(ns).String(); got != want {
			t.Errorf("format %d: C %q, Go %q", ns, got, want)
		}
	})
}

// STATUS= with ERRNO= and "killed by signal N (name)" read as in Go.
func TestErrnoTextAsGo(t *testing.T) {
	for n := 1; n < 300; n++ {
		if got, want := errnoText(n), syscall.Errno(n).Error(); got != want {
			t.Errorf("errno %d: C %q, Go %q", n, got, want)
		}
	}
}

func TestSignalTextAsGo(t *testing.T) {
	for n := 1; n < 80; n++ {
		if got, want := signalText(n), syscall.Signal(n).String(); got != want {
			t.Errorf("signal %d: C %q, Go %q", n, got, want)
		}
	}
}

func TestHandoffEnvIsClassics(t *testing.T) {
	if handoffEnv != classic.HandoffEnv {
		t.Fatalf("handoffEnv %q, classic.HandoffEnv %q", handoffEnv, classic.HandoffEnv)
	}
}
