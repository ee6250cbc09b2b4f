package classic

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPIDContentRoundTrip(t *testing.T) {
	for _, pid := range []int{1, 42, 4194304, 1<<31 - 1} {
		b := formatPIDContent(pid)
		if want := fmt.Sprintf("%d\n", pid); string(b) != want {
			t.Errorf("formatPIDContent(%d) = %q, want %q", pid, b, want)
		}
		got, err := parsePIDContent(b)
		if err != nil || got != pid {
			t.Errorf("parsePIDContent(%q) = %d, %v; want %d", b, got, err, pid)
		}
	}
}

func TestParsePIDContent(t *testing.T) {
	good := map[string]int{"1": 1, "42\n": 42, "123456\n": 123456}
	for in, want := range good {
		if got, err := parsePIDContent([]byte(in)); err != nil || got != want {
			t.Errorf("parsePIDContent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := []string{
		"", "\n", "0\n", "-1\n", "+42\n", "042\n", " 42\n", "42 \n", "42\n\n",
		"42\r\n", "4 2", "abc", "42abc", "2147483648\n", "1\x00", "\xff\n",
		strings.Repeat("1", maxPIDContent+1),
	}
	for _, in := range bad {
		if got, err := parsePIDContent([]byte(in)); err == nil {
			t.Errorf("parsePIDContent(%q) = %d, want an error", in, got)
		}
	}
}

func FuzzParsePIDContent(f *testing.F) {
	for _, s := range []string{"42\n", "", "0", "+1", "99999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pid, err := parsePIDContent(b)
		if err != nil {
			return
		}
		// Whatever parses is exactly what Create writes, bar the newline.
		if again := string(formatPIDContent(pid)); again != string(b) && again != string(b)+"\n" {
			t.Fatalf("parsePIDContent(%q) = %d, which formats as %q", b, pid, again)
		}
	})
}

func TestParseLocksLine(t *testing.T) {
	tests := []struct {
		line string
		want lockEntry
	}{
		{"1: FLOCK  ADVISORY  WRITE 4242 fe:00:9978243 0 EOF",
			lockEntry{class: "FLOCK", write: true, pid: 4242, major: 0xfe, minor: 0, ino: 9978243}},
		{"2: -> FLOCK  ADVISORY  WRITE 4343 fe:00:9978243 0 EOF",
			lockEntry{class: "FLOCK", waiting: true, write: true, pid: 4343, major: 0xfe, ino: 9978243}},
		{"3: FLOCK  ADVISORY  READ 7 00:1a:12 0 EOF",
			lockEntry{class: "FLOCK", pid: 7, minor: 0x1a, ino: 12}},
		{"4: POSIX  ADVISORY  WRITE 9 103:1f5:77 0 100",
			lockEntry{class: "POSIX", write: true, pid: 9, major: 0x103, minor: 0x1f5, ino: 77}},
		{"5: OFDLCK ADVISORY  READ  -1 00:06:9 0 EOF",
			lockEntry{class: "OFDLCK", pid: -1, minor: 6, ino: 9}},
	}
	for _, tt := range tests {
		got, ok := parseLocksLine(tt.line)
		if !ok || got != tt.want {
			t.Errorf("parseLocksLine(%q) = %+v, %v; want %+v", tt.line, got, ok, tt.want)
		}
	}
	for _, line := range []string{"", "1:", "1: FLOCK ADVISORY WRITE x fe:00:1 0 EOF",
		"1: FLOCK ADVISORY WRITE 1 fe:00 0 EOF", "1: FLOCK ADVISORY WRITE 1 zz:00:1 0 EOF"} {
		if got, ok := parseLocksLine(line); ok {
			t.Errorf("parseLocksLine(%q) = %+v, want not ok", line, got)
		}
	}
}

func TestFlockHolders(t *testing.T) {
	locks := strings.Join([]string{
		"1: POSIX  ADVISORY  WRITE 10 fe:00:100 0 EOF",    // not a flock
		"2: FLOCK  ADVISORY  WRITE 11 fe:00:100 0 EOF",    // the holder
		"2: -> FLOCK  ADVISORY  WRITE 12 fe:00:100 0 EOF", // waits
		"3: FLOCK  ADVISORY  READ  13 fe:00:100 0 EOF",    // a probe's LOCK_SH
		"4: FLOCK  ADVISORY  WRITE 14 fe:01:100 0 EOF",    // other device
		"5: FLOCK  ADVISORY  WRITE 15 fe:00:101 0 EOF",    // other inode
		"garbage",
	}, "\n")
	got := flockHolders([]byte(locks), 0xfe, 0, 100)
	if len(got) != 1 || got[0] != 11 {
		t.Errorf("flockHolders = %v, want [11]", got)
	}
	if got := flockHolders([]byte(locks), 0xfe, 0, 999); len(got) != 0 {
		t.Errorf("flockHolders of an unlocked inode = %v, want none", got)
	}
}

func TestParseProcState(t *testing.T) {
	tests := map[string]byte{
		"42 (sleep) S 1 42 42 0": 'S',
		"43 (a) b) (c) Z 1 2 3":  'Z',
		"44 (x y) R 1":           'R',
	}
	for in, want := range tests {
		if got, err := parseProcState([]byte(in)); err != nil || got != want {
			t.Errorf("parseProcState(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "42 (sleep", "42 (sleep)", "42 (sleep)S"} {
		if got, err := parseProcState([]byte(in)); err == nil {
			t.Errorf("parseProcState(%q) = %q, want an error", in, got)
		}
	}
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
	if want := "classic: pidfile /run/x.pid: already running as pid 42"; re.Error() != want {
		t.Errorf("Error() = %q, want %q", re.Error(), want)
	}
}
