//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package classic

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultStopTimeout is how long Stop waits after SIGTERM when given 0.
const DefaultStopTimeout = 10 * time.Second

// killWait bounds the wait after SIGKILL: only a process stuck in the
// kernel (uninterruptible sleep, a dead NFS server) outlasts it.
const killWait = 5 * time.Second

// Stop stops path's daemon: SIGTERM, a wait for its exit of up to timeout
// (0: DefaultStopTimeout), then SIGKILL and a bounded wait. The exit is
// observed, not polled for (a pidfd on Linux, kqueue on the BSDs), and a
// zombie has exited. A pidfile the daemon could not remove (it was killed)
// is removed if it still names the pid and nobody holds it.
//
// Stop returns the Info from before it acted. Stopping a stopped service
// succeeds, and so does a stale pidfile (Dead), which is removed if
// unlocked. An Unknown pidfile is an error (with ErrForeign when someone
// else holds it) and nothing is signalled. If ctx ends first, Stop returns
// its error; the daemon may still be exiting.
func Stop(ctx context.Context, path string, timeout time.Duration) (Info, error) {
	if timeout <= 0 {
		timeout = DefaultStopTimeout
	}
	info, proc, err := findDaemon(path)
	if err != nil {
		return info, err
	}
	if proc == nil {
		return info, removeStalePIDFile(path, info.PID)
	}
	defer proc.close()
	if err := ctx.Err(); err != nil {
		return info, fmt.Errorf("classic: stop %s: %w", path, err)
	}
	if err := proc.signal(unix.SIGTERM); err != nil {
		return info, fmt.Errorf("classic: stop %s: %w", path, err)
	}
	exited, err := proc.await(ctx, timeout)
	if err == nil && !exited {
		if err = proc.signal(unix.SIGKILL); err == nil {
			if exited, err = proc.await(ctx, killWait); err == nil && !exited {
				err = fmt.Errorf("pid %d outlived SIGKILL by %v", info.PID, killWait)
			}
		}
	}
	if err != nil {
		return info, fmt.Errorf("classic: stop %s: %w", path, err)
	}
	return info, removeStalePIDFile(path, info.PID)
}

// Signal sends sig to path's daemon and returns its pid; SIGHUP asks it to
// reload. Only a daemon verified as for Stop is signalled: otherwise the
// error wraps ErrNotRunning (Stopped, Dead) or says why it is Unknown.
func Signal(path string, sig os.Signal) (int, error) {
	s, ok := sig.(unix.Signal)
	if !ok {
		return 0, fmt.Errorf("classic: signal %v: not a Unix signal", sig)
	}
	info, proc, err := findDaemon(path)
	switch {
	case err != nil:
		return 0, err
	case proc == nil && info.Err != nil:
		return 0, info.Err
	case proc == nil:
		return 0, fmt.Errorf("classic: pidfile %s: %w", path, ErrNotRunning)
	}
	defer proc.close()
	if err := proc.signal(s); err != nil {
		return 0, fmt.Errorf("classic: signal pid %d (pidfile %s): %w", info.PID, path, err)
	}
	return info.PID, nil
}

// findDaemon finds path's running daemon and pins it: proc refers to the
// process itself, not to its pid, and identity was checked again after it
// was pinned, so a pid reused between check and signal cannot be hit. proc
// is nil when no daemon runs; err is set when the pidfile is Unknown.
func findDaemon(path string) (Info, *pinnedProc, error) {
	info := Inspect(path)
	switch info.State {
	case Unknown:
		return info, nil, info.Err
	case Stopped, Dead:
		return info, nil, nil
	}
	proc, err := pinProcess(info.PID)
	if errors.Is(err, errExited) {
		return info, nil, nil
	}
	if err != nil {
		return info, nil, fmt.Errorf("classic: pidfile %s: pid %d: %w", path, info.PID, err)
	}
	now := Inspect(path)
	switch {
	case now.State == Running && now.PID == info.PID:
		return info, proc, nil
	case now.State == Running:
		err = fmt.Errorf("classic: pidfile %s: pid %d was replaced by pid %d meanwhile", path, info.PID, now.PID)
	case now.State == Unknown:
		err = now.Err
	}
	proc.close()
	return info, nil, err
}

// removeStalePIDFile removes the pidfile at path if it names pid and nobody
// holds its lock: what is left of a daemon that was killed, or died before
// it could remove it. A pidfile naming another pid, or none (pid <= 0), is
// left alone, and so is a locked one; that is not an error.
func removeStalePIDFile(path string, pid int) error {
	if pid <= 0 {
		return nil
	}
	fd, st, err := openPIDFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := untilNotEINTR(func() error { return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) }); err != nil {
		return nil // held: a new daemon's, or being replaced by one
	}
	if got, err := readPIDContent(fd); err != nil || got != pid {
		return nil
	}
	return unlinkInode(path, inodeOf(&st))
}

// errExited says the process is gone (or a zombie) already.
var errExited = errors.New("process exited")

// awaitReadable waits until fd (a pidfd, a kqueue) is readable, for up to d
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
