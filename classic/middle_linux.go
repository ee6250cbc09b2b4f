package classic

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ctrlFD is where the middle process finds its end of the control socket.
const ctrlFD = 3

// middle is the session leader between launcher and daemon: it starts
// the daemon, tells the launcher its pid, then reports its death or exits
// as soon as the launcher is done. It returns only an error that kept it
// from starting the daemon.
func middle(h handoff, o Options) error {
	if t, err := unix.GetsockoptInt(ctrlFD, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || t != unix.SOCK_STREAM {
		return fmt.Errorf("classic: middle process: fd %d is not the control socket", ctrlFD)
	}
	if err := markInheritedCloexec(); err != nil {
		return err
	}
	// Signals we ignore stay ignored across exec; signals we catch are
	// reset to the default. Catching every one hands the daemon default
	// dispositions even when our caller ignored SIGHUP (nohup, trap "" HUP).
	signal.Notify(make(chan os.Signal, 1))
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("classic: middle process: %w", err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("classic: middle process: %w", err)
	}
	pid, err := startUnmasked(exe, argv(o), &syscall.ProcAttr{
		Env:   withHandoff(os.Environ(), handoff{role: roleDaemon, notify: h.notify}),
		Files: []uintptr{null.Fd(), 1, 2},
	})
	if err != nil {
		return fmt.Errorf("classic: middle process: start daemon: %w", err)
	}
	// Let go of the launcher's stdout and stderr: whoever reads them to
	// EOF ($(svc start ...)) need not wait for us.
	dupOnto(int(null.Fd()), 1)
	dupOnto(int(null.Fd()), 2)
	os.Exit(watchDaemon(pid))
	panic("unreachable")
}

// watchDaemon reports the daemon's pid, then its death, on the control
// socket, unless the launcher closes it first. It returns the exit code.
func watchDaemon(pid int) int {
	if !say(fmt.Sprintf("pid %d\n", pid)) {
		return 0 // the launcher is gone: the daemon is on its own
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return 1 // the launcher sees EOF and watches the daemon itself
	}
	for {
		fds := []unix.PollFd{{Fd: ctrlFD, Events: unix.POLLIN}, {Fd: int32(pidfd), Events: unix.POLLIN}}
		if err := poll(fds, -1); err != nil {
			return 1
		}
		if fds[1].Revents != 0 {
			say(deathReport(pidfd))
			return 0
		}
		var buf [64]byte
		if n, err := unix.Read(ctrlFD, buf[:]); n == 0 || (err != nil && !errors.Is(err, unix.EINTR) && !errors.Is(err, unix.EAGAIN)) {
			return 0 // EOF: the launcher is done
		}
	}
}

// say writes one control line; false if the launcher is gone.
func say(line string) bool {
	b := []byte(line)
	for len(b) > 0 {
		n, err := unix.SendmsgN(ctrlFD, b, nil, nil, unix.MSG_NOSIGNAL)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return false
		}
		b = b[n:]
	}
	return true
}

// deathReport is "exit N\n" or "signal N\n" for the exited daemon. It
// waits with WNOWAIT: the daemon stays a zombie, its pid unused, until
// the report is out (then our exit hands it to init).
func deathReport(pidfd int) string {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			if err != nil {
				return "exit 1\n"
			}
			break
		}
	}
	status := sigchldStatus(&info)
	if info.Code == cldExited {
		return "exit " + strconv.Itoa(int(status)) + "\n"
	}
	return "signal " + strconv.Itoa(int(status)) + "\n"
}

// cldExited is si_code CLD_EXITED (<signal.h>), which x/sys/unix lacks.
const cldExited = 1

// sigchldStatus reads si_status from a SIGCHLD siginfo, which x/sys/unix
// leaves opaque: after si_signo, si_errno, si_code comes a union aligned
// like a pointer, whose CLD_* member is {si_pid, si_uid, si_status}.
func sigchldStatus(info *unix.Siginfo) int32 {
	raw := (*[unsafe.Sizeof(unix.Siginfo{})]byte)(unsafe.Pointer(info))
	off := 12
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	return int32(binary.NativeEndian.Uint32(raw[off+8:]))
}
