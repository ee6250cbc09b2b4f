package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/svcdev/svc"
	"github.com/svcdev/svc/classic"
	"github.com/svcdev/svc/cmd/svc/internal/refsvc"
)

// startFlags are the flags of start --classic and restart --classic.
type startFlags struct {
	classic                                 bool
	pidfile, log, user, group, umask, chdir string
	timeout                                 time.Duration
	listen                                  string
	shutdownDelay                           time.Duration
	neverReady                              bool
	noNewPrivs                              bool
}

// flagNeverReady makes the daemon speak the protocol but never say READY,
// so tests can reach the launcher's timeout. Hidden from -h.
const flagNeverReady = "test.never-ready"

func cmdStart(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return initCommand(ctx, "start", args, stdout, stderr)
	}
	f, code, ok := parseStart("start", args, stderr)
	if !ok {
		return code
	}
	return startClassic(ctx, "start", f, args, stdout, stderr)
}

func parseStart(name string, args []string, stderr io.Writer) (*startFlags, int, bool) {
	f := &startFlags{}
	fs := newFlags(name, stderr)
	fs.BoolVar(&f.classic, "classic", false, "daemonize with a pidfile (the SysV way), not through the init system")
	fs.StringVar(&f.pidfile, "pidfile", "", "the daemon's pidfile `P` (required)")
	fs.StringVar(&f.log, "log", "", "append the daemon's output to `FILE` (default /dev/null)")
	fs.StringVar(&f.user, "user", "", "run as `USER` (name or uid; supplementary groups are the user's)")
	fs.StringVar(&f.group, "group", "", "run as `GROUP` (default: the user's primary group)")
	fs.StringVar(&f.umask, "umask", "022", "the daemon's umask `MASK`, in octal")
	fs.StringVar(&f.chdir, "chdir", "/", "the daemon's working `DIR`")
	fs.DurationVar(&f.timeout, "timeout", classic.DefaultTimeout, "how long to wait for the daemon to be ready")
	fs.StringVar(&f.listen, "listen", refsvc.DefaultListen, "TCP `ADDR` the service serves on")
	fs.DurationVar(&f.shutdownDelay, "shutdown-delay", 0, shutdownDelayUsage)
	fs.BoolVar(&f.noNewPrivs, "no-new-privs", false, "set no_new_privs on the daemon even without --user, which always sets it and empties the capability sets")
	fs.BoolVar(&f.neverReady, flagNeverReady, false, "")
	hideFlag(fs, flagNeverReady)
	if code, ok := parse(fs, args); !ok {
		return nil, code, false
	}
	if f.pidfile == "" {
		fmt.Fprintf(stderr, "svc %s: --classic needs --pidfile\n", name)
		return nil, exitUsage, false
	}
	return f, 0, true
}

// options turns the flags into classic.Options; daemonArgs are the
// arguments the middle and daemon processes run with.
func (f *startFlags) options(daemonArgs []string) (classic.Options, error) {
	m, err := strconv.ParseUint(f.umask, 8, 32)
	if err != nil || m > 0o777 {
		return classic.Options{}, fmt.Errorf("--umask %q: want an octal mask such as 022", f.umask)
	}
	umask := os.FileMode(m)
	if f.log != "" {
		// The daemon re-opens it on reload, from "/".
		if f.log, err = filepath.Abs(f.log); err != nil {
			return classic.Options{}, err
		}
	}
	return classic.Options{
		PIDFile: f.pidfile,
		LogFile: f.log,
		User:    f.user,
		Group:   f.group,
		Umask:   &umask,
		Chdir:   f.chdir,
		Timeout: f.timeout,
		Args:    daemonArgs,
	}, nil
}

