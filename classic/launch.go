package classic

import (
	"github.com/svcdev/svc/classic/pidfile"
	"github.com/svcdev/svc/ready"

	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// Daemonize plays this process's part in the launch protocol (see the
// package documentation); the HandoffEnv variable tells which:
//
//   - the launcher (no hand-off) starts the middle process, waits for the
//     daemon and returns (nil, launched, nil) once it is ready or another
//     daemon already holds the pidfile. If the daemon dies, does not get
//     ready within Options.Timeout, or ctx ends first, it returns a
//     *StartError, and no daemon process or pidfile is left behind.
//   - the middle starts the daemon, reports on it to the launcher and
//     exits; it returns only an error that kept it from starting one.
//   - the daemon does the daemon(7) set-up and returns (daemon, nil, nil):
//     run the service, send its readiness to Daemon.NotifySocket, and call
//     Daemon.Close before exiting. When another daemon holds the pidfile
//     or the set-up fails, it tells the launcher and exits instead.
//
// The launcher marks every inherited descriptor above 2 close-on-exec.
func Daemonize(ctx context.Context, opts Options) (*Daemon, *Launched, error) {
	h, herr := consumeHandoff()
	o, err := opts.resolved()
	if herr != nil {
		err = herr
	}
	switch {
	case h.role == roleDaemon:
		// The daemon has nobody to return an error to: it reports to the
		// launcher and exits.
		return setUp(h, o, err), nil, nil
	case err != nil:
		return nil, nil, err
	case h.role == roleMiddle:
		return nil, nil, middle(h, o)
	}
	// What the daemon would find first, found before anything forks.
	if err := pidfile.CheckDir(o.PIDFile); err != nil {
		return nil, nil, err
	}
	l, err := launch(ctx, o)
	return nil, l, err
}

// Launched is what the launcher learnt from a daemon that got ready, or
// that found another daemon running.
type Launched struct {
	PID     int    // the daemon's pid; with Already, the running daemon's
	Already bool   // another daemon holds the pidfile; nothing was started
	PIDFile string // the pidfile the daemon holds (X_SVC_PIDFILE=)
	Status  string // the daemon's last STATUS=, if any
}

// StartError is the launcher's error when the daemon did not get ready.
// Its text is the daemon's own (STATUS=, ERRNO=), or its exit status.
type StartError struct {
	PID     int            // the daemon's pid; 0 if it never started
	Code    int            // the launcher's exit code: the daemon's, else 1
	Signal  syscall.Signal // non-zero when the daemon was killed by it
	Status  string         // the daemon's last STATUS=
	Errno   syscall.Errno  // the daemon's ERRNO=
	Timeout time.Duration  // non-zero: READY=1 did not come in time
	Cause   error          // the context's error, or what went wrong in the protocol
	Killed  bool           // the launcher killed the daemon

	// A wrapped program's (Options.Exec): which, its log, what it wrote
	// there since the launch began (the last lines, escaped), and the
	// probe's last failure when it timed out.
	Program    string
	Ran        bool   // exec succeeded: it ran (what follows is its own)
	LastStatus string // the program's own last STATUS= (not an error)
	Log        string
	Output     string
	LastCheck  error
}

func (e *StartError) Error() string {
	who := "daemon"
	if e.PID > 0 {
		who = fmt.Sprintf("daemon pid %d", e.PID)
	}
	if e.Program != "" {
		who = e.Program
		if e.PID > 0 {
			who = fmt.Sprintf("%s (pid %d)", e.Program, e.PID)
		}
	}
	var why string
	switch {
	case e.Timeout > 0:
		why = fmt.Sprintf("not ready after %v", e.Timeout)
	case e.Cause != nil:
		why = e.Cause.Error()
	case e.Status != "":
		why = e.Status
		if e.Errno != 0 && !strings.Contains(why, e.Errno.Error()) {
			why += ": " + e.Errno.Error()
		}
	case e.Errno != 0:
		why = e.Errno.Error()
	case e.Signal != 0:
		why = fmt.Sprintf("killed by signal %d (%v) before it was ready", int(e.Signal), e.Signal)
	default:
		why = fmt.Sprintf("exited with status %d before it was ready", e.Code)
	}
	var nr *ready.NotReadyError
	if e.Timeout > 0 && errors.As(e.LastCheck, &nr) {
		why += fmt.Sprintf(" (last check of %s: %v)", nr.Spec, nr.Last)
	}
	if e.LastStatus != "" {
		why += fmt.Sprintf(" (its last status: %s)", e.LastStatus)
	}
	if e.Killed {
		why += "; killed"
	}
	if e.Program != "" && e.Timeout == 0 && e.Cause == nil && e.Status == "" && e.Signal == 0 && e.Code == 0 {
		why += " (a wrapped program must stay in the foreground: turn off its own daemonizing)"
	}
	msg := "classic: " + who + ": " + why
	switch {
	case !e.Ran:
	case e.Output != "":
		msg += "; its last words, in " + e.Log + ":\n  " + strings.ReplaceAll(e.Output, "\n", "\n  ")
	case e.Log == "":
		msg += " (its output went to /dev/null: give --log FILE to see it)"
	default:
		msg += " (it wrote nothing to " + e.Log + ")"
	}
	return msg
}

// Unwrap gives the daemon's errno or the cause, for errors.Is.
func (e *StartError) Unwrap() []error {
	var errs []error
	if e.Errno != 0 {
		errs = append(errs, e.Errno)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

// ExitCode is the code the launcher should exit with: the daemon's own
// exit code, or 1.
func (e *StartError) ExitCode() int {
	if e.Code > 0 && e.Code < 256 {
		return e.Code
	}
	return 1
}
