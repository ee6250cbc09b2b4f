package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/ready"
	"github.com/svcdev/svc/systemd"
)

// forwarded are the signals PROG gets from svc; the package doc says why
// these.
var forwarded = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGUSR1, unix.SIGUSR2,
	unix.SIGWINCH, unix.SIGCONT, unix.SIGTSTP, unix.SIGALRM, unix.SIGVTALRM, unix.SIGPWR,
	unix.SIGXCPU, unix.SIGXFSZ, unix.SIGABRT,
}

// Run starts argv[0] with argv, supervises it until it exits and returns
// the code svc should exit with. The error, if any, says what went wrong
// on svc's side or before PROG was ready (a *StartError, ErrNotReady, a
// premature exit); PROG's own non-zero exit after readiness is no error.
// ctx ending is handled as a SIGTERM.
func Run(ctx context.Context, argv []string, o Options) (int, error) {
	if len(argv) == 0 {
		return ExitFail, errors.New("supervise: no program to run")
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	path, err := resolve(argv[0], o.Env)
	if err != nil {
		return err.(*StartError).Code, err
	}
	s := &supervisor{argv: argv, path: path, o: o, self: os.Getpid()}
	return s.run(ctx)
}

type supervisor struct {
	argv []string
	path string
	o    Options
	self int // svc's pid

	sd     *systemd.Notifier // systemd's socket; nil: none
	relay  *relay            // --ready notify: PROG's socket
	prober *ready.Prober     // a probe
	pid    int               // PROG
	wd     time.Duration     // systemd's watchdog timeout; 0: none

	mu      sync.Mutex // guards probing; held by a reaping pass
	probing int        // exec probes running: reap PROG's pid only
}

// event is what the goroutines tell the main loop.
type event struct {
	ready bool  // PROG is ready
	err   error // the wait for readiness failed
}

func (s *supervisor) run(ctx context.Context) (int, error) {
	env := s.o.Env
	var err error
	if s.sd, err = systemd.NotifierFromEnv(func(k string) string { return getenv(env, k) }); errors.Is(err, systemd.ErrNoSocket) {
		s.sd = nil
	} else if err != nil {
		return ExitFail, fmt.Errorf("supervise: %w", err)
	}
	defer s.sd.Close()
	if wd, ok := systemd.WatchdogInterval(func(k string) string { return getenv(env, k) }, s.self); ok {
		s.wd = wd
	}
	if s.self != 1 {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return ExitFail, fmt.Errorf("supervise: become a child subreaper: %w", os.NewSyscallError("prctl", err))
		}
	}
	// Before PROG exists, so that no signal for it is lost.
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, append([]os.Signal{unix.SIGCHLD}, forwarded...)...)
	defer signal.Stop(sigs)

	switch {
	case s.o.Ready.Kind == ready.Notify:
		if s.relay, err = listenRelay(s.self); err != nil {
			return ExitFail, fmt.Errorf("supervise: %w", err)
		}
		defer s.relay.Close()
	case s.o.Ready.IsProbe():
		if s.prober, err = s.o.Ready.Prepare(); err != nil {
			return ExitFail, fmt.Errorf("supervise: %w", err)
		}
	}
	if err := s.start(); err != nil {
		return execCode(err), &StartError{Prog: s.argv[0], Code: execCode(err), Err: err}
	}
	return s.loop(ctx, sigs)
}

