package systemd

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// socketCloexec: darwin has no SOCK_CLOEXEC; hold ForkLock so no fork sees
// the fd before FD_CLOEXEC is set.
func socketCloexec(domain, typ int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(domain, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	return fd, err
}
