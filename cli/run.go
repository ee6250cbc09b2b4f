package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/svcdev/svc"
	"github.com/svcdev/svc/ready"
	"github.com/svcdev/svc/supervise"
	"github.com/svcdev/svc/systemd"
)

// runFlags are run's own flags; the program's come with them. ready and
// timeout are for `run -- PROG ARGS` (Program.Wrap).
type runFlags struct {
	log, mode, ready string
	timeout          time.Duration
}

func (p *Program) runFlagSet(f *runFlags, stderr io.Writer) *flag.FlagSet {
	fs := p.newFlags("run", stderr)
	fs.StringVar(&f.log, "log", "", "append logs to `FILE` (reopened on SIGHUP)")
	fs.StringVar(&f.mode, "mode", "auto", "auto|foreground|systemd|launchd|container")
	if p.Wrap {
		fs.StringVar(&f.ready, "ready", "", "with -- PROG: when PROG counts as ready; `SPEC` is notify, tcp:HOST:PORT, http:URL, file:PATH or exec:CMD")
		fs.DurationVar(&f.timeout, "timeout", 0, "with -- PROG: stop PROG and exit 1 unless it is ready within `D` (0: no limit)")
	}
	return fs
}

func (p *Program) cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := p.runFlagSet(&f, stderr)
	p.addFlags(fs)
	if p.Wrap {
		if code, ok := parseArgs(fs, args); !ok {
			return code
		}
		if fs.NArg() > 0 {
			return p.runWrapped(ctx, fs, f, stderr)
		}
		if f.ready != "" || f.timeout != 0 {
			fmt.Fprintf(stderr, "%s: --ready and --timeout need -- PROG ARGS\n", fs.Name())
			return exitUsage
		}
	} else if code, ok := parse(fs, args); !ok {
		return code
	}
	mode, err := svc.ParseMode(f.mode)
	if err != nil {
		return p.fail(stderr, "run", err)
	}
	err = p.serve(ctx, f.log, svc.Options{Mode: mode}, stderr)
	var logged loggedError
	if errors.As(err, &logged) {
		return exitFail
	}
	if err != nil {
		return p.fail(stderr, "run", err)
	}
	return exitOK
}

// runWrapped is `run [--ready SPEC] [--timeout D] -- PROG ARGS`: PROG
// supervised in the foreground (package supervise).
func (p *Program) runWrapped(ctx context.Context, fs *flag.FlagSet, f runFlags, stderr io.Writer) int {
	var others []string
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name != "ready" && fl.Name != "timeout" {
			others = append(others, "--"+fl.Name)
		}
	})
	if len(others) > 0 {
		fmt.Fprintf(stderr, "%s: %s: with -- PROG only --ready and --timeout apply\n", fs.Name(), strings.Join(others, ", "))
		return exitUsage
	}
	spec, err := ready.Parse(f.ready)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return exitUsage
	}
	if f.timeout < 0 {
		fmt.Fprintf(stderr, "%s: --timeout %v: negative\n", fs.Name(), f.timeout)
		return exitUsage
	}
	code, err := supervise.Run(ctx, fs.Args(), supervise.Options{Ready: spec, Timeout: f.timeout, Raise: true})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), strings.TrimPrefix(err.Error(), "supervise: "))
	}
	return code
}

// loggedError is a failure serve already logged (to the journal, at error
// priority), which the caller need not print again.
type loggedError struct{ error }

func (e loggedError) Unwrap() error { return e.error }

// serve runs the program under svc.Run with opts, logging to logPath if
// set; used by run and by the classic daemon. The default slog logger
// (and so package log) goes where the mode wants records.
func (p *Program) serve(ctx context.Context, logPath string, opts svc.Options, stderr io.Writer) error {
	var lf *logFile
	if logPath != "" {
		var err error
		if lf, err = openLog(logPath, true); err != nil {
			return err
		}
		defer lf.Close()
	}
	h, toSystemd := logHandler(opts, lf, stderr)
	logger := slog.New(h)
	slog.SetDefault(logger)
	opts.OnReload = p.onReload(lf)
	err := svc.Run(ctx, opts, p.Run)
	if err != nil && toSystemd {
		// A plain line on stderr would land in the journal as info.
		logger.Error(p.Name + " run: " + err.Error())
		return loggedError{err}
	}
	return err
}

// onReload reopens the log file (logrotate moved it away), then runs the
// program's Reload.
func (p *Program) onReload(lf *logFile) func(context.Context) error {
	if lf == nil {
		return p.Reload
	}
	return func(ctx context.Context) error {
		if err := lf.Reopen(); err != nil {
			slog.Error("reload: reopen log", "err", err)
			return err
		}
		if p.Reload != nil {
			return p.Reload(ctx)
		}
		return nil
	}
}

// logHandler picks where the service logs: the --log file (classic mode);
// journald, natively, when stderr is the journal stream; plain text on a
// terminal; sd-daemon(3) "<N>" lines on stderr under systemd otherwise.
// toSystemd reports the last two: records reach the journal with their
// priority.
func logHandler(opts svc.Options, lf *logFile, stderr io.Writer) (h slog.Handler, toSystemd bool) {
	if lf != nil {
		return slog.NewTextHandler(lf, nil), false
	}
	env := svc.FromProcess()
	if opts.Env != nil {
		env = *opts.Env
	}
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if f, ok := stderr.(*os.File); ok && f == os.Stderr {
		if yes, _ := systemd.IsJournalStream(getenv("JOURNAL_STREAM"), f); yes {
			return systemd.LogHandler(getenv, f, systemd.JournalOptions{}), true
		}
		if env.StderrIsTTY {
			return slog.NewTextHandler(stderr, nil), false
		}
	}
	if det, err := svc.Detect(env, opts.Mode); err == nil && det.Mode == svc.ModeSystemd {
		return systemd.NewPrefixHandler(stderr, nil), true
	}
	return slog.NewTextHandler(stderr, nil), false
}
