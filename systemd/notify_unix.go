//go:build unix

package systemd

import (
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

type unixSender struct {
	mu sync.Mutex
	fd int // -1 once closed
}

func newSender() (sender, error) {
	fd, err := socketCloexec(unix.AF_UNIX, unix.SOCK_DGRAM)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	return &unixSender{fd: fd}, nil
}

// send uses an unconnected socket and names the peer on every datagram, so
// a manager that re-creates its socket still gets later messages.
func (s *unixSender) send(addr string, msg []byte, fds []int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return os.ErrClosed
	}
	name := addr
	if name[0] == '@' {
		name = "\x00" + name[1:]
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	for {
		err := unix.Sendmsg(s.fd, msg, oob, &unix.SockaddrUnix{Name: name}, unix.MSG_NOSIGNAL)
		if !errors.Is(err, unix.EINTR) {
			return os.NewSyscallError("sendmsg", err)
		}
	}
}

func (s *unixSender) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return nil
	}
	err := unix.Close(s.fd)
	s.fd = -1
	return os.NewSyscallError("close", err)
}
