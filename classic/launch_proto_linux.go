package classic

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// dgram is one notify datagram and the pid the kernel vouches sent it.
type dgram struct {
	pid int
	msg string
	fds []int // passed with it (SCM_RIGHTS), ours to close
}

// maxEarly bounds the datagrams kept while the daemon's pid is unknown.
const maxEarly = 64

// readControl reads the middle's lines: "pid N", "exit N", "signal N".
func (w *watch) readControl() error {
	var buf [256]byte
	n, err := unix.Read(w.ctrl, buf[:])
	switch {
	case errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN):
		return nil
	case errors.Is(err, unix.ECONNRESET):
		n, err = 0, nil
	case err != nil:
		return os.NewSyscallError("read control socket", err)
	}
	if n == 0 {
		w.ctrlEOF = true
		return nil
	}
	w.line = append(w.line, buf[:n]...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			return nil
		}
		w.controlLine(string(w.line[:i]))
		w.line = w.line[i+1:]
	}
}

func (w *watch) controlLine(line string) {
	verb, arg, _ := strings.Cut(line, " ")
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 {
		return // not ours to understand; the protocol may grow
	}
	switch verb {
	case "pid":
		if w.pid != 0 || n == 0 {
			return
		}
		w.pid = n
		// Opened now, while the middle has not reported the daemon's
		// death (it reports before reaping), so it cannot name a reused pid.
		if fd, err := unix.PidfdOpen(n, 0); err == nil { // close-on-exec always
			w.pidfd = fd
		}
		for _, d := range w.early {
			if d.pid == w.pid {
				w.take(d)
			} else {
				closeFDs(d.fds)
			}
		}
		w.early = nil
	case "exit":
		w.exited, w.exitCode = true, n
	case "signal":
		w.exited, w.exitCode, w.signal = true, 1, syscall.Signal(n)
	}
}

// readNotify drains the notify socket, keeping what the daemon (and only
// the daemon) said.
func (w *watch) readNotify() error {
	if w.buf == nil {
		w.buf = make([]byte, 64<<10)
		w.oob = make([]byte, unix.CmsgSpace(unix.SizeofUcred)+unix.CmsgSpace(4*64))
	}
	buf, oob := w.buf, w.oob
	for {
		n, oobn, _, _, err := unix.Recvmsg(w.notify, buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return nil
		case err != nil:
			return os.NewSyscallError("recvmsg notify socket", err)
		}
		pid, fds := credentials(oob[:oobn])
		d := dgram{pid: pid, msg: string(buf[:n]), fds: fds}
		switch {
		case w.pid == 0 && len(w.early) < maxEarly:
			w.early = append(w.early, d)
		case w.pid != 0 && d.pid == w.pid:
			w.take(d)
		default:
			closeFDs(d.fds)
		}
	}
}

// take applies a datagram of the daemon's. The only descriptor it may
// pass that the launcher keeps is X_SVC_EXEC='s (exec_linux.go); any
// other (FDSTORE=1 means nothing to a launcher) is closed.
func (w *watch) take(d dgram) {
	w.fields(d.msg)
	if w.execFD < 0 && len(d.fds) > 0 && strings.Contains("\n"+d.msg, "\nX_SVC_EXEC=") {
		w.execFD, d.fds = d.fds[0], d.fds[1:]
	}
	closeFDs(d.fds)
}

// closeEarly closes what datagrams of unknown senders passed.
func (w *watch) closeEarly() {
	for _, d := range w.early {
		closeFDs(d.fds)
	}
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// credentials returns the pid in SCM_CREDENTIALS and the descriptors a
// sender passed (received close-on-exec).
func credentials(oob []byte) (pid int, fds []int) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, nil
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET {
			continue
		}
		switch m.Header.Type {
		case unix.SCM_CREDENTIALS:
			if c, err := unix.ParseUnixCredentials(&m); err == nil {
				pid = int(c.Pid)
			}
		case unix.SCM_RIGHTS:
			if got, err := unix.ParseUnixRights(&m); err == nil {
				fds = append(fds, got...)
			}
		}
	}
	return pid, fds
}

// fields applies one datagram's assignments.
func (w *watch) fields(msg string) {
	for _, f := range strings.Split(msg, "\n") {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "READY":
			w.ready = w.ready || v == "1"
		case "STATUS":
			w.status = v
		case "ERRNO":
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				w.errno = syscall.Errno(n)
			}
		case "X_SVC_PIDFILE":
			w.pidfile = v
		case "X_SVC_ALREADY":
			w.already = true
			w.alreadyPID, _ = strconv.Atoi(v)
		}
	}
}
