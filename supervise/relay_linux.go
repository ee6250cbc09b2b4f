package supervise

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/systemd"
)

// relay is PROG's notify socket under --ready notify.
type relay struct {
	conn *net.UnixConn
	addr string // "@svc-run-PID-RANDOM"
}

// listenRelay binds a datagram socket in the abstract namespace, at a
// name nobody can guess, with SO_PASSCRED so every datagram says its
// sender's pid.
func listenRelay(self int) (*relay, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("@svc-run-%d-%s", self, hex.EncodeToString(b[:]))
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("notify socket %s: %w", addr, err)
	}
	rc, err := c.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) {
			err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
		})
		err = errors.Join(cerr, os.NewSyscallError("setsockopt SO_PASSCRED", err))
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("notify socket %s: %w", addr, err)
	}
	return &relay{conn: c, addr: addr}, nil
}

func (r *relay) Close() error { return r.conn.Close() }

// maxDatagram is more than systemd takes in one notification.
const maxDatagram = 64 << 10

// serve relays to sd every datagram from pid, without MAINPID=, with its
// file descriptors, until the socket is closed. The first READY=1 is
// reported on events.
func (r *relay) serve(pid int, sd *systemd.Notifier, events chan<- event) {
	rc, err := r.conn.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, maxDatagram)
	// SCM_MAX_FD descriptors and the sender's credentials.
	oob := make([]byte, unix.CmsgSpace(253*4)+unix.CmsgSpace(unix.SizeofUcred))
	told := false
	for {
		var n, oobn, flags int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, oobn, flags, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if err != nil {
			return // closed
		}
		if rerr != nil {
			continue
		}
		fds, sender := control(oob[:oobn])
		if sender != pid || flags&(unix.MSG_CTRUNC|unix.MSG_TRUNC) != 0 {
			closeAll(fds)
			continue
		}
		fields, isReady := relayed(buf[:n])
		if len(fields) > 0 {
			_ = sd.NotifyWithFiles(fds, fields...)
		}
		closeAll(fds)
		if isReady && !told {
			told = true
			events <- event{ready: true}
		}
	}
}

// relayed returns the assignments of msg systemd gets from svc: all but
// MAINPID= (svc stays the main process) and lines that are no VAR=VALUE.
func relayed(msg []byte) (fields []string, isReady bool) {
	for _, line := range bytes.Split(msg, []byte("\n")) {
		k, _, ok := bytes.Cut(line, []byte("="))
		if !ok || len(k) == 0 || string(k) == "MAINPID" {
			continue
		}
		if string(line) == systemd.Ready {
			isReady = true
		}
		fields = append(fields, string(line))
	}
	return fields, isReady
}

// control returns the descriptors and the sender's pid (0: none said) in
// a datagram's control messages.
func control(oob []byte) (fds []int, pid int) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, 0
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Level != unix.SOL_SOCKET {
			continue
		}
		switch m.Header.Type {
		case unix.SCM_RIGHTS:
			if r, err := unix.ParseUnixRights(m); err == nil {
				fds = append(fds, r...)
			}
		case unix.SCM_CREDENTIALS:
			if c, err := unix.ParseUnixCredentials(m); err == nil {
				pid = int(c.Pid)
			}
		}
	}
	return fds, pid
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
