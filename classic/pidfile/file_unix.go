//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package pidfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// inodeID names a file independently of its path.
type inodeID struct{ dev, ino uint64 }

func inodeOf(st *unix.Stat_t) inodeID {
	return inodeID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
}

// held is the registry of the pidfiles this process holds, by inode: a
// descriptor of one of them must never be closed, or the process's write
// lock on it goes with it (POSIX locks are per process and file, not per
// descriptor). A look at such a file keeps its descriptor in extra.
var held struct {
	sync.Mutex
	files map[inodeID]*File
}

// heldFile is the File this process holds at id, or nil.
func heldFile(id inodeID) *File {
	held.Lock()
	defer held.Unlock()
	return held.files[id]
}

// keep hands fd, a descriptor of a file this process holds, to that File,
// which closes it with its own; it reports false if no File holds id.
func keep(id inodeID, fd int) bool {
	held.Lock()
	defer held.Unlock()
	f := held.files[id]
	if f == nil {
		return false
	}
	f.extra = append(f.extra, fd)
	return true
}

// closeFile closes fd, a descriptor of the file id, unless this process
// holds that file: then it is kept, since closing it would drop the lock.
func closeFile(fd int, id inodeID) {
	if !keep(id, fd) {
		unix.Close(fd)
	}
}

// opened is a pidfile open for a look: its descriptor and what fstat said.
type opened struct {
	fd int
	st unix.Stat_t
}

func (o *opened) id() inodeID { return inodeOf(&o.st) }
func (o *opened) close()      { closeFile(o.fd, o.id()) }

// open opens an existing pidfile without following a symbolic link and
// without blocking on a FIFO planted at its name; it must be a regular
// file owned by us or root. write asks for a descriptor that can take the
// write lock; a caller that may not write gets a read-only one.
func open(path string, write bool) (*opened, error) {
	mode := unix.O_RDONLY
	if write {
		mode = unix.O_RDWR
	}
	var fd int
	err := untilNotEINTR(func() (err error) {
		fd, err = unix.Open(path, mode|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
		return err
	})
	if write && err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ELOOP) {
		// Not ours to write (or not a file): a read-only look tells why.
		return open(path, false)
	}
	if err != nil {
		var st unix.Stat_t
		// O_NOFOLLOW fails with ELOOP on Linux, EMLINK on FreeBSD, EFTYPE
		// on NetBSD: ask the file itself.
		if lerr := unix.Lstat(path, &st); lerr == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return nil, fmt.Errorf("pidfile %s: is a symbolic link, not followed: %w",
				path, &os.PathError{Op: "open", Path: path, Err: unix.ELOOP})
		}
		return nil, fmt.Errorf("pidfile %s: %w", path, &os.PathError{Op: "open", Path: path, Err: err})
	}
	o := &opened{fd: fd}
	if err := untilNotEINTR(func() error { return unix.Fstat(fd, &o.st) }); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pidfile %s: %w", path, &os.PathError{Op: "fstat", Path: path, Err: err})
	}
	if o.st.Mode&unix.S_IFMT != unix.S_IFREG {
		o.close()
		return nil, fmt.Errorf("pidfile %s: not a regular file (mode %#o)", path, o.st.Mode)
	}
	if uid := int(o.st.Uid); uid != 0 && uid != os.Geteuid() {
		o.close()
		return nil, fmt.Errorf("pidfile %s: owned by uid %d, not by us (uid %d) or root: %w", path, uid, os.Geteuid(), ErrUnsafe)
	}
	return o, nil
}

// CheckDir checks path's directory: it must exist, and neither group nor
// others may write it, nor may anyone but us or root own it, root
// included: whoever can write it can replace the pidfile or squat its
// name. It is what a launcher checks before it forks.
func CheckDir(path string) error {
	dir := filepath.Dir(path)
	var st unix.Stat_t
	if err := untilNotEINTR(func() error { return unix.Stat(dir, &st) }); err != nil {
		return fmt.Errorf("pidfile %s: directory: %w", path, &os.PathError{Op: "stat", Path: dir, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("pidfile %s: %s is not a directory", path, dir)
	}
	if uid := int(st.Uid); st.Mode&0o022 != 0 || (uid != 0 && uid != os.Geteuid()) {
		return fmt.Errorf("pidfile %s: directory %s (mode %#o, owner uid %d) may be written by others than uid %d and root: %w",
			path, dir, st.Mode&0o7777, st.Uid, os.Geteuid(), ErrUnsafe)
	}
	return nil
}

// readContent reads the pid in an open pidfile; empty reports a file
// emptied by a daemon at its exit.
func readContent(fd int) (pid int, empty bool, err error) {
	buf := make([]byte, maxContent+1)
	var n int
	err = untilNotEINTR(func() (err error) {
		n, err = unix.Pread(fd, buf, 0)
		return err
	})
	if err != nil {
		return 0, false, os.NewSyscallError("pread", err)
	}
	if n == 0 {
		return 0, true, errors.New("empty")
	}
	pid, err = parseContent(buf[:n])
	return pid, false, err
}

// namesInode tells whether path (not followed) is the inode id.
func namesInode(path string, id inodeID) bool {
	var st unix.Stat_t
	err := untilNotEINTR(func() error { return unix.Lstat(path, &st) })
	return err == nil && inodeOf(&st) == id
}

// wholeFile is the lock range: the whole file, however long.
func wholeFile(typ int16) *unix.Flock_t {
	return &unix.Flock_t{Type: typ, Whence: 0, Start: 0, Len: 0}
}

// writeLock takes the write lock without waiting; errLocked if another
// process holds a lock that conflicts.
func writeLock(fd int) error {
	err := untilNotEINTR(func() error { return unix.FcntlFlock(uintptr(fd), unix.F_SETLK, wholeFile(unix.F_WRLCK)) })
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return errLocked
	}
	if err != nil {
		return os.NewSyscallError("fcntl F_SETLK", err)
	}
	return nil
}

var errLocked = errors.New("locked")

// lockHolder asks who would stop us write-locking fd's file (F_GETLK):
// writer is true and pid names the process for a write lock; writer is
// false for a read lock, and pid is 0 with writer false when nobody
// holds one. A holder outside our pid namespace reads as pid 0.
func lockHolder(fd int) (locked, writer bool, pid int, err error) {
	lk := wholeFile(unix.F_WRLCK)
	err = untilNotEINTR(func() error { return unix.FcntlFlock(uintptr(fd), unix.F_GETLK, lk) })
	if err != nil {
		return false, false, 0, os.NewSyscallError("fcntl F_GETLK", err)
	}
	switch lk.Type {
	case unix.F_UNLCK:
		return false, false, 0, nil
	case unix.F_WRLCK:
		return true, true, int(lk.Pid), nil
	}
	return true, false, int(lk.Pid), nil
}

// untilNotEINTR calls fn again while it fails with EINTR.
func untilNotEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
