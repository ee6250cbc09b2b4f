//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package classic

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/classic/pidfile"
)

// DefaultStopTimeout is how long Stop waits after SIGTERM when given 0.
const DefaultStopTimeout = 10 * time.Second

// killWait bounds the wait after SIGKILL: only a process stuck in the
// kernel (uninterruptible sleep, a dead NFS server) outlasts it.
const killWait = 5 * time.Second

// Stop stops path's daemon: SIGTERM, a wait for its exit of up to timeout
// (0: DefaultStopTimeout), then SIGKILL and a bounded wait. The daemon is
// found and pinned by pidfile.Find (the proof in package pidfile's doc),
// and its exit is observed, not polled for (a pidfd on Linux, kqueue on
// the BSDs). A pidfile the daemon could not remove (it was killed) is
// removed if it still names the pid and nobody holds it; failing to is
// an error.
//
// Stop returns the Info from before it acted. Stopping a stopped service
// succeeds, and so does a stale pidfile (Dead), which is removed. An
// Unknown pidfile is an error and nothing is signalled. If ctx ends
// first, Stop returns its error; the daemon may still be exiting.
func Stop(ctx context.Context, path string, timeout time.Duration) (Info, error) {
	return Exec("").Stop(ctx, path, timeout)
}

// Stop is Stop for a daemon that runs e.
func (e Exec) Stop(ctx context.Context, path string, timeout time.Duration) (Info, error) {
	if timeout <= 0 {
		timeout = DefaultStopTimeout
	}
	info, proc, err := pidfile.Find(path, e.proof())
	if err != nil {
		return info, err
	}
	if proc == nil {
		return info, pidfile.RemoveStale(info.Path, info.PID)
	}
	defer proc.Close()
	if err := ctx.Err(); err != nil {
		return info, fmt.Errorf("stop %s: %w", info.Path, err)
	}
	if err := proc.Signal(unix.SIGTERM); err != nil {
		return info, fmt.Errorf("stop %s: %w", info.Path, err)
	}
	exited, err := proc.Wait(ctx, timeout)
	if err == nil && !exited {
		if err = proc.Signal(unix.SIGKILL); err == nil {
			if exited, err = proc.Wait(ctx, killWait); err == nil && !exited {
				err = fmt.Errorf("pid %d outlived SIGKILL by %v", info.PID, killWait)
			}
		}
	}
	if err != nil {
		return info, fmt.Errorf("stop %s: %w", info.Path, err)
	}
	return info, pidfile.RemoveStale(info.Path, info.PID)
}

// Wait blocks while path's daemon, proven as for Stop, runs, and returns
// the look at its pidfile after (or at once, when none runs). It waits on
// the process itself (a pidfd; kqueue on the BSDs), not on a timer, until
// ctx ends. A supervisor that must learn when a classic daemon is gone
// (OpenRC's supervise-daemon, through `status --wait`) uses it.
func Wait(ctx context.Context, path string) (Info, error) { return Exec("").Wait(ctx, path) }

// Wait is Wait for a daemon that runs e.
func (e Exec) Wait(ctx context.Context, path string) (Info, error) {
	info, proc, err := pidfile.Find(path, e.proof())
	if err != nil || proc == nil {
		return info, err
	}
	defer proc.Close()
	if _, err := proc.Wait(ctx, math.MaxInt64); err != nil {
		return info, fmt.Errorf("wait %s: %w", info.Path, err)
	}
	return e.Inspect(path), nil
}

// findRunning is pidfile.Find for a verb that needs a running daemon:
// anything else is an error, wrapping ErrNotRunning when none runs.
func (e Exec) findRunning(path string) (pidfile.Info, *pidfile.Proc, error) {
	info, proc, err := pidfile.Find(path, e.proof())
	switch {
	case err != nil:
		return info, nil, err
	case proc == nil && info.Err != nil:
		return info, nil, info.Err
	case proc == nil:
		return info, nil, fmt.Errorf("pidfile %s: %w", info.Path, ErrNotRunning)
	}
	return info, proc, nil
}

// Signal sends sig to path's daemon and returns its pid; SIGHUP asks it to
// reload. Only a daemon proven as for Stop is signalled: otherwise the
// error wraps ErrNotRunning (Stopped, Dead) or says why it is Unknown.
func Signal(path string, sig os.Signal) (int, error) { return Exec("").Signal(path, sig) }

// Signal is Signal for a daemon that runs e.
func (e Exec) Signal(path string, sig os.Signal) (int, error) {
	s, ok := sig.(unix.Signal)
	if !ok {
		return 0, fmt.Errorf("signal %v: not a Unix signal", sig)
	}
	info, proc, err := e.findRunning(path)
	if err != nil {
		return 0, err
	}
	defer proc.Close()
	if err := proc.Signal(s); err != nil {
		return 0, fmt.Errorf("signal pid %d (pidfile %s): %w", info.PID, info.Path, err)
	}
	return info.PID, nil
}
