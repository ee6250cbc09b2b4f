package classic

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/classic/pidfile"
	"github.com/svcdev/svc/systemd"
)

// setUp is the daemon's side: daemon(7)'s set-up in the package's order.
// It reports failure (STATUS=, ERRNO=) or another running daemon
// (X_SVC_ALREADY=) to the launcher and exits; it returns only success.
func setUp(h handoff, o Options, err error) *Daemon {
	if o.Exec == "" { // a wrapped program's exec replaces the environ block anyway
		scrubExecEnviron(HandoffEnv) // cosmetic (/proc/PID/environ): Unsetenv already keeps children clean
	}
	n, nerr := systemd.NewNotifier(h.notify)
	if err == nil {
		err = nerr
	}
	if err != nil {
		exitReporting(n, err)
	}
	// The daemon's hello, before it touches the pidfile: a launcher that
	// must abort before the middle named us finds us by it (abort).
	name := o.Name
	if name == "" {
		name = filepath.Base(os.Args[0])
	}
	n.Notify("X_SVC_NAME=" + name)
	d, err := daemonSetUp(n, h.notify, o)
	if err != nil {
		exitReporting(n, err)
	}
	if o.Exec != "" {
		execProgram(n, d, o) // does not return
	}
	n.Close()
	return d
}

// daemonSetUp does the steps after the hand-off. The signal mask needs no
// step: the middle started us with an empty one (startUnmasked), which
// the runtime gives every thread, and init keeps os/signal's masking
// thread off the main thread.
func daemonSetUp(n *systemd.Notifier, notify string, o Options) (*Daemon, error) {
	if err := defaultSignals(); err != nil {
		return nil, err
	}
	if err := closeInheritedFDs(); err != nil {
		return nil, err
	}
	unix.Umask(int(*o.Umask))
	if err := chdir(o.Chdir); err != nil {
		return nil, err
	}
	cr, err := lookupCreds(o.User, o.Group)
	if err != nil {
		return nil, err
	}
	out, err := openOutput(o.LogFile, cr)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	pf, err := pidfile.CreateFor(o.PIDFile, Exec(o.Exec).proof())
	if errors.Is(err, ErrRunning) {
		var re *RunningError
		errors.As(err, &re)
		n.Notify(systemd.Status(err.Error()), "X_SVC_ALREADY="+strconv.Itoa(re.PID))
		os.Exit(0)
	}
	if err != nil {
		return nil, err
	}
	n.Notify("X_SVC_PIDFILE=" + o.PIDFile)
	if err := cr.drop(); err != nil {
		pf.Remove()
		return nil, err
	}
	if o.NoNewPrivs {
		if err := NoNewPrivs(); err != nil {
			pf.Remove()
			return nil, err
		}
	}
	if err := redirectStdio(out); err != nil {
		pf.Remove()
		return nil, err
	}
	return &Daemon{notify: notify, pidfile: pf}, nil
}

// exitReporting tells the launcher why the daemon cannot run, and exits.
func exitReporting(n *systemd.Notifier, err error) {
	n.Notify(systemd.Failure(reported{err})...)
	os.Exit(1)
}

// defaultSignals resets every ignored signal to its default action. (The
// runtime keeps an inherited SIG_IGN for SIGHUP and SIGINT; the others it
// catches itself.) Handlers cannot be inherited across exec, so ignored
// ones are all that can be left over.
func defaultSignals() error {
	ign, err := sigIgnored()
	if err != nil {
		return err
	}
	for sig := 1; sig <= 64; sig++ {
		if ign&(1<<(sig-1)) != 0 {
			if err := sigDefault(sig); err != nil {
				return fmt.Errorf("classic: reset signal %d: %w", sig, err)
			}
		}
	}
	return nil
}

// sigIgnored reads the SigIgn mask from /proc/self/status.
func sigIgnored() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("classic: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("SigIgn:")); ok {
			return strconv.ParseUint(string(bytes.TrimSpace(v)), 16, 64)
		}
	}
	return 0, errors.New("classic: /proc/self/status: no SigIgn line")
}

// sigDefault sets sig's action to SIG_DFL with rt_sigaction. Go offers no
// way to: signal.Reset restores an inherited SIG_IGN. An all-zero struct
// sigaction is SIG_DFL with no flags and an empty mask on every
// architecture, whatever its layout; the sigset size is 8 bytes, or 16 on
// MIPS, which rejects 8 with EINVAL.
func sigDefault(sig int) error {
	var act [8]uint64
	var err error
	for _, size := range []uintptr{8, 16} {
		_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, size, 0, 0)
		if e == 0 {
			return nil
		}
		err = e
		if e != unix.EINVAL {
			break
		}
	}
	return os.NewSyscallError("rt_sigaction", err)
}

