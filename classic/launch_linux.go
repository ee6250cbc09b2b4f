package classic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/classic/pidfile"
	"github.com/svcdev/svc/ready"
)

// launch is the launcher's side: notify socket, middle process, wait.
func launch(ctx context.Context, o Options) (*Launched, error) {
	w := &watch{o: o, pidfd: -1, execFD: -1, probeFD: -1}
	if o.Ready.IsProbe() {
		// A running daemon answers its own probe: that is "already
		// running" (LSB: start succeeds), not a stranger on the port.
		if info := Exec(o.Exec).Inspect(o.PIDFile); info.State == Running {
			return &Launched{PID: info.PID, Already: true, PIDFile: info.Path}, nil
		}
		p, err := o.Ready.Prepare()
		if err != nil {
			return nil, err
		}
		w.prober = p
	}
	if o.Exec != "" && o.LogFile != "" {
		w.logOffset = logSize(o.LogFile)
	}
	notify, addr, err := listenNotify()
	if err != nil {
		return nil, err
	}
	defer unix.Close(notify)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socketpair", err)
	}
	mpid, err := startMiddle(o, addr, pair[1])
	unix.Close(pair[1])
	if err != nil {
		unix.Close(pair[0])
		return nil, err
	}
	w.notify, w.ctrl, w.middle = notify, pair[0], mpid
	l, err := w.run(ctx)
	w.stopProbe()
	w.closeEarly()
	if w.execFD >= 0 {
		unix.Close(w.execFD)
	}
	// EOF on the control socket tells the middle process to exit at once.
	// Reap it before returning, success or not: once it is gone the daemon
	// has been re-parented (to init or a subreaper), so a manager that
	// reads the pidfile when we exit (systemd's Type=forking) finds its
	// own child, and a long-lived launcher keeps no zombie.
	unix.Close(w.ctrl)
	w.reapMiddle()
	if w.pidfd >= 0 {
		unix.Close(w.pidfd)
	}
	return l, err
}

// listenNotify binds the private notify socket: an abstract unixgram
// address nobody can guess, with SO_PASSCRED so every datagram carries
// its sender's pid.
func listenNotify() (fd int, addr string, err error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return -1, "", fmt.Errorf("classic: notify socket: %w", err)
	}
	return listenNotifyAt(fmt.Sprintf("@svc-classic-%d-%s", os.Getpid(), hex.EncodeToString(rnd[:])))
}

// listenNotifyAt binds a notify socket at addr, with SO_PASSCRED.
func listenNotifyAt(addr string) (fd int, _ string, err error) {
	fd, err = unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, "", os.NewSyscallError("socket", err)
	}
	if err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		err = os.NewSyscallError("setsockopt SO_PASSCRED", err)
	} else if err = unix.Bind(fd, &unix.SockaddrUnix{Name: addr}); err != nil {
		err = fmt.Errorf("classic: notify socket %s: %w", addr, os.NewSyscallError("bind", err))
	}
	if err != nil {
		unix.Close(fd)
		return -1, "", err
	}
	return fd, addr, nil
}

// startMiddle re-executes this program as the middle process: a new
// session, the control socket as fd 3, stdin /dev/null, our stdout and
// stderr (the daemon reports early errors there).
func startMiddle(o Options, notify string, ctrl int) (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("classic: %w", err)
	}
	if err := markInheritedCloexec(); err != nil {
		return 0, err
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return 0, fmt.Errorf("classic: %w", err)
	}
	defer null.Close()
	pid, err := startUnmasked(exe, argv(o), &syscall.ProcAttr{
		Env:   withHandoff(os.Environ(), handoff{role: roleMiddle, notify: notify}),
		Files: []uintptr{null.Fd(), 1, 2, uintptr(ctrl)},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return 0, fmt.Errorf("classic: start middle process: %w", err)
	}
	return pid, nil
}

func argv(o Options) []string {
	name := "svc"
	if len(os.Args) > 0 {
		name = os.Args[0]
	}
	return append([]string{name}, o.Args...)
}

// watch is the launcher's view of one launch.
type watch struct {
	o      Options
	notify int // our notify socket
	ctrl   int // our end of the control socket
	middle int // the middle's pid
	pid    int // the daemon's pid, once the middle said it
	pidfd  int // the daemon's pidfd, or -1

	middleStatus *unix.WaitStatus // once reaped

	// A wrapped program (Options.Exec): exec's pipe, its outcome, the
	// probe and the log offset its last words start at.
	execFD               int // read end, from X_SVC_EXEC=; -1 before
	execDone, execFailed bool
	prober               *ready.Prober
	probe                *probeRun
	probeFD              int // eventfd the probe signals, or -1
	logOffset            int64

	buf, oob []byte  // for datagrams
	line     []byte  // a partial control line
	early    []dgram // datagrams that came before the daemon's pid
	ctrlEOF  bool

	ready, exited, already bool
	exitCode               int
	signal                 syscall.Signal
	status, pidfile        string
	errno                  syscall.Errno
	alreadyPID             int
}

