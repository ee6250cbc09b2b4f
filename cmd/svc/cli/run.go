package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/svcdev/svc"
	"github.com/svcdev/svc/cmd/svc/internal/refsvc"
	"github.com/svcdev/svc/systemd"
)

// runFlags are the flags of `svc run`; start --classic shares them for the
// daemon it starts.
type runFlags struct {
	listen        string
	log           string
	mode          string
	shutdownDelay time.Duration
}

// shutdownDelayUsage is shared by run and start --classic.
const shutdownDelayUsage = "on SIGTERM keep serving this `long` (failing /healthz) so load balancers drain"

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := newFlags("run", stderr)
	fs.StringVar(&f.listen, "listen", refsvc.DefaultListen, "TCP address to serve on (unless a socket is handed over)")
	fs.StringVar(&f.log, "log", "", "append logs to `FILE` (reopened on SIGHUP)")
	fs.StringVar(&f.mode, "mode", "auto", "auto|foreground|systemd|launchd|container")
	fs.DurationVar(&f.shutdownDelay, "shutdown-delay", 0, shutdownDelayUsage)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	mode, err := svc.ParseMode(f.mode)
	if err != nil {
		return fail(stderr, "run", err)
	}
	err = serve(ctx, f, svc.Options{Mode: mode}, stderr)
	var logged loggedError
	if errors.As(err, &logged) {
		return exitFail
	}
	if err != nil {
		return fail(stderr, "run", err)
	}
	return exitOK
}

// loggedError is a failure serve already logged (to the journal, at error
// priority), which the caller need not print again.
type loggedError struct{ error }

func (e loggedError) Unwrap() error { return e.error }

// serve runs the reference service under svc.Run with opts; used by run and
// by the classic daemon.
func serve(ctx context.Context, f runFlags, opts svc.Options, stderr io.Writer) error {
	cfg := refsvc.Config{Listen: f.listen, ShutdownDelay: f.shutdownDelay}
	var lf *refsvc.LogFile
	if f.log != "" {
		var err error
		if lf, err = refsvc.OpenLog(f.log, true); err != nil {
			return err
		}
		defer lf.Close()
		cfg.Log = lf
	}
	h, toSystemd := logHandler(opts, lf, stderr)
	cfg.Logger = slog.New(h)
	ln, err := activatedListener()
	if err == nil {
		cfg.Listener = ln
		s := refsvc.New(cfg)
		opts.OnReload = s.Reload
		err = svc.Run(ctx, opts, s.Run)
	}
	if err != nil && toSystemd {
		// A plain line on stderr would land in the journal as info.
		cfg.Logger.Error("svc run: " + err.Error())
		return loggedError{err}
	}
	return err
}

// logHandler picks where the service logs: the --log file (classic mode);
// journald, natively, when stderr is the journal stream; plain text on a
// terminal; sd-daemon(3) "<N>" lines on stderr under systemd otherwise.
// toSystemd reports the last two: records reach the journal with their
// priority.
func logHandler(opts svc.Options, lf *refsvc.LogFile, stderr io.Writer) (h slog.Handler, toSystemd bool) {
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
