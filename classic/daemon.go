package classic

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
