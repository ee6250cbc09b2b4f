package systemd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/activation"
)

// ListenFDsStart is SD_LISTEN_FDS_START: the first fd socket activation
// passes.
const ListenFDsStart = 3

// ErrNoListener is returned by Listener when none of the files fits.
var ErrNoListener = errors.New("systemd: no matching listening socket")

// ListenEnv is what socket activation passes in the environment, parsed.
// FDs counts the descriptors from ListenFDsStart; Names has one name per fd
// ("unknown" where the manager gave none, as sd_listen_fds_with_names does).
type ListenEnv struct {
	FDs   int
	Names []string
}

// ParseListenEnv reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES through
// getenv for process pid. No LISTEN_PID, or one naming another process (the
// variables were inherited, not meant for us), gives a zero ListenEnv and no
// error; malformed values are an error.
func ParseListenEnv(getenv func(string) string, pid int) (ListenEnv, error) {
	lp := getenv("LISTEN_PID")
	if lp == "" {
		return ListenEnv{}, nil
	}
	p, err := strconv.Atoi(lp)
	if err != nil || p <= 0 {
		return ListenEnv{}, fmt.Errorf("systemd: LISTEN_PID=%q: not a pid", lp)
	}
	if p != pid {
		return ListenEnv{}, nil
	}
	lf := getenv("LISTEN_FDS")
	n, err := strconv.Atoi(lf)
	if err != nil || n < 0 {
		return ListenEnv{}, fmt.Errorf("systemd: LISTEN_FDS=%q: not a count", lf)
	}
	names := make([]string, n)
	for i := range names {
		names[i] = "unknown"
	}
	if v := getenv("LISTEN_FDNAMES"); v != "" {
		given := strings.Split(v, ":")
		if len(given) != n {
			return ListenEnv{}, fmt.Errorf("systemd: LISTEN_FDNAMES=%q: %d names for LISTEN_FDS=%d", v, len(given), n)
		}
		copy(names, given)
	}
	return ListenEnv{FDs: n, Names: names}, nil
}

// Files returns one *os.File per passed fd, named as the manager named it,
// after checking each is open and marking it close-on-exec so programs the
// service starts do not inherit it. Call it once: the files own the fds.
func (e ListenEnv) Files() ([]*os.File, error) {
	// Check every fd before wrapping any: an *os.File's finalizer would
	// close its fd if we dropped it on a later error.
	for i := range e.FDs {
		if err := adoptFD(ListenFDsStart + i); err != nil {
			return nil, fmt.Errorf("systemd: socket activation fd %d (%s): %w", ListenFDsStart+i, e.name(i), err)
		}
	}
	files := make([]*os.File, 0, e.FDs)
	for i := range e.FDs {
		files = append(files, os.NewFile(uintptr(ListenFDsStart+i), e.name(i)))
	}
	return files, nil
}

func (e ListenEnv) name(i int) string {
	if i < len(e.Names) && e.Names[i] != "" {
		return e.Names[i]
	}
	return "unknown"
}

// ListenFilesFromEnv returns the files socket activation passed to this
// process, or none. go-systemd's activation.Files takes them (close-on-exec,
// names; "LISTEN_FD_<n>" where the manager gave none), with unsetEnv
// false: LISTEN_PID keeps children from claiming the fds, which are
// close-on-exec anyway, and mode detection that runs later still sees it.
// Files takes the variables on trust, so ParseListenEnv checks them first
// (malformed values are an error, not "no sockets") and adoptFD that each
// fd is open (Files would wrap a closed one).
func ListenFilesFromEnv() ([]*os.File, error) {
	e, err := ParseListenEnv(os.Getenv, os.Getpid())
	if err != nil || e.FDs == 0 {
		return nil, err
	}
	for i := range e.FDs {
		if err := adoptFD(ListenFDsStart + i); err != nil {
			return nil, fmt.Errorf("systemd: socket activation fd %d (%s): %w", ListenFDsStart+i, e.name(i), err)
		}
	}
	files := activation.Files(false)
	if len(files) != e.FDs {
		return nil, fmt.Errorf("systemd: socket activation: go-systemd took %d fds of LISTEN_FDS=%d", len(files), e.FDs)
	}
	return files, nil
}

// Listener returns a net.Listener for the first of files named name that is
// a listening stream socket; with name "", the first listening stream
// socket of any name. The chosen file is closed (the listener holds its own
// duplicate); the others are left alone. ErrNoListener when none fits.
func Listener(files []*os.File, name string) (net.Listener, error) {
	for i, f := range files {
		if f == nil || (name != "" && f.Name() != name) {
			continue
		}
		ok, err := isListeningStream(f)
		if err != nil {
			return nil, fmt.Errorf("systemd: socket activation fd %q: %w", f.Name(), err)
		}
		if !ok {
			continue
		}
		ln, err := net.FileListener(f)
		if err != nil {
			return nil, fmt.Errorf("systemd: socket activation fd %q: %w", f.Name(), err)
		}
		f.Close()
		files[i] = nil
		return ln, nil
	}
	if name != "" {
		return nil, fmt.Errorf("%w named %q", ErrNoListener, name)
	}
	return nil, ErrNoListener
}
