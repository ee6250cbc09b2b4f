//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package classic

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// maxAttempts bounds Create's and Inspect's retries when the pidfile changes
// under them: each retry follows an observed change, so only a storm of
// concurrent starts and stops could use them up.
const maxAttempts = 64

// Create makes path the pidfile of this process: it writes the pid to a
// temporary file in the same directory, locks it (flock LOCK_EX), and links
// it to path only if path does not exist, so a reader sees either no file or
// a complete, locked one, and two concurrent Creates cannot both win. A
// stale pidfile (nobody holds its lock) is unlinked, under its lock, and the
// link retried.
//
// If a live daemon holds path, Create returns a *RunningError naming it. If
// path is locked by a process that is not the pid it names, the error wraps
// ErrForeign. Create refuses a symbolic link at path, a directory that is
// missing, and one that is group- or world-writable but owned by another
// user (ErrUnsafeDir; a sticky /tmp is refused too, unless we own it: the
// owner of such a directory, or anyone who can write to it, could otherwise
// replace the pidfile or squat its name).
//
// The pidfile has mode 0644 whatever the umask, so status works for all.
// The lock is not inherited across exec (O_CLOEXEC).
func Create(path string) (*PIDFile, error) {
	dir, err := pidfileDir(path)
	if err != nil {
		return nil, err
	}
	pid := os.Getpid()
	var tmp *pidTemp
	defer func() { tmp.discard() }()
	var w pidfileWatch
	defer w.close()
	for range maxAttempts {
		if tmp == nil {
			if tmp, err = newPIDTemp(dir, path, pid); err != nil {
				return nil, err
			}
		}
		err := untilNotEINTR(func() error { return unix.Link(tmp.name, path) })
		if err == nil {
			if namesInode(path, tmp.id) {
				p := &PIDFile{path: path, pid: pid, id: tmp.id, fd: tmp.fd}
				tmp.fd = -1 // now p's
				return p, nil
			}
			// Something that does not lock replaced it at once; start afresh.
			tmp.discard()
			tmp = nil
			continue
		}
		if !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("classic: pidfile %s: %w", path, &os.LinkError{Op: "link", Old: tmp.name, New: path, Err: err})
		}
		if err := claimExisting(path, &w); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("classic: pidfile %s: still changing after %d attempts", path, maxAttempts)
}

// claimExisting deals with the file at path that kept Create from linking
// its own: it unlinks it if stale, returns a *RunningError if its daemon
// lives, and waits out a pidfile caught being replaced or removed. A nil
// error means: try again.
func claimExisting(path string, w *pidfileWatch) error {
	fd, st, err := openPIDFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	w.arm(fd)
	err = untilNotEINTR(func() error { return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) })
	if err == nil {
		// Stale, and ours until we close fd: nobody else may unlink it now.
		return unlinkInode(path, inodeOf(&st))
	}
	if !errors.Is(err, unix.EWOULDBLOCK) {
		return fmt.Errorf("classic: pidfile %s: %w", path, &os.PathError{Op: "flock", Path: path, Err: err})
	}
	info, next := examinePIDFile(path, fd, &st)
	switch {
	case next == lookAgain || info.State == Dead:
		return nil
	case info.State == Running:
		return &RunningError{Path: path, PID: info.PID}
	case next == settleFirst && w.wait(path):
		return nil
	}
	return info.Err
}

// unlinkInode removes path if it still names inode id.
func unlinkInode(path string, id inodeID) error {
	if !namesInode(path, id) {
		return nil
	}
	err := untilNotEINTR(func() error { return unix.Unlink(path) })
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("classic: pidfile %s: %w", path, &os.PathError{Op: "unlink", Path: path, Err: err})
	}
	return nil
}

// Remove unlinks the pidfile, then releases its lock: in that order, so that
// whoever gets the lock next finds the name free, never our stale file. It
// leaves alone a file that is no longer ours at path. Calling it again does
// nothing.
func (p *PIDFile) Remove() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd < 0 {
		return nil
	}
	err := p.unlink()
	if cerr := unix.Close(p.fd); cerr != nil && err == nil {
		err = fmt.Errorf("classic: pidfile %s: %w", p.path, os.NewSyscallError("close", cerr))
	}
	p.fd = -1
	return err
}

