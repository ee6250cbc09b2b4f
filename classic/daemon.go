package classic

import (
	"os"
	"strconv"
	"strings"

	"github.com/svcdev/svc/systemd"
)

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

// ReportUsage is for a program whose command line was refused (a usage
// error, exit code code) after it printed why: if this process is a
// classic daemon, the launcher is told the message is out already and
// exits with code, as the program would have in its place. That happens
// only in the C fast path, which cannot parse the program's own flags
// (package classic/prestart); elsewhere it does nothing.
func ReportUsage(code int) {
	h, err := parseHandoff(os.Getenv(HandoffEnv))
	if err != nil || h.role != roleDaemon {
		return
	}
	if n, err := systemd.NewNotifier(h.notify); err == nil {
		n.Notify("X_SVC_USAGE=" + strconv.Itoa(code))
		n.Close()
	}
}

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
	return n.Notify(systemd.Failure(reported{err})...)
}

// reported is a daemon's error as the launcher prints it, after its own
// "classic: daemon pid N: ": without a second "classic: ".
type reported struct{ err error }

func (r reported) Error() string { return strings.TrimPrefix(r.err.Error(), "classic: ") }
func (r reported) Unwrap() error { return r.err }
