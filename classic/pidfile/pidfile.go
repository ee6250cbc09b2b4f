package pidfile

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
)

// Errors callers branch on, with errors.Is.
var (
	// ErrRunning: a live daemon holds the pidfile (see *RunningError).
	ErrRunning = errors.New("already running")
	// ErrNotRunning: no daemon holds the pidfile; there is nothing to signal.
	ErrNotRunning = errors.New("not running")
	// ErrForeign: the pidfile is locked, but the proof fails (another pid,
	// another program): it is not, or not provably, our daemon. It is
	// never signalled.
	ErrForeign = errors.New("held by a process that is not its daemon")
	// ErrUnsafe: the pidfile or its directory could be replaced or written
	// by another user, so nothing it says is believed.
	ErrUnsafe = errors.New("writable by others")
)

// AnyExe, passed as the expected executable, accepts a holder whatever
// it runs: for a wrapped script, which runs as its interpreter. The lock
// and the pid (proofs 1–3 of the package doc) then stand alone.
const AnyExe = "*"

// OtherProgramError says the pidfile's holder runs another program than
// the one expected (proof 4 of the package doc); it comes wrapped with
// ErrForeign.
type OtherProgramError struct {
	Runs, Want string // the holder's program, and the one expected
}

func (e *OtherProgramError) Error() string { return fmt.Sprintf("it runs %s, not %s", e.Runs, e.Want) }

// RunningError says a live daemon holds the pidfile Create was asked for.
type RunningError struct {
	Path string
	PID  int // the running daemon
}

func (e *RunningError) Error() string {
	return fmt.Sprintf("pidfile %s: already running as pid %d", e.Path, e.PID)
}

// Unwrap makes errors.Is(err, ErrRunning) true.
func (e *RunningError) Unwrap() error { return ErrRunning }

// State is what a pidfile says about its daemon. The zero value is Unknown,
// so an Info nobody filled in never claims a running daemon.
type State int

const (
	Unknown State = iota // cannot tell, or not provably ours
	Running              // proven: see the package doc
	Dead                 // the pidfile exists, but no daemon holds it
	Stopped              // no pidfile, or one its daemon emptied at exit
)

// LSB is the state's exit code for an init script's "status" action
// (LSB Core, "Init Script Actions").
func (s State) LSB() int {
	switch s {
	case Running:
		return 0
	case Dead:
		return 1
	case Stopped:
		return 3
	}
	return 4
}

func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Dead:
		return "dead"
	case Stopped:
		return "stopped"
	}
	return "unknown"
}

// Info is one look at a pidfile.
type Info struct {
	Path  string
	State State
	PID   int   // the pid the pidfile names; 0 if none could be read
	Err   error // why the state is Dead or Unknown; nil when Running or Stopped
}

// Clean is the one form of a pidfile path that start, stop and status
// use: absolute and lexically clean, so "/run/x.pid/", "/run//x.pid" and
// "/run/./x.pid" all name /run/x.pid. A path that names no file ("",
// "/", one ending in "..") is an error.
func Clean(path string) (string, error) {
	if path == "" {
		return "", errors.New("pidfile: no path given")
	}
	if base := filepath.Base(path); base == "/" || base == ".." || base == "." {
		return "", fmt.Errorf("pidfile %q: not a file name", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("pidfile %s: %w", path, err)
	}
	return abs, nil
}

// maxContent bounds what a pidfile may hold: a pid and a newline.
const maxContent = 32

// formatContent is what a pidfile holds: the pid in decimal and a newline.
func formatContent(pid int) []byte {
	return append(strconv.AppendInt(nil, int64(pid), 10), '\n')
}

// parseContent reads a pidfile's content strictly: decimal digits and at
// most one trailing newline. Anything else is reported, quoted, never
// guessed at.
func parseContent(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errors.New("empty")
	}
	if len(b) > maxContent {
		return 0, fmt.Errorf("content %q...: too long for a pid", b[:maxContent])
	}
	digits := bytes.TrimSuffix(b, []byte("\n"))
	pid, err := strconv.ParseInt(string(digits), 10, 32)
	// ParseInt alone would take "+42" and "007".
	if err != nil || pid <= 0 || len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, fmt.Errorf("content %q is not a pid", b)
	}
	return int(pid), nil
}
