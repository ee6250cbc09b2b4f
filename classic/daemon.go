package classic

import "github.com/svcdev/svc/systemd"

// Daemon is the set-up daemon process, as Daemonize returns it there.
type Daemon struct {
	notify  string
	pidfile *PIDFile
}

// NotifySocket is the launcher's notify socket: hand it to svc.Options
// (or any sd_notify sender) so READY=1, or the reason start-up failed,
// reaches the launcher.
func (d *Daemon) NotifySocket() string { return d.notify }

// PIDFile is the held pidfile.
func (d *Daemon) PIDFile() *PIDFile { return d.pidfile }

// Close removes the pidfile (before its lock is released). Call it when
// the service is done.
func (d *Daemon) Close() error { return d.pidfile.Remove() }

// Fail tells the launcher why the service could not start, when it fails
// before the service's own notifier exists (say, its log cannot be opened
// as the dropped user). The launcher prints it instead of a bare exit
// status. Errors after that are the service's to report.
func (d *Daemon) Fail(err error) error {
	n, nerr := systemd.NewNotifier(d.notify)
	if nerr != nil {
		return nerr
	}
	defer n.Close()
	return n.Notify(systemd.Failure(err)...)
}
