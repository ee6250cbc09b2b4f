package svc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/svcdev/svc/systemd"
)

// Options configure Run. The zero Options detect the mode and do nothing
// on SIGHUP but acknowledge it.
type Options struct {
	// Mode forces a mode; ModeAuto detects it (SVC_MODE is consulted).
	Mode Mode
	// OnReload runs on SIGHUP, between Reloading and Ready. Its error is
	// reported as STATUS= and the service keeps running.
	OnReload func(ctx context.Context) error
	// Healthy, if set, gates systemd watchdog pings: while it returns an
	// error no WATCHDOG=1 is sent, so systemd restarts a wedged service.
	Healthy func() error
	// NotifySocket overrides where notifications go (the classic launcher's
	// socket). Empty: $NOTIFY_SOCKET in systemd mode, nobody otherwise.
	NotifySocket string
	// ReloadSocket, if set, also hears how each reload ended: READY=1, or
	// STATUS= with X_SVC_RELOAD_FAILED=1. The classic daemon sets it
	// (classic.Daemon.ReloadSocket) so that `svc reload --classic` can
	// say whether the reload worked, long after the launcher is gone.
	ReloadSocket string
	// Env replaces the process description Detect reads (tests). Run then
	// also leaves the process environment alone.
	Env *Env
}

// errReturned cancels run's context once run has returned, telling the
// signal watcher that nobody is stopping the service.
var errReturned = errors.New("svc: service returned")

// notifyEnv is what systemd hands the main process alone; Run takes it out
// of the environment so programs the service starts cannot notify, or be
// mistaken for the watchdog's target, in its name.
var notifyEnv = []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}

// Run runs the service in the mode the environment calls for and returns
// run's error. ctx passed to run is cancelled on SIGTERM or SIGINT (after
// STOPPING=1 is sent). In systemd mode, Run pings the watchdog at half of
// WATCHDOG_USEC while Options.Healthy allows, and takes NOTIFY_SOCKET and
// WATCHDOG_* out of the environment so programs the service starts do not
// inherit them. If run fails, its error goes out as STATUS= (and ERRNO=
// when it carries one) before Run returns.
func Run(ctx context.Context, opts Options, run func(ctx context.Context, n *Notifier) error) error {
	env := FromProcess()
	if opts.Env != nil {
		env = *opts.Env
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	det, err := Detect(env, opts.Mode)
	if err != nil {
		return err
	}
	if det.Mode == ModeWindows {
		return runWindows(ctx, opts, run)
	}
	n, err := newNotifier(det.Mode, opts.NotifySocket, env.Getenv)
	if err != nil {
		return err
	}
	defer n.close() // after this, a late watchdog ping is dropped
	if det.Mode == ModeSystemd {
		if iv, ok := systemd.WatchdogInterval(env.Getenv, env.PID); ok {
			defer startWatchdog(ctx, n, iv/2, opts.Healthy)()
		}
		if opts.Env == nil {
			for _, k := range notifyEnv {
				os.Unsetenv(k)
			}
		}
	}
	if det.Mode == ModeContainer {
		defer startReaper()()
	}
	return supervise(ctx, n, reloader(opts), run)
}

// supervise runs run with signals wired to it: SIGHUP reloads, SIGTERM
// and SIGINT cancel its context.
func supervise(ctx context.Context, n *Notifier, onReload func(context.Context) error, run func(context.Context, *Notifier) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(errReturned)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, stopSignals...)
	signal.Notify(sigs, reloadSignals...)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	go func() { defer close(done); handleSignals(ctx, cancel, sigs, n, onReload) }()

	err := run(ctx, n)
	if err != nil && !(ctx.Err() != nil && errors.Is(err, context.Canceled)) {
		n.Failed(err)
	}
	cancel(errReturned)
	<-done // STOPPING=1 is out before Run returns
	return err
}

func newNotifier(mode Mode, addr string, getenv func(string) string) (*Notifier, error) {
	n := &Notifier{mode: mode}
	var err error
	switch {
	case addr != "":
		n.to, err = systemd.NewNotifier(addr)
	case mode == ModeSystemd:
		n.to, err = systemd.NotifierFromEnv(getenv)
		if errors.Is(err, systemd.ErrNoSocket) {
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("svc: %w", err)
	}
	return n, nil
}

// handleSignals serves reloads until a stop signal or the end of ctx.
// Anything but run returning is a stop and says STOPPING=1 first.
func handleSignals(ctx context.Context, cancel context.CancelCauseFunc, sigs <-chan os.Signal, n *Notifier, onReload func(context.Context) error) {
	for {
		select {
		case <-ctx.Done():
			if !errors.Is(context.Cause(ctx), errReturned) {
				n.Stopping()
			}
			return
		case s := <-sigs:
			if isReload(s) {
				reload(ctx, n, onReload)
				continue
			}
			n.Stopping()
			cancel(fmt.Errorf("svc: received %v", s))
			return
		}
	}
}

// reload brackets onReload with RELOADING=1 (plus MONOTONIC_USEC, which
// Type=notify-reload requires) and READY=1.
func reload(ctx context.Context, n *Notifier, onReload func(context.Context) error) {
	n.Reloading()
	if onReload != nil {
		if err := onReload(ctx); err != nil {
			n.Status("reload failed: " + err.Error())
		}
	}
	n.Ready()
}

// reloader is opts.OnReload, telling opts.ReloadSocket how it ended.
func reloader(opts Options) func(context.Context) error {
	if opts.ReloadSocket == "" {
		return opts.OnReload
	}
	return func(ctx context.Context) error {
		var err error
		if opts.OnReload != nil {
			err = opts.OnReload(ctx)
		}
		fields := []string{systemd.Ready}
		if err != nil {
			fields = []string{systemd.Status("reload failed: " + err.Error()), "X_SVC_RELOAD_FAILED=1"}
		}
		// Nobody may be listening (a plain kill -HUP): that is no error.
		if to, nerr := systemd.NewNotifier(opts.ReloadSocket); nerr == nil {
			to.Notify(fields...)
			to.Close()
		}
		return err
	}
}
