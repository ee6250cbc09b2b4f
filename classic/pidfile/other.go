//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package pidfile

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// File cannot exist here: the proof needs POSIX locks and a process to pin.
type File struct{ path string }

// Proc cannot exist here.
type Proc struct{}

// ErrExited says the process is gone already.
var ErrExited = errors.New("process exited")

func (f *File) Path() string { return f.path }
func (f *File) PID() int     { return 0 }

// Remove is unsupported here; no File can exist.
func (f *File) Remove() error { return fmt.Errorf("pidfile: %w", errors.ErrUnsupported) }

// Create is unsupported here.
func Create(path string) (*File, error) {
	return nil, fmt.Errorf("pidfile %s: %w", path, errors.ErrUnsupported)
}

// CreateFor is unsupported here.
func CreateFor(path, exe string) (*File, error) { return Create(path) }

// KeepOnExec is unsupported here; no File can exist.
func (f *File) KeepOnExec() error { return errors.ErrUnsupported }

// CheckDir is unsupported here.
func CheckDir(path string) error { return fmt.Errorf("pidfile %s: %w", path, errors.ErrUnsupported) }

// Inspect cannot tell here.
func Inspect(path, exe string) Info {
	return Info{Path: path, State: Unknown, Err: fmt.Errorf("pidfile %s: %w", path, errors.ErrUnsupported)}
}

// Find is unsupported here.
func Find(path, exe string) (Info, *Proc, error) {
	info := Inspect(path, exe)
	return info, nil, info.Err
}

// RemoveStale is unsupported here.
func RemoveStale(path string, pid int) error {
	return fmt.Errorf("pidfile %s: %w", path, errors.ErrUnsupported)
}

func (p *Proc) PID() int             { return 0 }
func (p *Proc) Signal(sig any) error { return errors.ErrUnsupported }
func (p *Proc) Wait(ctx context.Context, d time.Duration) (bool, error) {
	return false, errors.ErrUnsupported
}
func (p *Proc) Close() {}
