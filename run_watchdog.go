package svc

import (
	"context"
	"time"

	"github.com/svcdev/svc/systemd"
)

// startWatchdog sends WATCHDOG=1 now and every period until the returned
// stop is called, skipping the pings for which healthy returns an error.
// stop does not wait: a Healthy that hangs must not hold Run.
func startWatchdog(ctx context.Context, n *Notifier, every time.Duration, healthy func() error) (stop func()) {
	ctx, stop = context.WithCancel(ctx)
	go watchdog(ctx, n, every, healthy)
	return stop
}

func watchdog(ctx context.Context, n *Notifier, every time.Duration, healthy func() error) {
	if every <= 0 {
		every = time.Millisecond
	}
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
