//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package pidfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ErrExited says the process is gone (or a zombie) already.
var ErrExited = errors.New("process exited")

// PID is the pinned process's pid.
func (p *Proc) PID() int { return p.pid }

// Find finds path's running daemon (exe as for Inspect) and pins it: proc
// refers to the process itself, not to its pid, and the proof was made
// again after it was pinned, so a pid reused between the look and a
// signal cannot be hit. proc is nil when no daemon runs; err is set when
// the pidfile is Unknown (info.Err).
func Find(path, exe string) (info Info, proc *Proc, err error) {
	info = Inspect(path, exe)
	switch info.State {
	case Unknown:
		return info, nil, info.Err
	case Stopped, Dead:
		return info, nil, nil
	}
	proc, err = pin(info.PID)
	if errors.Is(err, ErrExited) {
		return info, nil, nil
	}
	if err != nil {
		return info, nil, fmt.Errorf("pidfile %s: pid %d: %w", info.Path, info.PID, err)
	}
	now := Inspect(path, exe)
	switch {
	case now.State == Running && now.PID == info.PID && !proc.exited():
		return info, proc, nil
	case now.State == Running && now.PID == info.PID:
		err = nil // exited in between: nothing to signal
	case now.State == Running:
		err = fmt.Errorf("pidfile %s: pid %d was replaced by pid %d meanwhile", info.Path, info.PID, now.PID)
	case now.State == Unknown:
		err = now.Err
	}
	proc.Close()
	return info, nil, err
}

// awaitReadable waits until f (a pidfd, a kqueue) is readable, for up to d
// and while ctx lasts. It parks in the runtime's poller instead of a
// thread, and ctx's end interrupts it through the file's deadline.
func awaitReadable(ctx context.Context, f *os.File, d time.Duration) (bool, error) {
	deadline := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := f.SetReadDeadline(deadline); err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	ready := false
	err = rc.Read(func(fd uintptr) bool {
		ready = readableNow(int(fd))
		return ready
	})
	switch {
	case ready:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, nil
	}
	return false, err
}

func readableNow(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0
}

// Control calls f with the descriptor that turns readable when the
// process exits (a pidfd; a kqueue on the BSDs), for a poll on it beside
// others. f must not close it.
func (p *Proc) Control(f func(fd int)) error {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { f(int(fd)) })
}

// exited tells whether the process has exited, without waiting. (Not
// through f.Fd(), which would take f out of the runtime's poller.)
func (p *Proc) exited() bool {
	gone := false
	p.Control(func(fd int) { gone = readableNow(fd) })
	return gone
}
