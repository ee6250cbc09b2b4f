package proctest

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// WaitGone waits up to d, on a pidfd, for pid to exit, and tells whether
// it did; a process already reaped has.
func WaitGone(pid int, d time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return errors.Is(err, unix.ESRCH)
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(d)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds())+1)
		if !errors.Is(err, unix.EINTR) {
			return err == nil && n > 0
		}
	}
}
