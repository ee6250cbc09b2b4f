//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package pidfile

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Proc is a process watched by a kqueue EVFILT_PROC/NOTE_EXIT filter:
// the kqueue turns readable when it exits. There is no pidfd here, so a
// signal goes by pid, right after Stop checked the pidfile's lock again;
// the reuse window is that short, not closed.
type Proc struct {
	pid int
	f   *os.File // the kqueue, non-blocking, in the runtime poller
}

func pin(pid int) (*Proc, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	if err := unix.SetNonblock(kq, true); err != nil {
		unix.Close(kq)
		return nil, os.NewSyscallError("fcntl", err)
	}
	ev := unix.Kevent_t{Fflags: unix.NOTE_EXIT}
	unix.SetKevent(&ev, pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
	err = untilNotEINTR(func() error {
		_, err := unix.Kevent(kq, []unix.Kevent_t{ev}, nil, nil)
		return err
	})
	if err != nil {
		unix.Close(kq)
		if errors.Is(err, unix.ESRCH) {
			return nil, ErrExited
		}
		return nil, os.NewSyscallError("kevent", err)
	}
	return &Proc{pid: pid, f: os.NewFile(uintptr(kq), "kqueue:"+strconv.Itoa(pid))}, nil
}

// Signal sends sig; a process that already exited is not an error.
func (p *Proc) Signal(sig unix.Signal) error {
	err := unix.Kill(p.pid, sig)
	if err == nil || errors.Is(err, unix.ESRCH) {
		return nil
	}
	return os.NewSyscallError("kill", err)
}

// Wait waits up to d for the process to exit.
func (p *Proc) Wait(ctx context.Context, d time.Duration) (bool, error) {
	return awaitReadable(ctx, p.f, d)
}

func (p *Proc) Close() { p.f.Close() }