// run waits for one of: READY=1 from the daemon, the middle's report of
// its death, the timeout, or the end of ctx.
func (w *watch) run(ctx context.Context) (*Launched, error) {
	wake, stopWake, err := wakeOnDone(ctx)
	if err != nil {
		return nil, err
	}
	defer stopWake()
	deadline := time.Now().Add(w.o.Timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, w.abort(&StartError{Timeout: w.o.Timeout})
		}
		fds := []unix.PollFd{{Fd: int32(w.notify), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
		switch {
		case !w.ctrlEOF:
			fds = append(fds, unix.PollFd{Fd: int32(w.ctrl), Events: unix.POLLIN})
		case w.pidfd >= 0:
			// The middle died without a report: watch the daemon itself.
			fds = append(fds, unix.PollFd{Fd: int32(w.pidfd), Events: unix.POLLIN})
		default:
			fds = append(fds, unix.PollFd{Fd: -1})
		}
		fds = append(fds, unix.PollFd{Fd: int32(w.execFD), Events: unix.POLLIN}, unix.PollFd{Fd: int32(w.probeFD), Events: unix.POLLIN})
		if err := poll(fds, left); err != nil {
			return nil, w.abort(&StartError{Cause: err})
		}
		if w.execFD >= 0 && fds[3].Revents != 0 {
			w.readExec(deadline)
		}
		if w.probeFD >= 0 && fds[4].Revents != 0 {
			w.probeDone()
		}
		if !w.ctrlEOF && fds[2].Revents != 0 {
			if err := w.readControl(); err != nil {
				return nil, w.abort(&StartError{Cause: err})
			}
		}
		// Read datagrams after the control socket: a daemon's last words
		// are queued before the middle can report its death.
		if err := w.readNotify(); err != nil {
			return nil, w.abort(&StartError{Cause: err})
		}
		// An exec pipe that came with this round's datagrams is read now:
		// a program that exec'd and died at once has it at EOF already,
		// and its death must not be judged as if it never ran.
		if w.execFD >= 0 && readable(w.execFD) {
			w.readExec(deadline)
		}
		if l, err, done := w.outcome(); done {
			return l, err
		}
		if fds[1].Revents != 0 {
			return nil, w.abort(&StartError{Cause: context.Cause(ctx)})
		}
	}
}

// outcome decides, once the sockets are read, whether the launch is over.
func (w *watch) outcome() (*Launched, error, bool) {
	switch {
	case w.isReady():
		return &Launched{PID: w.pid, PIDFile: w.pidfile, Status: w.status}, nil, true
	case w.exited && w.already && w.exitCode == 0:
		return &Launched{PID: w.alreadyPID, Already: true, Status: w.status}, nil, true
	case w.exited:
		w.removePIDFile()
		return nil, w.startError(&StartError{Code: w.exitCode, Signal: w.signal}), true
	case w.ctrlEOF && w.pid == 0:
		w.killMiddle() // and a daemon it may have started
		return nil, w.startError(&StartError{Cause: w.middleFailure()}), true
	case w.ctrlEOF && w.pidfd < 0:
		return nil, w.abort(&StartError{Cause: errors.New("middle process died; daemon lost")}), true
	case w.ctrlEOF && readable(w.pidfd):
		w.removePIDFile()
		return nil, w.startError(&StartError{Code: 1, Cause: errors.New("exited before it was ready (its status was lost with the middle process)")}), true
	}
	return nil, nil, false
}

// reapMiddle waits for the middle process, once.
func (w *watch) reapMiddle() unix.WaitStatus {
	if w.middleStatus == nil {
		ws, _ := reap(w.middle)
		w.middleStatus = &ws
	}
	return *w.middleStatus
}

func (w *watch) middleFailure() error {
	ws := w.reapMiddle()
	if ws.Exited() {
		return fmt.Errorf("middle process pid %d exited with status %d before it started the daemon", w.middle, ws.ExitStatus())
	}
	return fmt.Errorf("middle process pid %d died (%v) before it started the daemon", w.middle, ws.Signal())
}

// startError fills e with what the daemon told.
func (w *watch) startError(e *StartError) *StartError {
	e.PID, e.Status, e.Errno = w.pid, w.status, w.errno
	if w.o.Exec != "" {
		e.Program, e.Log, e.Ran = w.o.Exec, w.o.LogFile, w.execDone
		if w.execDone { // its STATUS= says how it was, not why it failed
			e.Status, e.LastStatus = "", e.Status
		}
		if e.Log != "" {
			e.Output = lastWords(e.Log, w.logOffset)
		}
		if e.Timeout > 0 && w.probe != nil {
			e.LastCheck = w.stopProbe()
		}
	}
	return e
}

// abortWait bounds every wait of an aborted launch: a SIGKILLed process
// is gone in microseconds unless the kernel holds it (a dead NFS server).
const abortWait = 5 * time.Second

// abort kills the daemon (through its pidfd, so never a recycled pid) or,
// without one, the middle and its process group, which the daemon is in;
// waits, for at most abortWait, for the middle's report and the daemon's
// end, and removes the daemon's pidfile once its lock is free. It never
// blocks without a deadline: the rule is the same in the C launcher.
func (w *watch) abort(e *StartError) *StartError {
	switch {
	case w.exited:
	case w.pidfd >= 0:
		unix.PidfdSendSignal(w.pidfd, unix.SIGKILL, nil, 0)
		e.Killed = true
	default:
		w.killMiddle()
		e.Killed = true
	}
	deadline := time.Now().Add(abortWait)
	w.awaitReport(deadline)
	if w.pidfd >= 0 {
		// Dead, its lock is free: only then can its pidfile go.
		poll([]unix.PollFd{{Fd: int32(w.pidfd), Events: unix.POLLIN}}, max(time.Until(deadline), 0))
	}
	w.readNotify()
	if w.pid == 0 {
		w.awaitUnnamed(deadline)
	} else if w.pidfd < 0 || readable(w.pidfd) {
		w.removePIDFile()
	}
	return w.startError(e)
}

// awaitUnnamed is abort's clean-up when the middle died before it named
// the daemon: a daemon it had started may have made the pidfile before
// the kill reached it. Every daemon says hello (X_SVC_NAME=) before it
// touches the pidfile, so the senders of a hello are waited for, until
// the deadline, and a pidfile that names one is removed once its lock is
// free. (The notify address is a secret of ours, but one a process could
// read in /proc/net/unix: a stranger's hello costs a wait, and a pidfile
// nobody holds, which removing cannot harm.)
func (w *watch) awaitUnnamed(deadline time.Time) {
	for _, d := range w.early {
		if !strings.Contains("\n"+d.msg, "\nX_SVC_NAME=") || d.pid <= 0 {
			continue
		}
		if fd, err := unix.PidfdOpen(d.pid, 0); err == nil {
			poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, max(time.Until(deadline), 0))
			unix.Close(fd)
		}
		pidfile.RemoveStale(w.o.PIDFile, d.pid)
	}
}

