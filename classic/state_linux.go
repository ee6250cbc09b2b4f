package classic

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// examinePIDFile looks once at the open pidfile fd (path, stat st). The
// daemon's identity is the lock holder: the pid /proc/locks lists for the
// inode's LOCK_EX must be the pid the file holds.
func examinePIDFile(path string, fd int, st *unix.Stat_t) (Info, next) {
	info := Info{Path: path, State: Unknown}
	if !namesInode(path, inodeOf(st)) {
		return info, lookAgain
	}
	pid, perr := readPIDContent(fd)
	info.PID = pid
	locks, err := readProcLocks()
	if err != nil {
		info.Err = fmt.Errorf("classic: pidfile %s: %w", path, err)
		return info, lookDone
	}
	holders := flockHolders(locks, unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)), uint64(st.Ino))
	if len(holders) == 0 {
		// Unlocked, or the holder was missed: /proc/locks is read a page
		// at a time and locks released meanwhile shift it, or stat and
		// /proc/locks disagree on the device (some stacked file systems).
		// The lock itself decides; a missed holder is looked for again.
		locked, err := probeLock(fd)
		switch {
		case err != nil:
			info.Err = fmt.Errorf("classic: pidfile %s: %w", path, err)
			return info, lookDone
		case locked:
			info.Err = fmt.Errorf("classic: pidfile %s: locked, but /proc/locks names no holder: %w", path, ErrForeign)
			return info, lookAgain
		}
		return deadInfo(path, pid, perr), lookDone
	}
	switch {
	case perr != nil:
		info.Err = fmt.Errorf("classic: pidfile %s: locked by pid %d, but %v: %w", path, holders[0], perr, ErrForeign)
		return info, settleFirst
	case len(holders) > 1 || holders[0] != pid:
		info.Err = fmt.Errorf("classic: pidfile %s: names pid %d, but pid %d holds its lock: %w", path, pid, holders[0], ErrForeign)
		return info, settleFirst
	case !pidAlive(pid):
		// It exited since /proc/locks was read, or the lock outlived the
		// process that took it: a child inherited the descriptor, and that
		// child is not the daemon the file names. A new look tells.
		info.Err = fmt.Errorf("classic: pidfile %s: locked in the name of pid %d, which is gone: %w", path, pid, ErrForeign)
		return info, lookAgain
	}
	info.State, info.Err = Running, nil
	return info, lookDone
}

// readProcLocks reads /proc/locks in reads as large as the kernel gives,
// a page each: what it lists is consistent only within one read.
func readProcLocks() ([]byte, error) {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 0, 64<<10)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// pidAlive tells whether pid is a process that has not exited: a zombie
// has (it holds no files, no locks, and waits only to be reaped).
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, fs.ErrNotExist) {
		// Gone, or hidden from us (mount option hidepid): kill(pid, 0)
		// tells these apart, EPERM meaning alive.
		return !errors.Is(unix.Kill(pid, 0), unix.ESRCH)
	}
	if err != nil {
		return true // unreadable is not dead
	}
	state, err := parseProcState(stat)
	return err != nil || (state != 'Z' && state != 'X')
}

// settleTime bounds how long a look waits for a pidfile locked by someone
// other than the pid it names to change: a Create or Stop racing with us
// holds that state for microseconds; a foreign holder, for ever. (A
// variable for the tests.)
var settleTime = 250 * time.Millisecond

// pidfileWatch waits for a pidfile to change, through inotify: its name in
// the directory (created, moved, deleted) and its inode (link count, last
// close, which is when a flock is released). The zero value is off; the
// first wait turns it on, for settleTime.
type pidfileWatch struct {
	on       bool
	fd       int // inotify; -1 if it could not be had
	inode    int // the inode's watch descriptor; -1 if none
	deadline time.Time
}

// arm watches the inode of fd, before the caller looks at it, and forgets
// the events that came before: the look sees what they changed.
func (w *pidfileWatch) arm(fd int) {
	if !w.on || w.fd < 0 {
		return
	}
	wd, err := unix.InotifyAddWatch(w.fd, "/proc/self/fd/"+strconv.Itoa(fd),
		unix.IN_ATTRIB|unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE|unix.IN_DELETE_SELF)
	if err == nil && wd != w.inode {
		if w.inode >= 0 {
			unix.InotifyRmWatch(w.fd, uint32(w.inode))
		}
		w.inode = wd
	}
	var buf [4096]byte
	for {
		if n, err := unix.Read(w.fd, buf[:]); n <= 0 && !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// wait reports whether path may have changed: at once the first time
// (nothing was armed for the look just made), then when an event comes.
// It returns false once settleTime has passed.
func (w *pidfileWatch) wait(path string) bool {
	if !w.on {
		w.on, w.inode, w.deadline = true, -1, time.Now().Add(settleTime)
		w.fd = w.open(filepath.Dir(path))
		return true
	}
	for w.fd >= 0 {
		left := time.Until(w.deadline)
		if left <= 0 {
			return false
		}
		fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err == nil {
			return n > 0
		}
		if !errors.Is(err, unix.EINTR) {
			return false
		}
	}
	return false
}

func (w *pidfileWatch) open(dir string) int {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return -1
	}
	_, err = unix.InotifyAddWatch(fd, dir,
		unix.IN_CREATE|unix.IN_DELETE|unix.IN_MOVED_FROM|unix.IN_MOVED_TO|unix.IN_ONLYDIR)
	if err != nil {
		unix.Close(fd)
		return -1
	}
	return fd
}

func (w *pidfileWatch) close() {
	if w.on && w.fd >= 0 {
		unix.Close(w.fd)
	}
	w.on = false
}
