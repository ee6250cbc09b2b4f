package pidfile

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Proc is a process held by a pidfd: signals sent through it reach
// that process or nobody, never a later owner of its pid, and the pidfd
// turns readable when the process exits (zombies included).
type Proc struct {
	pid int
	f   *os.File // the pidfd, non-blocking, in the runtime poller
}

func pin(pid int) (*Proc, error) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if errors.Is(err, unix.EINVAL) { // before Linux 5.10
		if fd, err = unix.PidfdOpen(pid, 0); err == nil {
			err = unix.SetNonblock(fd, true)
		}
	}
	if errors.Is(err, unix.ESRCH) {
		return nil, ErrExited
	}
	if err != nil {
		if fd > 0 {
			unix.Close(fd)
		}
		return nil, os.NewSyscallError("pidfd_open", err)
	}
	return &Proc{pid: pid, f: os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(pid))}, nil
}

// Signal sends sig; a process that already exited is not an error.
func (p *Proc) Signal(sig unix.Signal) error {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = untilNotEINTR(func() error { return unix.PidfdSendSignal(int(fd), sig, nil, 0) })
	}); err != nil {
		return err
	}
	if errors.Is(serr, unix.ESRCH) {
		return nil
	}
	return os.NewSyscallError("pidfd_send_signal", serr)
}

// Wait waits up to d for the process to exit.
func (p *Proc) Wait(ctx context.Context, d time.Duration) (bool, error) {
	return awaitReadable(ctx, p.f, d)
}

func (p *Proc) Close() { p.f.Close() }