// killMiddle kills the middle process and every process of its group,
// the daemon included. The middle may not have called setsid yet, when
// its group is still ours: so it is killed by pid first and reaped (its
// pid cannot be reused before), and then its group, which outlives it
// while the daemon it may have started is in it.
func (w *watch) killMiddle() {
	unix.Kill(w.middle, unix.SIGKILL)
	w.reapMiddle()
	unix.Kill(-w.middle, unix.SIGKILL)
}

// awaitReport reads the control socket until the middle reports the
// daemon's end or goes away, or the deadline passes. It reads only what
// poll said is there: the socket blocks.
func (w *watch) awaitReport(deadline time.Time) {
	for !w.exited && !w.ctrlEOF {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		fds := []unix.PollFd{{Fd: int32(w.ctrl), Events: unix.POLLIN}}
		if poll(fds, left) != nil {
			return
		}
		if fds[0].Revents != 0 && w.readControl() != nil {
			return
		}
	}
}

// removePIDFile removes the daemon's pidfile if it still names the
// daemon, which is dead: a daemon killed before it was ready cannot.
func (w *watch) removePIDFile() {
	path := w.pidfile
	if path == "" {
		path = w.o.PIDFile
	}
	if w.pid > 0 && path != "" {
		pidfile.RemoveStale(path, w.pid)
	}
}

// wakeOnDone returns an eventfd that becomes readable when ctx ends, or
// -1 (which poll skips) for a context that never ends.
func wakeOnDone(ctx context.Context) (fd int, stop func(), err error) {
	if ctx.Done() == nil {
		return -1, func() {}, nil
	}
	fd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return -1, nil, os.NewSyscallError("eventfd", err)
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-ctx.Done():
			unix.Write(fd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		case <-done:
		}
	}()
	return fd, func() { close(done); <-exited; unix.Close(fd) }, nil
}

// readable reports whether fd polls readable now (a pidfd: exited).
func readable(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	return poll(fds, 0) == nil && fds[0].Revents != 0
}

// poll waits for fds, at most d (rounded up to a millisecond, and to
// poll's limit of about 24 days; the caller loops), retrying on EINTR.
func poll(fds []unix.PollFd, d time.Duration) error {
	ms := -1
	if d >= 0 {
		ms = int(min(d/time.Millisecond+1, math.MaxInt32))
	}
	for {
		_, err := unix.Poll(fds, ms)
		if !errors.Is(err, unix.EINTR) {
			return os.NewSyscallError("poll", err)
		}
	}
}
