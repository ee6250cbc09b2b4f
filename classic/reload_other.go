//go:build !linux

package classic

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// ErrUnconfirmed: the reload was asked for (SIGHUP sent), but how it went
// cannot be heard here. The daemon's log tells.
var ErrUnconfirmed = errors.New("its outcome cannot be heard")

// ReloadSocket is "" here: the report needs Linux's abstract sockets.
func (d *Daemon) ReloadSocket() string { return "" }

// Reload signals path's daemon to reload (SIGHUP); how it went cannot be
// heard here, so a signalled daemon comes with ErrUnconfirmed.
func Reload(ctx context.Context, path string, timeout time.Duration) (int, error) {
	pid, err := Signal(path, syscall.SIGHUP) // Windows has none: Signal refuses it there
	if err != nil {
		return 0, err
	}
	return pid, fmt.Errorf("reload of pid %d: %w", pid, ErrUnconfirmed)
}
