package classic

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/classic/pidfile"
)

// ErrUnconfirmed: the reload was asked for (SIGHUP sent), but how it went
// cannot be heard: another process holds the address the daemon reports
// to. The daemon's log tells.
var ErrUnconfirmed = errors.New("its outcome cannot be heard")

// reloadAddr is where daemon pid tells how each reload ended (see
// svc.Options.ReloadSocket): an abstract name, so nothing is left on disk.
func reloadAddr(pid int) string { return "@svc-reload-" + strconv.Itoa(pid) }

// ReloadSocket is the address this daemon reports its reloads to; hand it
// to svc.Options.ReloadSocket.
func (d *Daemon) ReloadSocket() string { return reloadAddr(os.Getpid()) }

// Reload asks path's daemon, proven as for Stop, to reload (SIGHUP) and
// waits, up to timeout, for it to say how that went: nil once it did,
// its own error (STATUS=) if the reload failed. A daemon that exits
// meanwhile, or says nothing in time, is an error too; one whose report
// cannot be heard is signalled anyway, with ErrUnconfirmed. The pid is
// the daemon's whenever it was signalled.
func Reload(ctx context.Context, path string, timeout time.Duration) (int, error) {
	info, proc, err := Exec("").findRunning(path)
	if err != nil {
		return 0, err
	}
	defer proc.Close()
	pid := proc.PID()
	// Listen first: the answer may come before the signal call returns.
	fd, _, lerr := listenNotifyAt(reloadAddr(pid))
	if fd >= 0 {
		defer unix.Close(fd)
	}
	if err := proc.Signal(unix.SIGHUP); err != nil {
		return 0, fmt.Errorf("signal pid %d (pidfile %s): %w", pid, info.Path, err)
	}
	if lerr != nil {
		return pid, fmt.Errorf("reload of pid %d: %w (%v)", pid, ErrUnconfirmed, lerr)
	}
	return pid, awaitReload(ctx, fd, proc, timeout)
}

// awaitReload reads what pid says on fd until READY=1 or a failure, its
// exit, the timeout or ctx's end.
func awaitReload(ctx context.Context, fd int, proc *pidfile.Proc, timeout time.Duration) error {
	wake, stopWake, err := wakeOnDone(ctx)
	if err != nil {
		return err
	}
	defer stopWake()
	buf, oob := make([]byte, 64<<10), make([]byte, unix.CmsgSpace(unix.SizeofUcred)+unix.CmsgSpace(4*64))
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("reload of pid %d: no word of how it went within %v", proc.PID(), timeout)
		}
		var gone bool
		perr := proc.Control(func(pidfd int) {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
			if err = poll(fds, left); err == nil {
				gone = fds[1].Revents != 0 && fds[0].Revents == 0
			}
		})
		if perr != nil {
			return perr
		}
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for {
			n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				break // EAGAIN: all read
			}
			pid, fds := credentials(oob[:oobn])
			closeFDs(fds)
			if pid != proc.PID() {
				continue // not the daemon's word
			}
			if done, err := reloadOutcome(string(buf[:n])); done {
				return err
			}
		}
		if gone {
			return fmt.Errorf("reload of pid %d: it exited", proc.PID())
		}
	}
}

// reloadOutcome reads one datagram of the daemon's: done once it says
// READY=1 or that the reload failed (its STATUS= is the error).
func reloadOutcome(msg string) (bool, error) {
	var status string
	var ready, failed bool
	for _, f := range strings.Split(msg, "\n") {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "READY":
			ready = v == "1"
		case "STATUS":
			status = v
		case "X_SVC_RELOAD_FAILED":
			failed = v == "1"
		}
	}
	switch {
	case failed:
		return true, errors.New(status)
	case ready:
		return true, nil
	}
	return false, nil
}