// startClassic runs this process's part of the classic launch: as the
// launcher it reports the outcome; as the daemon it runs the service.
func startClassic(ctx context.Context, name string, f *startFlags, args []string, stdout, stderr io.Writer) int {
	opts, err := f.options(append([]string{"start"}, args...))
	if err != nil {
		fmt.Fprintf(stderr, "svc %s: %v\n", name, err)
		return exitUsage
	}
	ctx, stop := signalContext(ctx)
	defer stop()
	d, l, err := classic.Daemonize(ctx, opts)
	if err != nil {
		var se *classic.StartError
		fail(stderr, name, err)
		if errors.As(err, &se) {
			return se.ExitCode()
		}
		return exitFail
	}
	if l != nil {
		if l.Already {
			fmt.Fprintf(stdout, "already running (pid %d)\n", l.PID)
		} else {
			fmt.Fprintf(stdout, "started (pid %d)\n", l.PID)
		}
		return exitOK
	}
	defer d.Close()
	if f.noNewPrivs {
		if err := classic.NoNewPrivs(); err != nil {
			d.Fail(err)
			return fail(stderr, name, err)
		}
	}
	if err := runDaemon(ctx, f, d); err != nil {
		d.Fail(err)                    // if the service never got to say it; else a no-op for the launcher
		return fail(stderr, name, err) // stderr is the log file by now
	}
	return exitOK
}

// runDaemon runs the reference service in the set-up daemon.
func runDaemon(ctx context.Context, f *startFlags, d *classic.Daemon) error {
	opts := svc.Options{Mode: svc.ModeClassic, NotifySocket: d.NotifySocket()}
	if f.neverReady {
		return svc.Run(ctx, opts, func(ctx context.Context, _ *svc.Notifier) error {
			<-ctx.Done()
			return nil
		})
	}
	// With --user the daemon set-up handed the log file to that user, so
	// the service can reopen it on reload like any other.
	rf := runFlags{listen: f.listen, log: f.log, shutdownDelay: f.shutdownDelay}
	return serve(ctx, rf, opts, os.Stderr)
}

// signalContext cancels ctx on SIGINT or SIGTERM, so an interrupted
// launcher kills the daemon it started instead of leaving it behind.
// Signals our caller ignored stay ignored.
func signalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 { // NotifyContext with no signals would take them all
		return context.WithCancel(ctx)
	}
	return signal.NotifyContext(ctx, sigs...)
}

// classicAsked pre-scans args for --classic, which decides the flag set:
// --user is a name with it and a boolean (user scope) without.
func classicAsked(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "classic" {
			continue
		}
		if !hasVal {
			return true
		}
		b, err := strconv.ParseBool(val)
		return err == nil && b
	}
	return false
}

// initCommand is verb without --classic: through the installed init system.
func initCommand(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) int {
	var f initFlags
	var classicFlag bool
	fs := newFlags(verb, stderr)
	fs.BoolVar(&classicFlag, "classic", false, "act on a classic daemon by its pidfile (see --classic -h)")
	fs.StringVar(&f.name, "name", "svc", "the installed service's `NAME`")
	fs.StringVar(&f.init, "init", "auto", "auto|systemd|sysv|openrc|launchd")
	fs.BoolVar(&f.user, "user", false, "the per-user service manager")
	code, ok := parse(fs, args)
	if verb == "status" && code == exitUsage {
		code = lsbUnknown
	}
	if !ok {
		return code
	}
	return viaInit(ctx, verb, f, stdout, stderr)
}

// hideFlag leaves name out of the -h listing.
func hideFlag(fs *flag.FlagSet, name string) {
	fs.Usage = func() {
		shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
		shown.SetOutput(fs.Output())
		fs.VisitAll(func(fl *flag.Flag) {
			if fl.Name != name {
				shown.Var(fl.Value, fl.Name, fl.Usage)
				shown.Lookup(fl.Name).DefValue = fl.DefValue
			}
		})
		fmt.Fprintf(fs.Output(), "Usage of %s:\n", fs.Name())
		shown.PrintDefaults()
	}
}
