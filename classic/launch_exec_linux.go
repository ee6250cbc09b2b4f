package classic

import (
	"errors"
	"math"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// markInheritedCloexec marks every descriptor above 2 close-on-exec, so a
// descriptor our caller leaked to us (opened without O_CLOEXEC) does not
// reach the middle or the daemon; those we pass are passed explicitly.
func markInheritedCloexec() error {
	err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC)
	if err == nil || !(errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL)) {
		return os.NewSyscallError("close_range", err)
	}
	// Linux before 5.11: one by one.
	fds, err := openFDs()
	if err != nil {
		return err
	}
	for _, fd := range fds {
		if fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}

// openFDs lists this process's open descriptors (including, briefly, the
// one that reads the list).
func openFDs() ([]int, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	fds := make([]int, 0, len(ents))
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			fds = append(fds, fd)
		}
	}
	return fds, nil
}

// startUnmasked starts a process whose signal mask is empty, whatever mask
// this process inherited, and returns its pid. The runtime saves the
// forking thread's mask before fork and the child restores exactly that
// mask before exec, so an empty mask on a locked thread is what the child
// starts with. (syscall.ForkExec, not os.StartProcess: x/sys has no
// equivalent, and os would first fork a throw-away child to probe pidfd
// support, a cost paid on every start.)
func startUnmasked(path string, argv []string, attr *syscall.ProcAttr) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var empty, old unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &empty, &old); err != nil {
		return 0, os.NewSyscallError("pthread_sigmask", err)
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return syscall.ForkExec(path, argv, attr)
}

// reap waits for the child pid to exit and returns its status.
func reap(pid int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if !errors.Is(err, unix.EINTR) {
			return ws, os.NewSyscallError("wait4", err)
		}
	}
}
