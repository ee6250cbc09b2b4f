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
	"github.com/svcdev/svc/ready"
)

// startFlags are the flags of start --classic and restart --classic; the
// program's own flags come with them.
type startFlags struct {
	classic                                 bool
	pidfile, log, user, group, umask, chdir string
	timeout                                 time.Duration
	neverReady                              bool
	noNewPrivs                              bool

	// A wrapped program (Program.Wrap): --ready, --exec as given, and
	// what they and the arguments after the flags resolve to.
	readyText, execText string
	ready               ready.Spec
	exec                classic.Exec
	argv                []string
}

// flagNeverReady makes the daemon speak the protocol but never say READY,
// so tests can reach the launcher's timeout. Hidden from -h.
const flagNeverReady = "test.never-ready"

func (p *Program) cmdStart(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return p.initCommand(ctx, "start", args, stdout, stderr)
	}
	f, code, ok := p.parseStart("start", args, stderr)
	if !ok {
		if code != exitOK {
			classic.ReportUsage(code) // in a daemon of the C fast path
		}
		return code
	}
	return p.startClassic(ctx, "start", f, args, stdout, stderr)
}

func (p *Program) parseStart(name string, args []string, stderr io.Writer) (*startFlags, int, bool) {
	f := &startFlags{}
	fs := p.startFlagSet(name, f, stderr)
	p.addFlags(fs)
	parsed := parse
	if p.Wrap {
		parsed = parseArgs // -- PROG ARGS
	}
	if code, ok := parsed(fs, args); !ok {
		return nil, code, false
	}
	if f.pidfile == "" {
		fmt.Fprintf(stderr, "%s %s: --classic needs --pidfile\n", p.Name, name)
		return nil, exitUsage, false
	}
	// An empty --user or --group would mean "stay root": refuse it.
	var empty string
	fs.Visit(func(fl *flag.Flag) {
		if (fl.Name == "user" || fl.Name == "group") && fl.Value.String() == "" && empty == "" {
			empty = fl.Name
		}
	})
	if empty != "" {
		fmt.Fprintf(stderr, "%s %s: --%s is empty: name a %s, or leave the flag out to keep ours\n", p.Name, name, empty, empty)
		return nil, exitUsage, false
	}
	if p.Wrap {
		if err := f.wrapped(fs.Args()); err != nil {
			fmt.Fprintf(stderr, "%s %s: %v\n", p.Name, name, err)
			return nil, exitUsage, false
		}
	}
	return f, 0, true
}

// wrapped resolves the program to wrap: --exec PROG with rest as its
// arguments, or rest's first as PROG; none is svc's own service.
func (f *startFlags) wrapped(rest []string) error {
	var err error
	if f.ready, err = ready.Parse(f.readyText); err != nil {
		return err
	}
	switch {
	case f.execText != "":
		f.argv = append([]string{f.execText}, rest...)
	case len(rest) > 0:
		f.argv = rest
	case f.ready.Kind != ready.None:
		return fmt.Errorf("--ready is for a program this one wraps: --ready %s -- PROG ARGS", f.ready)
	default:
		return nil
	}
	f.exec, err = classic.ResolveExec(f.argv[0])
	return err
}

// startFlagSet holds the flags of start --classic (and restart --classic)
// without the program's.
func (p *Program) startFlagSet(name string, f *startFlags, stderr io.Writer) *flag.FlagSet {
	fs := p.newFlags(name, stderr)
	fs.BoolVar(&f.classic, "classic", false, "daemonize with a pidfile (the SysV way), not through the init system")
	fs.StringVar(&f.pidfile, "pidfile", "", "the daemon's pidfile `P` (required)")
	fs.StringVar(&f.log, "log", "", "append the daemon's output to `FILE` (default /dev/null)")
	fs.StringVar(&f.user, "user", "", "run as `USER` (name or uid; supplementary groups are the user's)")
	fs.StringVar(&f.group, "group", "", "run as `GROUP` (default: the user's primary group)")
	fs.StringVar(&f.umask, "umask", "022", "the daemon's umask `MASK`, in octal")
	fs.StringVar(&f.chdir, "chdir", "/", "the daemon's working `DIR`")
	fs.DurationVar(&f.timeout, "timeout", classic.DefaultTimeout, "how long to wait for the daemon to be ready")
	fs.BoolVar(&f.noNewPrivs, "no-new-privs", false, "set no_new_privs on the daemon even without --user, which always sets it and empties the capability sets")
	fs.BoolVar(&f.neverReady, flagNeverReady, false, "")
	hideFlag(fs, flagNeverReady)
	if p.Wrap {
		fs.StringVar(&f.readyText, "ready", "", "how to know a wrapped program is ready, `SPEC`: notify, tcp:HOST:PORT, http:URL, file:PATH or exec:CMD (default: once it runs)")
		fs.StringVar(&f.execText, "exec", "", "wrap `PROG` (same as `-- PROG ARGS`; the arguments after the flags are then its own)")
	}
	return fs
}

// options turns the flags into classic.Options; daemonArgs are the
// arguments the middle and daemon processes run with; name is the
// program's, which the daemon tells the launcher.
func (f *startFlags) options(name string, daemonArgs []string) (classic.Options, error) {
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
		PIDFile:    f.pidfile,
		LogFile:    f.log,
		User:       f.user,
		Group:      f.group,
		Umask:      &umask,
		Chdir:      f.chdir,
		Timeout:    f.timeout,
		Name:       name,
		Args:       daemonArgs,
		NoNewPrivs: f.noNewPrivs,
		Exec:       string(f.exec),
		ExecArgs:   f.argv,
		Ready:      f.ready,
	}, nil
}

// startClassic runs this process's part of the classic launch: as the
// launcher it reports the outcome; as the daemon it runs the service.
func (p *Program) startClassic(ctx context.Context, name string, f *startFlags, args []string, stdout, stderr io.Writer) int {
	opts, err := f.options(p.Name, append([]string{"start"}, args...))
	if err != nil {
		fmt.Fprintf(stderr, "%s %s: %v\n", p.Name, name, err)
		return exitUsage
	}
	ctx, stop := signalContext(ctx)
	defer stop()
	d, l, err := classic.Daemonize(ctx, opts)
	if err != nil {
		var se *classic.StartError
		p.fail(stderr, name, err)
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
	if err := p.runDaemon(ctx, f, d); err != nil {
		d.Fail(err)                      // if the service never got to say it; else a no-op for the launcher
		return p.fail(stderr, name, err) // stderr is the log file by now
	}
	return exitOK
}

// runDaemon runs the program in the set-up daemon.
func (p *Program) runDaemon(ctx context.Context, f *startFlags, d *classic.Daemon) error {
	opts := svc.Options{Mode: svc.ModeClassic, NotifySocket: d.NotifySocket(), ReloadSocket: d.ReloadSocket()}
	if f.neverReady {
		return svc.Run(ctx, opts, func(ctx context.Context, _ *svc.Notifier) error {
			<-ctx.Done()
			return nil
		})
	}
	// With --user the daemon set-up handed the log file to that user, so
	// the service can reopen it on reload like any other.
	return p.serve(ctx, f.log, opts, os.Stderr)
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
	ctx, stop := signal.NotifyContext(ctx, sigs...)
	// The first signal asks for a clean end; once it came, a second one
	// has its default effect, so nothing that follows can make us
	// unkillable by the operator.
	context.AfterFunc(ctx, stop)
	return ctx, stop
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
