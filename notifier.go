package svc

import (
	"os"
	"sync/atomic"
	"time"

	"github.com/svcdev/svc/systemd"
)

// Notifier tells whoever started the service about its state: systemd, the
// classic launcher, or nobody (terminal, container). Every method is safe to
// call in every mode and concurrently; with nobody listening they do nothing.
type Notifier struct {
	mode  Mode
	to    *systemd.Notifier // nil: nobody listens
	ready atomic.Bool
}

// Mode is the mode Run chose.
func (n *Notifier) Mode() Mode { return n.mode }

// Ready says start-up (or a reload) is complete. `systemctl start` and
// `svc start --classic` return when it arrives.
func (n *Notifier) Ready() error {
	n.ready.Store(true)
	return n.to.Notify(systemd.Ready)
}

// IsReady reports whether Ready has been called.
func (n *Notifier) IsReady() bool { return n.ready.Load() }

// Status sets the free-form status line (`systemctl status` shows it).
func (n *Notifier) Status(text string) error { return n.to.Notify(systemd.Status(text)) }

// Reloading says a reload began; Ready must follow when it is done. Run
// calls both around Options.OnReload.
func (n *Notifier) Reloading() error {
	return n.to.Notify(systemd.Reloading, systemd.MonotonicUsec())
}

// Stopping says shutdown began. Run calls it on SIGTERM/SIGINT.
func (n *Notifier) Stopping() error { return n.to.Notify(systemd.Stopping) }

// ExtendTimeout asks for d more time to finish the start, reload or stop in
// progress, so a slow start-up is not killed by TimeoutStartSec=.
func (n *Notifier) ExtendTimeout(d time.Duration) error {
	return n.to.Notify(systemd.ExtendTimeout(d))
}

// StoreFiles keeps files in systemd's fd store under name, to be handed
// back by socket activation after a restart (see systemd.Notifier).
func (n *Notifier) StoreFiles(name string, files ...*os.File) error {
	if n.to == nil {
		return nil
	}
	return n.to.StoreFiles(name, files...)
}

// Notify sends raw sd_notify assignments (see the helpers in package
// systemd).
func (n *Notifier) Notify(fields ...string) error { return n.to.Notify(fields...) }

// Failed reports why the service could not start: STATUS= with the error
// text and, when the error carries one, ERRNO=. The classic launcher prints
// them; systemd shows them in `systemctl status`. Run calls it when the
// service function fails.
func (n *Notifier) Failed(err error) error {
	return n.to.Notify(systemd.Failure(err)...)
}

func (n *Notifier) close() error { return n.to.Close() }
