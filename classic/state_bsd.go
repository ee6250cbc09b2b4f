//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package classic

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// examinePIDFile looks once at the open pidfile fd (path, stat st). These
// systems do not say who holds a flock, so identity is weaker than on
// Linux: locked, and the pid it names is alive. The lock still rules out
// the common lie, an unlocked file naming a reused pid.
func examinePIDFile(path string, fd int, st *unix.Stat_t) (Info, next) {
	info := Info{Path: path, State: Unknown}
	if !namesInode(path, inodeOf(st)) {
		return info, lookAgain
	}
	pid, perr := readPIDContent(fd)
	info.PID = pid
	locked, err := probeLock(fd)
	switch {
	case err != nil:
		info.Err = fmt.Errorf("classic: pidfile %s: %w", path, err)
	case !locked:
		return deadInfo(path, pid, perr), lookDone
	case perr != nil:
		info.Err = fmt.Errorf("classic: pidfile %s: locked, but %v: %w", path, perr, ErrForeign)
	case !pidAlive(pid):
		info.Err = fmt.Errorf("classic: pidfile %s: locked, but pid %d is gone: %w", path, pid, ErrForeign)
	default:
		info.State = Running
	}
	return info, lookDone
}

// pidAlive tells whether pid exists. Here a zombie counts as alive; it
// holds no lock, so a pidfile is never Running on its account.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// pidfileWatch would wait for a pidfile to change; examinePIDFile never
// asks for it here.
type pidfileWatch struct{}

func (*pidfileWatch) arm(int)          {}
func (*pidfileWatch) wait(string) bool { return false }
func (*pidfileWatch) close()           {}
