package pidfile

import (
	"errors"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// settleTime bounds how long a look waits for a pidfile locked by someone
// other than the pid it names to change: a Create or Stop racing with us
// holds that state for microseconds; a foreign holder, for ever. (A
// variable for the tests.)
var settleTime = 250 * time.Millisecond

// watch waits for a pidfile to change, through inotify: its name in
// the directory (created, moved, deleted) and its inode (link count, last
// close, which is when a lock is released). The zero value is off; the
// first wait turns it on, for settleTime.
type watch struct {
	on       bool
	fd       int // inotify; -1 if it could not be had
	inode    int // the inode's watch descriptor; -1 if none
	deadline time.Time
}

// arm watches the inode of fd, before the caller looks at it, and forgets
// the events that came before: the look sees what they changed.
func (w *watch) arm(fd int) {
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
func (w *watch) wait(path string) bool {
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

func (w *watch) open(dir string) int {
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

func (w *watch) close() {
	if w.on && w.fd >= 0 {
		unix.Close(w.fd)
	}
	w.on = false
}
