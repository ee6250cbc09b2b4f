package svc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

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
	// Env replaces the process description Detect reads (tests).
	Env *Env
}

// Run runs the service in the mode the environment calls for and returns
// run's error. ctx passed to run is cancelled on SIGTERM or SIGINT.
func Run(ctx context.Context, opts Options, run func(ctx context.Context, n *Notifier) error) error {
	env := FromProcess()
	if opts.Env != nil {
		env = *opts.Env
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
	defer n.close()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, stopSignals...)
	signal.Notify(sigs, reloadSignals...)
	defer signal.Stop(sigs)
	go handleSignals(ctx, cancel, sigs, n, opts)

	if det.Mode == ModeSystemd && env.Getenv != nil {
		if iv, ok := systemd.WatchdogInterval(env.Getenv, env.PID); ok {
			go watchdog(ctx, n, iv/2, opts.Healthy)
		}
	}
	if det.Mode == ModeContainer {
		stopReaper := startReaper()
		defer stopReaper()
	}
	err = run(ctx, n)
	if err != nil && !n.IsReady() {
		n.Failed(err)
	}
	return err
}

func newNotifier(mode Mode, addr string, getenv func(string) string) (*Notifier, error) {
	n := &Notifier{mode: mode}
	var err error
	switch {
	case addr != "":
		n.to, err = systemd.NewNotifier(addr)
	case mode == ModeSystemd && getenv != nil:
		n.to, err = systemd.NotifierFromEnv(getenv)
		if errors.Is(err, systemd.ErrNoSocket) {
			err = nil
		} else if err == nil {
			// Keep the address in n and out of the environment, so programs
			// the service starts do not notify systemd in its name.
			os.Unsetenv("NOTIFY_SOCKET")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("svc: %w", err)
	}
	return n, nil
}

func handleSignals(ctx context.Context, cancel context.CancelCauseFunc, sigs <-chan os.Signal, n *Notifier, opts Options) {
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-sigs:
			if isReload(s) {
				reload(ctx, n, opts.OnReload)
				continue
			}
			n.Stopping()
			cancel(fmt.Errorf("svc: received %v", s))
		}
	}
}

func reload(ctx context.Context, n *Notifier, on func(context.Context) error) {
	n.Reloading()
	if on != nil {
		if err := on(ctx); err != nil {
			n.Status("reload failed: " + err.Error())
		}
	}
	n.Ready()
}

func watchdog(ctx context.Context, n *Notifier, every time.Duration, healthy func() error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if healthy == nil || healthy() == nil {
			n.Notify(systemd.Watchdog)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
