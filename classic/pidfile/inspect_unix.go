//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package pidfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// next says what to do after one look at a pidfile.
type next int

const (
	lookDone    next = iota // the look is the answer
	lookAgain               // the name moved to another file: look again now
	settleFirst             // locked by another pid than it names: wait for a change
)

// Inspect tells whether path's daemon runs, by the proof of the package
// doc; exe is the program the daemon must run ("": this one). An unlocked
// pidfile is Dead even if the pid it names is alive, because pids are
// reused; one whose lock holder fails the proof is Unknown with ErrForeign;
// an unsafe one (see CheckDir), Unknown with ErrUnsafe.
func Inspect(path, exe string) Info {
	clean, err := Clean(path)
	if err != nil {
		return Info{Path: path, State: Unknown, Err: err}
	}
	path = clean
	if err := CheckDir(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Info{Path: path, State: Stopped}
		}
		return Info{Path: path, State: Unknown, Err: err}
	}
	var w watch
	defer w.close()
	info := Info{Path: path, Err: fmt.Errorf("pidfile %s: still changing after %d looks", path, maxAttempts)}
	for range maxAttempts {
		o, err := open(path, false)
		if errors.Is(err, fs.ErrNotExist) {
			return Info{Path: path, State: Stopped}
		}
		if err != nil {
			return Info{Path: path, State: Unknown, Err: err}
		}
		w.arm(o.fd)
		var n next
		info, n = examine(path, o, exe)
		// Wait before closing: our own close would be the change awaited.
		again := n == lookAgain || n == settleFirst && w.wait(path)
		o.close()
		if !again {
			return info
		}
	}
	return info
}

// examine looks once at the open pidfile o.
func examine(path string, o *opened, exe string) (Info, next) {
	info := Info{Path: path, State: Unknown}
	if !namesInode(path, o.id()) {
		return info, lookAgain
	}
	pid, empty, perr := readContent(o.fd)
	info.PID = pid
	if f := heldFile(o.id()); f != nil {
		// Ours: F_GETLK does not see a process's own lock.
		info.State, info.PID = Running, f.pid
		return info, lookDone
	}
	locked, writer, holder, err := lockHolder(o.fd)
	switch {
	case err != nil:
		info.Err = fmt.Errorf("pidfile %s: %w", path, err)
		return info, lookDone
	case !writer && empty:
		return Info{Path: path, State: Stopped}, lookDone
	case !writer:
		return deadInfo(path, pid, perr, locked), lookDone
	case holder <= 0:
		info.Err = fmt.Errorf("pidfile %s: write-locked by a process outside our pid namespace: %w", path, ErrForeign)
		return info, lookDone
	case perr != nil:
		info.Err = fmt.Errorf("pidfile %s: write-locked by pid %d, but %v: %w", path, holder, perr, ErrForeign)
		return info, settleFirst
	case holder != pid:
		info.Err = fmt.Errorf("pidfile %s: names pid %d, but pid %d holds its lock: %w", path, pid, holder, ErrForeign)
		return info, settleFirst
	}
	if err := checkExe(pid, exe); err != nil {
		info.Err = fmt.Errorf("pidfile %s: pid %d holds it, but %w: %w", path, pid, err, ErrForeign)
		return info, lookDone
	}
	info.State = Running
	return info, lookDone
}

// deadInfo is the look at a pidfile no process write-locks: its daemon
// is gone. readLocked says a stranger holds a read lock, which proves
// nothing.
func deadInfo(path string, pid int, perr error, readLocked bool) Info {
	info := Info{Path: path, State: Dead, PID: pid}
	how := "unlocked"
	if readLocked {
		how = "not write-locked"
	}
	if perr != nil {
		info.Err = fmt.Errorf("pidfile %s: %s, %v: %w", path, how, perr, ErrNotRunning)
	} else {
		info.Err = fmt.Errorf("pidfile %s: %s; pid %d is not its daemon: %w", path, how, pid, ErrNotRunning)
	}
	return info
}

// RemoveStale removes the pidfile at path if it names pid (or was emptied
// by its daemon) and nobody write-locks it: what is left of a daemon that
// was killed. A pidfile naming another pid is left alone, and so is a
// locked one; that is not an error. Failing to remove it is.
func RemoveStale(path string, pid int) error {
	path, err := Clean(path)
	if err != nil {
		return err
	}
	o, err := open(path, true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer o.close()
	if heldFile(o.id()) != nil {
		return nil
	}
	if writeLock(o.fd) != nil {
		if _, writer, _, err := lockHolder(o.fd); err != nil || writer {
			return nil // held: a new daemon's, or being replaced by one
		}
	}
	if got, empty, _ := readContent(o.fd); !empty && (pid <= 0 || got != pid) {
		return nil
	}
	return unlinkInode(path, o.id())
}

// ownExe is the executable to compare a holder with when none is named.
func ownExe(exe string) string {
	if exe != "" {
		return exe
	}
	if self, err := os.Executable(); err == nil {
		return self
	}
	return ""
}
