package systemd

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Service describes a .service unit (systemd.service(5), systemd.exec(5)).
// Zero fields are omitted, which means systemd's default, except Restart,
// RestartSec and WantedBy, whose defaults suit a long-running daemon.
// Every string is either carried exactly (escaped as its directive needs)
// or refused by Unit with an error naming the field.
type Service struct {
	Description   string
	Documentation []string // http(s)://, file:, man: or info: URIs
	// Dependencies, as unit names ("network-online.target").
	After, Wants, Requires, Before []string

	// Type is one of simple, exec, forking, oneshot, dbus, notify,
	// notify-reload or idle; empty means simple. systemd < 253 ignores
	// notify-reload with a mere warning and runs the service as simple:
	// use notify with ReloadSignal there.
	Type       string
	ExecStart  []string // argv, required; argv[0] absolute (see QuoteExec)
	ExecReload []string // argv; '$' is literal, see ReloadSignal for $MAINPID
	ExecStop   []string
	// ReloadSignal ("HUP", "USR1", ...) makes reload signal the main
	// process: ReloadSignal= for notify-reload, else an ExecReload= that
	// runs /bin/kill on $MAINPID. It excludes ExecReload.
	ReloadSignal string
	PIDFile      string // absolute path

	User, Group      string // names or numeric ids; not in user units
	WorkingDirectory string // absolute path, or "~" for the user's home
	Environment      []EnvVar
	UMask            string // octal, e.g. "0022"

	// Restart defaults to "on-failure"; also no, always, on-success,
	// on-abnormal, on-abort, on-watchdog.
	Restart string
	// RestartSec defaults to 1s (systemd's 100ms uses up the default start
	// limit, 5 starts in 10s, within half a second). Rendered only when
	// Restart is not "no".
	RestartSec time.Duration

	// Timeouts; Infinity disables TimeoutStartSec or TimeoutStopSec.
	TimeoutStartSec, TimeoutStopSec, WatchdogSec time.Duration
	// Start rate limit, rendered in [Unit]. Infinity is allowed for the
	// interval.
	StartLimitIntervalSec time.Duration
	StartLimitBurst       int

	NotifyAccess string // none, main, exec or all
	// StandardOutput and StandardError: inherit, null, tty, journal, kmsg,
	// journal+console, kmsg+console, socket, fd:NAME, or file:, append:,
	// truncate: followed by an absolute path.
	StandardOutput, StandardError string
	SyslogIdentifier              string

	// UserUnit renders for the per-user manager: WantedBy=default.target
	// instead of multi-user.target, and no User= or Group=.
	UserUnit bool
	WantedBy []string // overrides the default target

	// Sandbox confines the service (see Sandbox); its zero value
	// confines nothing.
	Sandbox Sandbox
}

// EnvVar is one Environment= assignment. Name is a shell variable name;
// Value is any valid UTF-8 without NUL (systemd refuses the rest).
type EnvVar struct{ Name, Value string }

// Infinity, as a duration, renders as systemd's "infinity".
const Infinity time.Duration = 1<<63 - 1

// Defaults for fields documented above.
const (
	DefaultRestart    = "on-failure"
	DefaultRestartSec = time.Second
)

var (
	serviceTypes  = []string{"simple", "exec", "forking", "oneshot", "dbus", "notify", "notify-reload", "idle"}
	restartModes  = []string{"no", "always", "on-success", "on-failure", "on-abnormal", "on-abort", "on-watchdog"}
	notifyAccess  = []string{"none", "main", "exec", "all"}
	outputTargets = []string{"inherit", "null", "tty", "journal", "kmsg", "journal+console", "kmsg+console", "socket"}
	reloadSignals = []string{"HUP", "INT", "QUIT", "USR1", "USR2", "TERM", "WINCH", "ALRM", "CONT"}
)

