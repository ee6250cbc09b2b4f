//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package classic

import (
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"
)

// next says what to do after one look at a pidfile.
type next int

// settleFirst is for a pidfile locked, but not by the pid it names: either a
// Create or Stop is replacing or removing it this instant, or a foreign
// process holds it. Wait for a change, briefly, before saying Unknown.
const (
	lookDone    next = iota // the look is the answer
	lookAgain               // the name moved to another file: look again now
	settleFirst             // wait for a change, then look again
)

// Inspect tells whether path's daemon runs. Running means the pidfile is
// locked by the live process whose pid it holds (on Linux, the lock holder
// in /proc/locks is that pid); an unlocked pidfile is Dead even if the pid
// it names is alive, because pids are reused; a locked one whose holder is
// another process is Unknown with ErrForeign. It never uses kill(pid, 0)
// alone: a zombie and a stranger both answer it.
func Inspect(path string) Info {
	var w pidfileWatch
	defer w.close()
	info := Info{Path: path, Err: fmt.Errorf("classic: pidfile %s: still changing after %d looks", path, maxAttempts)}
	for range maxAttempts {
		fd, st, err := openPIDFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return Info{Path: path, State: Stopped}
		}
		if err != nil {
			return Info{Path: path, State: Unknown, Err: err}
		}
		w.arm(fd)
		var n next
		info, n = examinePIDFile(path, fd, &st)
		again := n == lookAgain || n == settleFirst && w.wait(path)
		unix.Close(fd)
		if !again {
			return info
		}
	}
	return info
}

// deadInfo is the look at an unlocked pidfile: its daemon is gone.
func deadInfo(path string, pid int, perr error) Info {
	info := Info{Path: path, State: Dead, PID: pid}
	switch {
	case perr != nil:
		info.Err = fmt.Errorf("classic: pidfile %s: unlocked, %v: %w", path, perr, ErrNotRunning)
	case pidAlive(pid):
		info.Err = fmt.Errorf("classic: pidfile %s: unlocked; pid %d lives but is not its daemon: %w", path, pid, ErrNotRunning)
	default:
		info.Err = fmt.Errorf("classic: pidfile %s: unlocked; pid %d is gone: %w", path, pid, ErrNotRunning)
	}
	return info
}
