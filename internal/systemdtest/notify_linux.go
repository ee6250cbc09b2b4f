package systemdtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// notifySocket receives the instance's sd_notify datagrams: its systemd
// says READY=1 when start-up has finished, as it does to systemd-nspawn.
type notifySocket struct {
	conn *net.UnixConn
}

func listenNotify(path string) (*notifySocket, error) {
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("systemdtest: notify socket: %w", err)
	}
	rc, err := conn.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) {
			err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
		})
		err = errors.Join(cerr, os.NewSyscallError("setsockopt SO_PASSCRED", err))
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("systemdtest: notify socket %s: %w", path, err)
	}
	return &notifySocket{conn: conn}, nil
}

// waitReady reads datagrams until process pid sends READY=1, returning its
// last STATUS=. It gives up after timeout or when exited is closed.
func (s *notifySocket) waitReady(pid int, timeout time.Duration, exited <-chan struct{}) (string, error) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-exited:
			s.conn.SetReadDeadline(time.Unix(1, 0)) // wake the read below
		case <-done:
		}
	}()
	s.conn.SetReadDeadline(time.Now().Add(timeout))
	defer s.conn.SetReadDeadline(time.Time{})
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	status := ""
	for {
		n, oobn, _, _, err := s.conn.ReadMsgUnix(buf, oob)
		if err != nil {
			select {
			case <-exited:
				return status, errors.New("systemd exited before it was ready")
			default:
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return status, fmt.Errorf("systemd not ready after %v (last status %q)", timeout, status)
			}
			return status, fmt.Errorf("read notify socket: %w", err)
		}
		if senderPID(oob[:oobn]) != pid {
			continue // not our systemd: nothing else should write here
		}
		ready := false
		for _, f := range strings.Split(string(buf[:n]), "\n") {
			if v, ok := strings.CutPrefix(f, "STATUS="); ok {
				status = v
			}
			ready = ready || f == "READY=1"
		}
		if ready {
			return status, nil
		}
	}
}

func senderPID(oob []byte) int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return -1
	}
	for _, m := range msgs {
		if cred, err := unix.ParseUnixCredentials(&m); err == nil {
			return int(cred.Pid)
		}
	}
	return -1
}

// drain discards datagrams until the socket is closed. The manager keeps
// notifying after boot (STATUS=, RELOADING=1 on daemon-reload...), and a
// full receive queue (net.unix.max_dgram_qlen, 10) would make its blocking
// sd_notify stall PID 1.
func (s *notifySocket) drain() {
	buf := make([]byte, 4096)
	for {
		if _, _, _, _, err := s.conn.ReadMsgUnix(buf, nil); err != nil {
			return // closed by teardown
		}
	}
}

func (s *notifySocket) Close() error { return s.conn.Close() }