// Unit validates s and returns its unit file model.
func (s Service) Unit() (*Unit, error) {
	u := &Unit{}
	b := builder{u: u, what: "service"}
	if s.Type == "oneshot" && (s.Restart == "always" || s.Restart == "on-success") {
		b.fail("Restart", fmt.Errorf("%q is not allowed with Type=oneshot", s.Restart))
	}
	b.raw("Unit", "Description", s.Description)
	b.docs("Unit", s.Documentation)
	b.names("Unit", "Wants", s.Wants)
	b.names("Unit", "Requires", s.Requires)
	b.names("Unit", "After", s.After)
	b.names("Unit", "Before", s.Before)
	b.duration("Unit", "StartLimitIntervalSec", s.StartLimitIntervalSec, true)
	b.count("Unit", "StartLimitBurst", s.StartLimitBurst)

	b.enum("Service", "Type", s.Type, serviceTypes)
	b.enum("Service", "NotifyAccess", s.NotifyAccess, notifyAccess)
	b.path("Service", "PIDFile", s.PIDFile)
	s.credentials(&b)
	if s.WorkingDirectory == "~" {
		b.add("Service", "WorkingDirectory", "~")
	} else {
		b.path("Service", "WorkingDirectory", s.WorkingDirectory)
	}
	b.octal("Service", "UMask", s.UMask)
	b.env(s.Environment)
	if len(s.ExecStart) == 0 {
		b.fail("ExecStart", errors.New("required"))
	}
	b.exec("ExecStart", s.ExecStart)
	s.reload(&b)
	b.exec("ExecStop", s.ExecStop)
	s.restart(&b)
	b.duration("Service", "TimeoutStartSec", s.TimeoutStartSec, true)
	b.duration("Service", "TimeoutStopSec", s.TimeoutStopSec, true)
	b.duration("Service", "WatchdogSec", s.WatchdogSec, false)
	b.output("StandardOutput", s.StandardOutput)
	b.output("StandardError", s.StandardError)
	b.raw("Service", "SyslogIdentifier", s.SyslogIdentifier)
	s.Sandbox.render(&b, s.User, s.UserUnit)

	b.install(s.WantedBy, s.UserUnit, "multi-user.target", "default.target")
	if b.err != nil {
		return nil, b.err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return u, nil
}

func (s Service) credentials(b *builder) {
	if s.UserUnit && (s.User != "" || s.Group != "") {
		b.fail("User", errors.New("User= and Group= cannot be set in a user unit"))
		return
	}
	b.account("Service", "User", s.User)
	b.account("Service", "Group", s.Group)
}

func (s Service) reload(b *builder) {
	if s.ReloadSignal == "" {
		b.exec("ExecReload", s.ExecReload)
		return
	}
	if len(s.ExecReload) > 0 {
		b.fail("ReloadSignal", errors.New("cannot be combined with ExecReload"))
		return
	}
	sig := strings.TrimPrefix(s.ReloadSignal, "SIG")
	if !slices.Contains(reloadSignals, sig) {
		b.fail("ReloadSignal", fmt.Errorf("%q: not one of %s", s.ReloadSignal, strings.Join(reloadSignals, ", ")))
		return
	}
	if s.Type == "notify-reload" {
		b.add("Service", "ReloadSignal", "SIG"+sig)
		return
	}
	// $MAINPID is the one variable reference we write: QuoteExec would
	// (rightly) escape it.
	b.add("Service", "ExecReload", "/bin/kill -s "+sig+" $MAINPID")
}

func (s Service) restart(b *builder) {
	mode := s.Restart
	if mode == "" {
		mode = DefaultRestart
	}
	b.enum("Service", "Restart", mode, restartModes)
	if mode == "no" {
		b.duration("Service", "RestartSec", s.RestartSec, false)
		return
	}
	d := s.RestartSec
	if d == 0 {
		d = DefaultRestartSec
	}
	b.duration("Service", "RestartSec", d, false)
}