// start forks and execs PROG.
func (s *supervisor) start() error {
	env := without(s.o.Env, "NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC",
		"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", shimEnv)
	if s.relay != nil {
		env = append(env, "NOTIFY_SOCKET="+s.relay.addr)
		if s.wd > 0 {
			env = append(env, "WATCHDOG_USEC="+strconv.FormatInt(s.wd.Microseconds(), 10))
		}
	}
	files := []uintptr{0, 1, 2}
	path, argv := s.path, s.argv
	if n := s.listenFDs(); n > 0 {
		for fd := 3; fd < 3+n; fd++ {
			files = append(files, uintptr(fd))
		}
		env = append(env, "LISTEN_FDS="+strconv.Itoa(n))
		if names := getenv(s.o.Env, "LISTEN_FDNAMES"); names != "" {
			env = append(env, "LISTEN_FDNAMES="+names)
		}
		abs, err := filepath.Abs(s.path)
		if err != nil {
			return err
		}
		env = append(env, shimEnv+"="+abs)
		path = "/proc/self/exe"
		argv = append([]string{s.argv[0], shimArg}, s.argv[1:]...)
	}
	attr := &syscall.ProcAttr{Env: env, Files: files, Sys: &syscall.SysProcAttr{Setpgid: true}}
	if fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP); err == nil && fg == unix.Getpgrp() {
		// svc has the terminal: PROG gets it, and ^C goes to PROG alone.
		attr.Sys.Foreground, attr.Sys.Ctty = true, 0
	}
	pid, err := syscall.ForkExec(path, argv, attr)
	if err != nil {
		return err
	}
	s.pid = pid
	return nil
}

// listenFDs is how many sockets systemd passed svc (LISTEN_PID is svc's
// pid), or 0.
func (s *supervisor) listenFDs() int {
	if getenv(s.o.Env, "LISTEN_PID") != strconv.Itoa(s.self) {
		return 0
	}
	n, err := strconv.Atoi(getenv(s.o.Env, "LISTEN_FDS"))
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// loop forwards signals, reaps, relays readiness and the watchdog until
// PROG exits.
func (s *supervisor) loop(ctx context.Context, sigs chan os.Signal) (int, error) {
	bg, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan event, 4)
	isReady := false
	var deadline <-chan time.Time
	switch {
	case s.relay != nil:
		go s.relay.serve(s.pid, s.sd, events)
		if s.o.Timeout > 0 {
			t := time.NewTimer(s.o.Timeout)
			defer t.Stop()
			deadline = t.C
		}
	case s.prober != nil:
		go s.awaitProbe(bg, events)
	default:
		isReady = true
		s.notify(systemd.Ready)
		if s.wd > 0 {
			go s.watchdog(bg, nil)
		}
	}
	var notReady error // set once PROG missed its deadline
	var kill <-chan time.Time
	done := ctx.Done()
	stop := func(sig syscall.Signal) {
		if sig == unix.SIGTERM {
			s.notify(systemd.Stopping)
		}
		unix.Kill(s.pid, sig)
	}
	missed := func(err error) {
		notReady = err
		s.notify(systemd.Status(err.Error()))
		stop(unix.SIGTERM)
		kill = time.After(killAfter)
	}
	for {
		select {
		case sig := <-sigs:
			if sig == unix.SIGCHLD {
				if ws, gone := s.reap(); gone {
					return s.exit(ws, isReady, notReady)
				}
				continue
			}
			stop(sig.(syscall.Signal))
		case <-done:
			done = nil
			stop(unix.SIGTERM)
		case ev := <-events:
			switch {
			case ev.ready && !isReady && notReady == nil:
				isReady = true
				if s.prober != nil {
					s.notify(systemd.Ready, systemd.Status(s.o.Ready.String()+" passed: ready"))
					if s.wd > 0 {
						go s.watchdog(bg, s.prober)
					}
				}
			case ev.err != nil && !isReady && notReady == nil:
				missed(ev.err)
			}
		case <-deadline:
			deadline = nil
			if !isReady && notReady == nil {
				missed(fmt.Errorf("%w after %v: no READY=1 from %s (pid %d)", ErrNotReady, s.o.Timeout, s.argv[0], s.pid))
			}
		case <-kill:
			kill = nil
			unix.Kill(s.pid, unix.SIGKILL)
		}
	}
}