// closeInheritedFDs closes every descriptor above 2 that survived exec.
// Those are the ones without FD_CLOEXEC; the runtime and the standard
// library open everything close-on-exec, so they are never among them.
func closeInheritedFDs() error {
	fds, err := openFDs()
	if err != nil {
		return fmt.Errorf("classic: %w", err)
	}
	for _, fd := range fds {
		if fd < 3 {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			unix.Close(fd)
		}
	}
	return nil
}

func chdir(dir string) error {
	for {
		err := unix.Chdir(dir)
		if !errors.Is(err, unix.EINTR) {
			if err != nil {
				return fmt.Errorf("classic: %w", &os.PathError{Op: "chdir", Path: dir, Err: err})
			}
			return nil
		}
	}
}

// openOutput opens the log file for appending (created 0640), or
// /dev/null; done before privileges are dropped, as start-stop-daemon
// does, so a root-owned log directory works.
//
// When privileges are dropped later, the log is handed to the service's
// user so that it can reopen it on reload (logrotate). That chown runs as
// root on a path in a directory the service may write, so it must not be
// steerable: no symlink is followed, in the last component or any other
// (openat2 RESOLVE_NO_SYMLINKS: a planted link to a directory would do
// as well as one to the file), and only a regular file with a single
// link is given away — never /etc/shadow through a planted link.
func openOutput(path string, cr *creds) (*os.File, error) {
	if path == "" {
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	}
	flags := os.O_WRONLY | os.O_APPEND | os.O_CREATE | syscall.O_NOCTTY
	if cr == nil || (cr.uid == -1 && cr.gid == -1) {
		f, err := os.OpenFile(path, flags, 0o640)
		if err != nil {
			return nil, fmt.Errorf("classic: log file: %w", err)
		}
		return f, nil
	}
	how := &unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Mode:    0o640,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	fd, err := unix.Openat2(unix.AT_FDCWD, path, how)
	for errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) { // EAGAIN: a rename raced the walk
		fd, err = unix.Openat2(unix.AT_FDCWD, path, how)
	}
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("classic: log file %s: a symbolic link in its path; refusing to hand it to the service's user", path)
	case errors.Is(err, unix.ENOSYS):
		return nil, fmt.Errorf("classic: log file %s: this kernel cannot open it without following symbolic links (openat2, Linux 5.6), so it is not handed to the service's user", path)
	case err != nil:
		return nil, fmt.Errorf("classic: log file: %w", &os.PathError{Op: "open", Path: path, Err: err})
	}
	f := os.NewFile(uintptr(fd), path)
	if err := chownLog(f, cr); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func chownLog(f *os.File, cr *creds) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return &os.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 {
		return fmt.Errorf("classic: log file %s: not a regular file with one link; refusing to hand it to the service's user", f.Name())
	}
	if err := unix.Fchown(int(f.Fd()), cr.uid, cr.gid); err != nil {
		return &os.PathError{Op: "chown", Path: f.Name(), Err: err}
	}
	return nil
}

// redirectStdio points stdin at /dev/null and stdout and stderr at out.
func redirectStdio(out *os.File) error {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("classic: %w", err)
	}
	defer null.Close()
	for fd, f := range []*os.File{null, out, out} {
		if err := dupOnto(int(f.Fd()), fd); err != nil {
			return err
		}
	}
	return nil
}

// dupOnto makes newfd a copy of oldfd without close-on-exec.
func dupOnto(oldfd, newfd int) error {
	if oldfd == newfd {
		_, err := unix.FcntlInt(uintptr(newfd), unix.F_SETFD, 0)
		return os.NewSyscallError("fcntl", err)
	}
	for {
		err := unix.Dup3(oldfd, newfd, 0)
		if !errors.Is(err, unix.EINTR) {
			return os.NewSyscallError("dup3", err)
		}
	}
}

// Start os/signal's mask thread during init, while the main goroutine is
// locked to the main thread. That thread blocks every signal no channel
// wants; started later it may land on the main thread, whose mask is the
// one /proc/PID/status reports (SigBlk) and which, for daemon(7), must be
// empty. Notify then Stop of SIGWINCH starts it and changes nothing else.
// It is done in every process, not only the daemon: whether this process
// is the daemon may only be known after the init of classic/prestart,
// and package init order must not decide correctness. The cost is one
// thread start.
func init() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGWINCH)
	signal.Stop(c)
}
