package systemdtest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"

	"golang.org/x/sys/unix"
)

// WriteFile writes data to the absolute path name inside the instance,
// creating missing parent directories (0755) and setting perm exactly (no
// umask). Path resolution is confined to the instance's root
// (openat2 RESOLVE_IN_ROOT): a symlink inside, such as /var/run -> /run,
// leads to the instance's file, never the host's.
func (m *Machine) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if err := m.writeFile(name, data, perm); err != nil {
		return fmt.Errorf("systemdtest: write %s: %w", name, err)
	}
	return nil
}

func (m *Machine) writeFile(name string, data []byte, perm fs.FileMode) error {
	if !path.IsAbs(name) {
		return errors.New("not an absolute path")
	}
	root, err := m.openRoot()
	if err != nil {
		return err
	}
	defer unix.Close(root)
	if err := mkdirAllIn(root, path.Dir(name)); err != nil {
		return err
	}
	fd, err := openIn(root, name, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm.Perm()) // an existing file keeps its mode on open; umask trims a new one
	}
	return errors.Join(err, f.Close())
}

// ReadFile reads the absolute path name inside the instance, resolved as
// WriteFile does.
func (m *Machine) ReadFile(name string) ([]byte, error) {
	b, err := m.readFile(name)
	if err != nil {
		return nil, fmt.Errorf("systemdtest: read %s: %w", name, err)
	}
	return b, nil
}

func (m *Machine) readFile(name string) ([]byte, error) {
	if !path.IsAbs(name) {
		return nil, errors.New("not an absolute path")
	}
	root, err := m.openRoot()
	if err != nil {
		return nil, err
	}
	defer unix.Close(root)
	fd, err := openIn(root, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	return io.ReadAll(f)
}

// openRoot opens the instance's root directory (PID 1's, after its
// pivot_root) as an O_PATH fd.
func (m *Machine) openRoot() (int, error) {
	if m.closed.Load() || !m.alive() {
		return -1, errNotRunning
	}
	p := "/proc/" + strconv.Itoa(m.pid) + "/root"
	for {
		fd, err := unix.Open(p, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: p, Err: err}
		}
		return fd, nil
	}
}

// openIn opens name with root as "/" for the whole resolution.
func openIn(root int, name string, flags int, mode uint32) (int, error) {
	how := &unix.OpenHow{
		Flags:   uint64(flags),
		Mode:    uint64(mode),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for {
		fd, err := unix.Openat2(root, name, how)
		// EAGAIN: a concurrent rename inside made the kernel unsure the
		// walk stayed in root; it asks for a retry.
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "openat2", Path: name, Err: err}
		}
		return fd, nil
	}
}

// mkdirAllIn is os.MkdirAll confined to root: each missing directory is
// made with mkdirat in its parent, itself opened confined.
func mkdirAllIn(root int, dir string) error {
	if dir == "/" {
		return nil
	}
	fd, err := openIn(root, dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		return unix.Close(fd)
	}
	if !errors.Is(err, unix.ENOENT) {
		return err
	}
	if err := mkdirAllIn(root, path.Dir(dir)); err != nil {
		return err
	}
	parent, err := openIn(root, path.Dir(dir), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	if err := unix.Mkdirat(parent, path.Base(dir), 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return &os.PathError{Op: "mkdirat", Path: dir, Err: err}
	}
	return nil
}