// exit reaps what is left, and returns the code and error for PROG's
// wait status ws.
func (s *supervisor) exit(ws unix.WaitStatus, isReady bool, notReady error) (int, error) {
	if notReady != nil {
		return ExitFail, fmt.Errorf("supervise: %s %w", s.argv[0], notReady)
	}
	code := exitCode(ws)
	if ws.Signaled() && isReady && s.o.Raise && s.self != 1 {
		raise(ws.Signal())
	}
	if !isReady {
		err := fmt.Errorf("supervise: %s %s before it was ready", s.argv[0], describe(ws))
		s.notify(systemd.Status(err.Error()))
		return code, err
	}
	return code, nil
}

// raise kills svc with sig, the default action restored and no core
// dump of its own (PROG's is the one that matters). It returns if sig's
// default action is not to terminate.
func raise(sig unix.Signal) {
	signal.Reset(sig)
	if sig != unix.SIGKILL {
		// The Go runtime keeps a handler for every signal: put back
		// SIG_DFL (all zeros, whatever the architecture's struct
		// sigaction).
		var dfl [8]uint64
		if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0); errno != 0 {
			return
		}
	}
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	runtime.LockOSThread()
	_ = unix.Tgkill(unix.Getpid(), unix.Gettid(), sig)
	runtime.UnlockOSThread()
}

// describe says how PROG ended.
func describe(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return "was killed by signal " + unix.SignalName(ws.Signal())
	}
	return "exited with status " + strconv.Itoa(ws.ExitStatus())
}

// awaitProbe waits for the probe to pass, within the timeout, and says
// which way it went.
func (s *supervisor) awaitProbe(ctx context.Context, events chan<- event) {
	wait := ctx
	if s.o.Timeout > 0 {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeoutCause(ctx, s.o.Timeout, fmt.Errorf("%w after %v", ErrNotReady, s.o.Timeout))
		defer cancel()
	}
	var err error
	s.probe(func() { err = s.prober.Wait(wait) })
	select {
	case events <- event{ready: err == nil, err: err}:
	case <-ctx.Done(): // svc is done
	}
}

// probe runs fn, a probe's check. An exec: probe's command is svc's
// child, whose status os/exec must collect: the reaper leaves other
// children alone while it runs.
func (s *supervisor) probe(fn func()) {
	if s.o.Ready.Kind != ready.Exec {
		fn()
		return
	}
	s.mu.Lock()
	s.probing++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.probing--
		s.mu.Unlock()
		// Orphans may have exited meanwhile: have them reaped.
		unix.Kill(s.self, unix.SIGCHLD)
	}()
	fn()
}

// watchdog pings systemd's watchdog every half interval: while p's check
// passes, or, without a probe, as long as svc runs.
func (s *supervisor) watchdog(ctx context.Context, p *ready.Prober) {
	t := time.NewTicker(s.wd / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var err error
		if p != nil {
			s.probe(func() { err = p.Check(ctx) })
		}
		if err != nil {
			s.notify(systemd.Status("watchdog: " + s.o.Ready.String() + " failed: " + err.Error()))
			continue
		}
		s.notify(systemd.Watchdog)
	}
}

// notify tells systemd, if there is one. A lost datagram is no reason to
// stop supervising: systemd's own timeouts then say what went wrong.
func (s *supervisor) notify(fields ...string) {
	_ = s.sd.Notify(fields...)
}

// reap collects exited children: any while no exec: probe runs, PROG
// alone otherwise. gone reports that PROG was among them, with its status.
func (s *supervisor) reap() (ws unix.WaitStatus, gone bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	who := -1
	if s.probing > 0 {
		who = s.pid
	}
	for {
		var st unix.WaitStatus
		pid, err := unix.Wait4(who, &st, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return ws, gone
		}
		if pid == s.pid {
			ws, gone = st, true
			who = -1 // and the orphans that went with it, if allowed
			if s.probing > 0 {
				return ws, gone
			}
		}
	}
}
