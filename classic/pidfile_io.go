//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package classic

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openPIDFile opens an existing pidfile for reading without following a
// symbolic link and without blocking on a FIFO planted at its name.
func openPIDFile(path string) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	var fd int
	err := untilNotEINTR(func() (err error) {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		return err
	})
	if err != nil {
		// O_NOFOLLOW fails with ELOOP on Linux, EMLINK on FreeBSD, EFTYPE
		// on NetBSD: ask the file itself.
		if lerr := unix.Lstat(path, &st); lerr == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return -1, st, fmt.Errorf("classic: pidfile %s: is a symbolic link, not followed: %w",
				path, &os.PathError{Op: "open", Path: path, Err: unix.ELOOP})
		}
		return -1, st, fmt.Errorf("classic: pidfile %s: %w", path, &os.PathError{Op: "open", Path: path, Err: err})
	}
	if err := untilNotEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		unix.Close(fd)
		return -1, st, fmt.Errorf("classic: pidfile %s: %w", path, &os.PathError{Op: "fstat", Path: path, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, st, fmt.Errorf("classic: pidfile %s: not a regular file (mode %#o)", path, st.Mode)
	}
	return fd, st, nil
}

// readPIDContent reads the pid in an open pidfile.
func readPIDContent(fd int) (int, error) {
	buf := make([]byte, maxPIDContent+1)
	var n int
	err := untilNotEINTR(func() (err error) {
		n, err = unix.Pread(fd, buf, 0)
		return err
	})
	if err != nil {
		return 0, os.NewSyscallError("pread", err)
	}
	return parsePIDContent(buf[:n])
}

// namesInode tells whether path (not followed) is the inode id.
func namesInode(path string, id inodeID) bool {
	var st unix.Stat_t
	err := untilNotEINTR(func() error { return unix.Lstat(path, &st) })
	return err == nil && inodeOf(&st) == id
}

func inodeOf(st *unix.Stat_t) inodeID {
	return inodeID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
}

// probeLock tells whether someone holds an exclusive lock on fd's file. It
// takes a shared lock for an instant, never an exclusive one, so concurrent
// probes do not see each other as holders.
func probeLock(fd int) (bool, error) {
	err := untilNotEINTR(func() error { return unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB) })
	switch {
	case err == nil:
		untilNotEINTR(func() error { return unix.Flock(fd, unix.LOCK_UN) })
		return false, nil
	case errors.Is(err, unix.EWOULDBLOCK):
		return true, nil
	}
	return false, os.NewSyscallError("flock", err)
}

// untilNotEINTR calls fn again while it fails with EINTR.
func untilNotEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