func (p *PIDFile) unlink() error {
	var st unix.Stat_t
	err := untilNotEINTR(func() error { return unix.Lstat(p.path, &st) })
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case err != nil:
		return fmt.Errorf("classic: pidfile %s: %w", p.path, &os.PathError{Op: "lstat", Path: p.path, Err: err})
	case inodeOf(&st) != p.id:
		return fmt.Errorf("classic: pidfile %s: replaced by another file, left in place", p.path)
	}
	return unlinkInode(p.path, p.id)
}

// pidfileDir checks path's directory: it must exist and must not be
// writable by anyone but us, who could otherwise swap the pidfile.
func pidfileDir(path string) (string, error) {
	base := filepath.Base(path)
	if path == "" || path[len(path)-1] == '/' || base == "." || base == ".." {
		return "", fmt.Errorf("classic: pidfile %q: not a file name", path)
	}
	dir := filepath.Dir(path)
	var st unix.Stat_t
	if err := untilNotEINTR(func() error { return unix.Stat(dir, &st) }); err != nil {
		return "", fmt.Errorf("classic: pidfile %s: directory: %w", path, &os.PathError{Op: "stat", Path: dir, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return "", fmt.Errorf("classic: pidfile %s: %s is not a directory", path, dir)
	}
	if st.Mode&0o022 != 0 && int(st.Uid) != os.Geteuid() {
		return "", fmt.Errorf("classic: pidfile %s: directory %s (mode %#o, owner uid %d, we are uid %d): %w",
			path, dir, st.Mode&0o7777, st.Uid, os.Geteuid(), ErrUnsafeDir)
	}
	return dir, nil
}

// pidTemp is a pidfile being made: complete and locked, not yet at its path.
type pidTemp struct {
	name string
	fd   int
	id   inodeID
}

func newPIDTemp(dir, path string, pid int) (*pidTemp, error) {
	prefix := filepath.Base(path)
	if len(prefix) > 64 {
		prefix = prefix[:64] // keep the temporary name under NAME_MAX
	}
	var rnd [8]byte
	var name string
	var fd int
	var err error = unix.EEXIST
	for try := 0; errors.Is(err, unix.EEXIST) && try < 4; try++ {
		rand.Read(rnd[:])
		name = filepath.Join(dir, "."+prefix+"."+hex.EncodeToString(rnd[:])+".tmp")
		err = untilNotEINTR(func() (err error) {
			fd, err = unix.Open(name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("classic: pidfile %s: %w", path, &os.PathError{Op: "open", Path: name, Err: err})
	}
	t := &pidTemp{name: name, fd: fd}
	if err := t.fill(pid); err != nil {
		t.discard()
		return nil, fmt.Errorf("classic: pidfile %s: %w", path, err)
	}
	return t, nil
}

// fill writes the pid and locks the file, before the file gets its real
// name.
func (t *pidTemp) fill(pid int) error {
	for b := formatPIDContent(pid); len(b) > 0; {
		n, err := unix.Write(t.fd, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "write", Path: t.name, Err: err}
		}
		b = b[n:]
	}
	// No fsync: a pidfile describes a process, and after a crash there is
	// none to describe. A pidfile torn by one reads as Dead and is
	// replaced; an fsync would cost every start a disk flush (0.7 ms on
	// ext4 here) to preserve a file that is stale by then anyway.
	steps := []struct {
		op string
		fn func() error
	}{
		{"fchmod", func() error { return unix.Fchmod(t.fd, 0o644) }},
		{"flock", func() error { return unix.Flock(t.fd, unix.LOCK_EX|unix.LOCK_NB) }},
	}
	for _, s := range steps {
		if err := untilNotEINTR(s.fn); err != nil {
			return &os.PathError{Op: s.op, Path: t.name, Err: err}
		}
	}
	var st unix.Stat_t
	if err := untilNotEINTR(func() error { return unix.Fstat(t.fd, &st) }); err != nil {
		return &os.PathError{Op: "fstat", Path: t.name, Err: err}
	}
	t.id = inodeOf(&st)
	return nil
}

// discard drops the temporary name and, unless the pidfile took it over,
// the descriptor.
func (t *pidTemp) discard() {
	if t == nil {
		return
	}
	untilNotEINTR(func() error { return unix.Unlink(t.name) })
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}
