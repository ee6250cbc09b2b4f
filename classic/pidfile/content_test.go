package pidfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPIDContentRoundTrip(t *testing.T) {
	for _, pid := range []int{1, 42, 4194304, 1<<31 - 1} {
		b := formatContent(pid)
		if want := fmt.Sprintf("%d\n", pid); string(b) != want {
			t.Errorf("formatContent(%d) = %q, want %q", pid, b, want)
		}
		got, err := parseContent(b)
		if err != nil || got != pid {
			t.Errorf("parseContent(%q) = %d, %v; want %d", b, got, err, pid)
		}
	}
}

func TestParsePIDContent(t *testing.T) {
	good := map[string]int{"1": 1, "42\n": 42, "123456\n": 123456}
	for in, want := range good {
		if got, err := parseContent([]byte(in)); err != nil || got != want {
			t.Errorf("parseContent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := []string{
		"", "\n", "0\n", "-1\n", "+42\n", "042\n", " 42\n", "42 \n", "42\n\n",
		"42\r\n", "4 2", "abc", "42abc", "2147483648\n", "1\x00", "\xff\n",
		strings.Repeat("1", maxContent+1),
	}
	for _, in := range bad {
		if got, err := parseContent([]byte(in)); err == nil {
			t.Errorf("parseContent(%q) = %d, want an error", in, got)
		}
	}
}

func FuzzParsePIDContent(f *testing.F) {
	for _, s := range []string{"42\n", "", "0", "+1", "99999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pid, err := parseContent(b)
		if err != nil {
			return
		}
		// Whatever parses is exactly what Create writes, bar the newline.
		if again := string(formatContent(pid)); again != string(b) && again != string(b)+"\n" {
			t.Fatalf("parseContent(%q) = %d, which formats as %q", b, pid, again)
		}
	})
}

func TestStateCodes(t *testing.T) {
	tests := []struct {
		s    State
		lsb  int
		name string
	}{
		{Running, 0, "running"}, {Dead, 1, "dead"}, {Stopped, 3, "stopped"},
		{Unknown, 4, "unknown"}, {State(99), 4, "unknown"},
	}
	for _, tt := range tests {
		if tt.s.LSB() != tt.lsb || tt.s.String() != tt.name {
			t.Errorf("State(%d): LSB %d, %q; want %d, %q", int(tt.s), tt.s.LSB(), tt.s, tt.lsb, tt.name)
		}
	}
	var zero Info
	if zero.State != Unknown {
		t.Errorf("zero Info has state %v, want unknown", zero.State)
	}
}

func TestRunningError(t *testing.T) {
	var err error = fmt.Errorf("start: %w", &RunningError{Path: "/run/x.pid", PID: 42})
	var re *RunningError
	if !errors.Is(err, ErrRunning) || !errors.As(err, &re) || re.PID != 42 {
		t.Fatalf("%v: not a RunningError for pid 42", err)
	}
	if want := "pidfile /run/x.pid: already running as pid 42"; re.Error() != want {
		t.Errorf("Error() = %q, want %q", re.Error(), want)
	}
}
