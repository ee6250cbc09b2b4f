//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package pidfile

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

// File is a pidfile held by this process: written with its pid and
// write-locked until Remove.
type File struct {
	path  string
	pid   int
	id    inodeID // the inode we locked, never to unlink another one
	fd    int     // read-write, holds the lock; -1 once removed
	extra []int   // other descriptors of the file, closed with fd
}

// Path is the pidfile's path, as Clean made it.
func (f *File) Path() string { return f.path }

// PID is the pid written in the pidfile: this process's.
func (f *File) PID() int { return f.pid }

// maxAttempts bounds Create's and Inspect's retries when the pidfile changes
// under them: each retry follows an observed change, so only a storm of
// concurrent starts and stops could use them up.
const maxAttempts = 64

// Create makes path the pidfile of this process (see the package doc). If
// a daemon holds it, the error is a *RunningError; if the proof fails for
// whoever holds it, it wraps ErrForeign; an unsafe directory or file,
// ErrUnsafe. The pidfile has mode 0644 whatever the umask, so status works
// for all; its descriptor is close-on-exec.
func Create(path string) (*File, error) { return CreateFor(path, "") }

// CreateFor is Create for a process that will exec exe (absolute, with
// no symbolic link in it; "": this program): a holder of the pidfile that
// runs exe is the daemon already running.
func CreateFor(path, exe string) (*File, error) {
	path, err := Clean(path)
	if err != nil {
		return nil, err
	}
	if err := CheckDir(path); err != nil {
		return nil, err
	}
	pid := os.Getpid()
	var tmp *temp
	defer func() { tmp.discard() }()
	var w watch
	defer w.close()
	for range maxAttempts {
		if tmp == nil {
			if tmp, err = newTemp(path, pid); err != nil {
				return nil, err
			}
		}
		err := untilNotEINTR(func() error { return unix.Link(tmp.name, path) })
		if err == nil {
			if namesInode(path, tmp.id) {
				f := &File{path: path, pid: pid, id: tmp.id, fd: tmp.fd}
				tmp.fd = -1 // now f's
				register(f)
				return f, nil
			}
			// Replaced at once by something that takes no lock: afresh.
			tmp.discard()
			tmp = nil
			continue
		}
		if !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("pidfile %s: %w", path, &os.LinkError{Op: "link", Old: tmp.name, New: path, Err: err})
		}
		if err := claim(path, exe, &w); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("pidfile %s: still changing after %d attempts", path, maxAttempts)
}

func register(f *File) {
	held.Lock()
	defer held.Unlock()
	if held.files == nil {
		held.files = map[inodeID]*File{}
	}
	held.files[f.id] = f
}

// claim deals with the file at path that kept Create from linking its
// own: it unlinks it if stale, returns a *RunningError if its daemon
// lives, and waits out a pidfile caught being replaced. A nil error
// means: try again.
func claim(path, exe string, w *watch) error {
	o, err := open(path, true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer o.close()
	if f := heldFile(o.id()); f != nil {
		return &RunningError{Path: path, PID: f.pid}
	}
	w.arm(o.fd)
	if err := writeLock(o.fd); err == nil {
		// Stale, and ours until o closes: no other claimer unlinks it,
		// nor a new pidfile in its stead.
		return unlinkInode(path, o.id())
	} else if !errors.Is(err, errLocked) {
		return fmt.Errorf("pidfile %s: %w", path, err)
	}
	info, n := examine(path, o, exe)
	switch {
	case n == lookAgain:
		return nil
	case info.State == Running:
		return &RunningError{Path: path, PID: info.PID}
	case info.State == Dead:
		// Stale, but a stranger's read lock keeps us from locking it:
		// it proves nothing, and the name is ours to free.
		return unlinkInode(path, o.id())
	case n == settleFirst && w.wait(path):
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
		return fmt.Errorf("pidfile %s: %w", path, &os.PathError{Op: "unlink", Path: path, Err: err})
	}
	return nil
}

// Remove unlinks the pidfile, then releases its lock: in that order, so
// that whoever gets the lock next finds the name free. A daemon that may
// no longer unlink it (it dropped privileges) empties it instead, which
// reads as Stopped. It leaves alone a file that is no longer ours at path.
// Calling it again does nothing.
func (f *File) Remove() error {
	if f == nil {
		return nil
	}
	held.Lock()
	defer held.Unlock()
	if f.fd < 0 {
		return nil
	}
	err := f.unlink()
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EROFS) {
		err = nil
		if terr := untilNotEINTR(func() error { return unix.Ftruncate(f.fd, 0) }); terr != nil {
			err = fmt.Errorf("pidfile %s: %w", f.path, &os.PathError{Op: "truncate", Path: f.path, Err: terr})
		}
	}
	for _, fd := range append(f.extra, f.fd) {
		unix.Close(fd)
	}
	f.fd, f.extra = -1, nil
	delete(held.files, f.id)
	return err
}

// KeepOnExec clears close-on-exec on every descriptor of the pidfile this
// process has, so that the program it is about to exec holds the lock
// (POSIX record locks survive execve; closing any descriptor of the file
// would drop it). The program is then the daemon the pidfile names.
func (f *File) KeepOnExec() error {
	held.Lock()
	defer held.Unlock()
	if f.fd < 0 {
		return fmt.Errorf("pidfile %s: removed", f.path)
	}
	for _, fd := range append([]int{f.fd}, f.extra...) {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return fmt.Errorf("pidfile %s: %w", f.path, os.NewSyscallError("fcntl F_SETFD", err))
		}
	}
	return nil
}

func (f *File) unlink() error {
	var st unix.Stat_t
	err := untilNotEINTR(func() error { return unix.Lstat(f.path, &st) })
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case err != nil:
		return fmt.Errorf("pidfile %s: %w", f.path, &os.PathError{Op: "lstat", Path: f.path, Err: err})
	case inodeOf(&st) != f.id:
		return fmt.Errorf("pidfile %s: replaced by another file, left in place", f.path)
	}
	return unlinkInode(f.path, f.id)
}

// temp is a pidfile being made: complete and locked, not yet at its path.
type temp struct {
	name string
	fd   int
	id   inodeID
}

func newTemp(path string, pid int) (*temp, error) {
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
		name = filepath.Join(filepath.Dir(path), "."+prefix+"."+hex.EncodeToString(rnd[:])+".tmp")
		err = untilNotEINTR(func() (err error) {
			fd, err = unix.Open(name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("pidfile %s: %w", path, &os.PathError{Op: "open", Path: name, Err: err})
	}
	t := &temp{name: name, fd: fd}
	if err := t.fill(pid); err != nil {
		t.discard()
		return nil, fmt.Errorf("pidfile %s: %w", path, err)
	}
	return t, nil
}

// fill writes the pid and locks the file, before the file gets its name.
func (t *temp) fill(pid int) error {
	for b := formatContent(pid); len(b) > 0; {
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
	// none to describe; a torn one reads as Dead and is replaced.
	if err := untilNotEINTR(func() error { return unix.Fchmod(t.fd, 0o644) }); err != nil {
		return &os.PathError{Op: "fchmod", Path: t.name, Err: err}
	}
	if err := writeLock(t.fd); err != nil {
		return &os.PathError{Op: "lock", Path: t.name, Err: err}
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
func (t *temp) discard() {
	if t == nil {
		return
	}
	untilNotEINTR(func() error { return unix.Unlink(t.name) })
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}
