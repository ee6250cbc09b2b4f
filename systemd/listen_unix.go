//go:build unix

package systemd

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// adoptFD checks fd is open and sets FD_CLOEXEC on it, as sd_listen_fds does.
func adoptFD(fd int) error {
	for {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return os.NewSyscallError("fcntl", err)
	}
}

// isListeningStream reports whether f is a SOCK_STREAM socket in the listen
// state (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1)).
func isListeningStream(f *os.File) (bool, error) {
	fd, err := rawFD(f)
	if err != nil {
		return false, err
	}
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if errors.Is(err, unix.ENOTSOCK) {
		return false, nil
	}
	if err != nil {
		return false, os.NewSyscallError("getsockopt", err)
	}
	if typ != unix.SOCK_STREAM {
		return false, nil
	}
	acc, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil {
		return false, os.NewSyscallError("getsockopt", err)
	}
	return acc != 0, nil
}
