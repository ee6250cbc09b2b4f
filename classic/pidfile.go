package classic

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// Errors callers branch on, with errors.Is.
var (
	// ErrRunning: a live daemon holds the pidfile (see *RunningError).
	ErrRunning = errors.New("already running")
	// ErrNotRunning: no daemon holds the pidfile; there is nothing to signal.
	ErrNotRunning = errors.New("not running")
	// ErrForeign: the pidfile is locked, but not by the pid it names, so it
	// is not (or not provably) our daemon's. It is never signalled.
	ErrForeign = errors.New("held by a process that is not its daemon")
	// ErrUnsafeDir: the pidfile's directory is group- or world-writable and
	// owned by someone else, who could swap the pidfile under us.
	ErrUnsafeDir = errors.New("directory is writable by others")
)

// RunningError says a live daemon holds the pidfile Create was asked for.
type RunningError struct {
	Path string
	PID  int // the running daemon
}

func (e *RunningError) Error() string {
	return fmt.Sprintf("classic: pidfile %s: already running as pid %d", e.Path, e.PID)
}

// Unwrap makes errors.Is(err, ErrRunning) true.
func (e *RunningError) Unwrap() error { return ErrRunning }

// PIDFile is a pidfile held by this process: written with its pid and
// flock-locked until Remove.
type PIDFile struct {
	path string
	pid  int
	id   inodeID // the inode we locked, to never unlink another one

	mu sync.Mutex
	fd int // holds the lock; -1 once removed
}

// Path is the pidfile's path as given to Create.
func (p *PIDFile) Path() string { return p.path }

// PID is the pid written in the pidfile: this process's.
func (p *PIDFile) PID() int { return p.pid }

// inodeID names a file independently of its path.
type inodeID struct{ dev, ino uint64 }

// maxPIDContent bounds what a pidfile may hold: a pid and a newline.
const maxPIDContent = 32

// formatPIDContent is what a pidfile holds: the pid in decimal and a newline.
func formatPIDContent(pid int) []byte {
	return append(strconv.AppendInt(nil, int64(pid), 10), '\n')
}

// parsePIDContent reads a pidfile's content strictly: decimal digits and at
// most one trailing newline. Anything else is reported, quoted, never guessed
// at: a pidfile we cannot read exactly is not one we may signal from.
func parsePIDContent(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errors.New("empty")
	}
	if len(b) > maxPIDContent {
		return 0, fmt.Errorf("content %q...: too long for a pid", b[:maxPIDContent])
	}
	digits := bytes.TrimSuffix(b, []byte("\n"))
	pid, err := strconv.ParseInt(string(digits), 10, 32)
	// ParseInt alone would take "+42" and "007".
	if err != nil || pid <= 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, fmt.Errorf("content %q is not a pid", b)
	}
	return int(pid), nil
}
