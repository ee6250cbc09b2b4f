package install

import (
	"fmt"
	"path"
	"strings"

	"github.com/svcdev/svc/install/internal/shell"
)

// SysV installs an LSB init script in /etc/init.d that leaves the real
// work (readiness, the pidfile, stop by pidfile) to the binary's classic
// mode: `BINARY start|stop|status|reload --classic --pidfile /run/NAME.pid`.
// SysV has no supervisor, so the restart policy is not enforced. Spec.Args
// follow the classic flags, so they must be flags `BINARY start --classic`
// takes too (svc's --listen and --log are).
type SysV struct {
	// Enable is how the host enables a script; the zero value makes the
	// rc?.d links itself.
	Enable Enabler
	// Systemd is set when the host runs systemd: the generator must be
	// re-run (daemon-reload) for the script to be seen.
	Systemd bool
}

// Enabler is the host's tool for enabling an init script.
type Enabler int

// Enablers.
const (
	EnableLinks     Enabler = iota // S01NAME/K01NAME links in /etc/rc?.d
	EnableUpdateRCD                // Debian's update-rc.d
	EnableChkconfig                // Red Hat's chkconfig
)

func (SysV) Name() string { return "sysv" }

// PIDFile is where the classic daemon of a SysV or OpenRC service keeps
// its pid.
func PIDFile(name string) string { return "/run/" + name + ".pid" }

func sysvScriptPath(name string) string { return "/etc/init.d/" + name }

// Runlevels the script starts and stops in (LSB Default-Start/Stop).
var (
	startLevels = []string{"2", "3", "4", "5"}
	stopLevels  = []string{"0", "1", "6"}
)

// rcLinks are the links EnableLinks makes, numbered as update-rc.d does
// without insserv.
func rcLinks(name string) []Link {
	var l []Link
	for _, lv := range startLevels {
		l = append(l, Link{Path: fmt.Sprintf("/etc/rc%s.d/S01%s", lv, name), Target: "../init.d/" + name})
	}
	for _, lv := range stopLevels {
		l = append(l, Link{Path: fmt.Sprintf("/etc/rc%s.d/K01%s", lv, name), Target: "../init.d/" + name})
	}
	return l
}

func (t SysV) Plan(s Spec) (Plan, error) {
	if err := checkSystemScope(s, "sysv"); err != nil {
		return Plan{}, err
	}
	script, err := SysVScript(s)
	if err != nil {
		return Plan{}, err
	}
	path := sysvScriptPath(s.Name)
	p := Plan{Target: t.Name(), Files: []File{{Path: path, Mode: 0o755, Content: script}}}
	if t.Systemd {
		p.Commands = append(p.Commands, run("systemctl", "daemon-reload"))
	}
	switch t.Enable {
	case EnableUpdateRCD:
		p.Commands = append(p.Commands, run("update-rc.d", s.Name, "defaults"))
	case EnableChkconfig:
		p.Commands = append(p.Commands, run("chkconfig", "--add", s.Name))
	default:
		p.Links = rcLinks(s.Name)
	}
	p.Commands = append(p.Commands, runIfChanged(path, "try-restart"))
	return p, nil
}

func (t SysV) Uninstall(s Spec) (Plan, error) {
	if err := checkSystemScope(s, "sysv"); err != nil {
		return Plan{}, err
	}
	path := sysvScriptPath(s.Name)
	p := Plan{Target: t.Name(), Pre: []Command{runMayFail(path, "stop")}}
	if t.Systemd {
		// On a systemd host the script's stop goes to systemctl, which
		// knows only what the generator's unit started: stop the unit,
		// then a daemon started by the script itself (by its pidfile).
		p.Pre = []Command{
			runMayFail("systemctl", "stop", s.Name+".service"),
			runMayFail("env", "SYSTEMCTL_SKIP_REDIRECT=1", "_SYSTEMCTL_SKIP_REDIRECT=1", path, "stop"),
		}
	}
	// Both tools read the script, so they run before it goes.
	switch t.Enable {
	case EnableUpdateRCD:
		p.Pre = append(p.Pre, runMayFail("update-rc.d", "-f", s.Name, "remove"))
	case EnableChkconfig:
		p.Pre = append(p.Pre, runMayFail("chkconfig", "--del", s.Name))
	}
	p.Remove = append(p.Remove, path)
	for _, l := range rcLinks(s.Name) {
		p.Remove = append(p.Remove, l.Path)
	}
	if t.Systemd {
		p.Commands = append(p.Commands,
			runMayFail("systemctl", "daemon-reload"),
			resetFailed([]string{"systemctl", "is-failed", "--quiet", s.Name + ".service"}, []string{"systemctl", "reset-failed", s.Name + ".service"}))
	}
	return p, nil
}

func (t SysV) Control(s Spec, v Verb) (Control, error) {
	if err := checkSystemScope(s, "sysv"); err != nil {
		return Control{}, err
	}
	c := Control{Argv: []string{sysvScriptPath(s.Name), string(v)}}
	if v == Status {
		c.State = lsbState
	}
	return c, nil
}

// lsbState reads an LSB status exit code.
func lsbState(exit int, _ []byte) State {
	switch exit {
	case StatusRunning:
		return State{Code: exit, Word: "running"}
	case StatusDead:
		return State{Code: exit, Word: "failed", Detail: "dead, pidfile exists"}
	case 2:
		return State{Code: exit, Word: "failed", Detail: "dead, lock file exists"}
	case StatusNotRunning:
		return State{Code: exit, Word: "stopped"}
	}
	return State{Code: StatusUnknown, Word: "unknown", Detail: fmt.Sprintf("status exit code %d", exit)}
}

func checkSystemScope(s Spec, target string) error {
	if s.Scope == User {
		return fmt.Errorf("install: %s: %s: %w", s.Name, target, ErrUnsupportedScope)
	}
	return CheckName(s.Name)
}

// SysVScript renders the LSB init script for s. A wrapped program
// (Spec.Exec) starts through `BINARY start --classic ... -- EXEC ARGS` and
// is stopped and checked with `--exec EXEC`, whose inode the pidfile's
// holder must run; it is reloaded (`--signal SIG`) only when
// Spec.ReloadSignal names a signal.
func SysVScript(s Spec) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Wrapped() {
		if err := s.needRunner("sysv", "start --classic"); err != nil {
			return nil, err
		}
	}
	required, err := depNames(true, []string{"$remote_fs", "$syslog"}, s.Requires)
	if err != nil {
		return nil, fmt.Errorf("install: %s: sysv: %w", s.Name, err)
	}
	should, err := depNames(true, s.After, s.Wants)
	if err != nil {
		return nil, fmt.Errorf("install: %s: sysv: %w", s.Name, err)
	}
	d := sysvData{
		Name:        s.Name,
		Description: s.description(),
		Runs:        runsLine(s, shell.Quote),
		Required:    strings.Join(required, " "),
		Should:      strings.Join(should, " "),
		Start:       strings.Join(startLevels, " "),
		Stop:        strings.Join(stopLevels, " "),
		Daemon:      shell.Quote(s.Binary),
		PIDFile:     shell.Quote(PIDFile(s.Name)),
		PIDFilePath: PIDFile(s.Name),
		StartArgs:   shell.Join(append(classicFlags(s, s.LogFile), s.Args...)),
		Reloads:     s.reloads(),
		Signal:      s.reloadIdent(),
	}
	log := s.LogFile
	if s.Wrapped() {
		log = s.wrappedLog()
		d.Prog = shell.Quote(s.Exec)
		d.StartArgs = shell.Join(classicFlags(s, log)) + ` -- "$PROG"`
		if len(s.Args) > 0 {
			d.StartArgs += " " + shell.Join(s.Args)
		}
	}
	if log != "" {
		d.LogDir, d.Owner = shell.Quote(path.Dir(log)), shell.Quote(s.owner())
	}
	for _, e := range s.Environment {
		d.Env = append(d.Env, e.Name+"="+shell.Quote(e.Value))
	}
	for _, dir := range s.ownDirs() {
		d.Dirs = append(d.Dirs, shell.Join(append(s.ownerArgs("-o", "-g"), dir)))
	}
	return renderSysV(d), nil
}

// renderSysV writes the script; every value in d is already quoted for sh
// or is a word of the safe alphabet CheckName and depNames allow. Plain
// string building, not text/template: the template engine's reflective
// method calls keep every exported method in the binary alive, which made
// the daemon's binary (and so its resident text) twice as large.
func renderSysV(d sysvData) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# shellcheck disable=SC2016 # single quotes keep $ literal on purpose\n")
	b.WriteString("# " + d.Name + ": " + d.Description + "\n")
	b.WriteString(d.Runs)
	// The chkconfig-style header (Red Hat's chkconfig and
	// systemd-sysv-generator read it; insserv skips it): with it the
	// generated unit is Type=forking with PIDFile=, so systemd tracks the
	// daemon (a wrapped program's own pid) and a crash fails the unit,
	// instead of RemainAfterExit=yes calling a dead daemon active. The
	// path is a safe word: CheckName.
	b.WriteString("# pidfile: " + d.PIDFilePath + "\n")
	b.WriteString("### BEGIN INIT INFO\n")
	b.WriteString("# Provides:          " + d.Name + "\n")
	b.WriteString("# Required-Start:    " + d.Required + "\n")
	b.WriteString("# Required-Stop:     " + d.Required + "\n")
	if d.Should != "" {
		b.WriteString("# Should-Start:      " + d.Should + "\n")
		b.WriteString("# Should-Stop:       " + d.Should + "\n")
	}
	b.WriteString("# Default-Start:     " + d.Start + "\n")
	b.WriteString("# Default-Stop:      " + d.Stop + "\n")
	b.WriteString("# Short-Description: " + d.Description + "\n")
	b.WriteString(sysvBody1)
	b.WriteString("DAEMON=" + d.Daemon + "\n")
	ident := "" // how stop, status and reload know the daemon
	if d.Prog != "" {
		b.WriteString("PROG=" + d.Prog + "\n")
		ident = ` --exec "$PROG"`
	}
	b.WriteString("PIDFILE=" + d.PIDFile + "\n")
	b.WriteString(sysvInstalled)
	if d.Prog != "" {
		b.WriteString(sysvProgInstalled)
	}
	b.WriteString(strings.ReplaceAll(sysvBody2, "{{ident}}", ident))
	b.WriteString("do_start() {\n")
	for _, dir := range d.Dirs { // RuntimeDirectory= and LogsDirectory=
		b.WriteString("\tinstall -d -m 0750 " + dir + " || return\n")
	}
	if d.LogDir != "" {
		b.WriteString("\tsvc_log_dir=" + d.LogDir + " svc_owner=" + d.Owner + "\n" + logDirLine)
	}
	b.WriteString("\t")
	for _, e := range d.Env {
		b.WriteString(e + " ")
	}
	b.WriteString(`"$DAEMON" start --classic --pidfile "$PIDFILE" ` + d.StartArgs + "\n}\n")
	b.WriteString(strings.ReplaceAll(sysvBody3, "{{ident}}", ident))
	usage, reload := sysvUsageNoReload, sysvNoReload
	if d.Reloads {
		usage, reload = sysvUsage, strings.ReplaceAll(sysvReload, "{{ident}}", ident+d.Signal)
	}
	body := strings.ReplaceAll(sysvBody4, "{{reload}}", reload)
	body = strings.ReplaceAll(body, "{{ident}}", ident)
	b.WriteString(strings.ReplaceAll(body, "{{usage}}", usage))
	return []byte(b.String())
}

type sysvData struct {
	Name, Description, Runs, Required, Should, Start, Stop string
	Daemon, PIDFile, PIDFilePath, StartArgs                string
	Prog                                                   string // a wrapped program
	Reloads                                                bool   // the service has a reload
	Signal                                                 string // its reload's --signal SIG, for a wrapped program
	LogDir, Owner                                          string // with a log file
	Env                                                    []string
	Dirs                                                   []string // install -d arguments
}

const sysvBody1 = `### END INIT INFO

# On a systemd host the LSB library hands the action to systemctl (the unit
# systemd-sysv-generator made from this script); elsewhere it only adds
# helpers. The script works without it.
if [ -r /lib/lsb/init-functions ]; then
	# shellcheck source=/dev/null
	. /lib/lsb/init-functions
fi

`

// sysvInstalled and sysvProgInstalled refuse every action without the
// binary (or the wrapped program): 5, not installed; status 4, unknown.
const sysvInstalled = `
# LSB exit codes: 2 bad usage, 3 unimplemented action, 4 not root (status:
# unknown), 5 not installed, 7 not running.
if [ ! -x "$DAEMON" ]; then
	echo "$0: $DAEMON: not installed" >&2
	[ "${1:-}" = status ] && exit 4
	exit 5
fi
`

const sysvProgInstalled = `if [ ! -x "$PROG" ]; then
	echo "$0: $PROG: not installed" >&2
	[ "${1:-}" = status ] && exit 4
	exit 5
fi
`

// sysvBody2, sysvBody3 and sysvBody4: {{ident}} is empty for a binary on svc, and
// --exec "$PROG" for a wrapped program.
const sysvBody2 = `
need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$0: $1: must be run as root" >&2
		exit 4
	fi
}

running() {
	"$DAEMON" status --classic --pidfile "$PIDFILE"{{ident}} >/dev/null 2>&1
}

# svc start --classic returns once the daemon is ready, or fails with the
# daemon's own error.
`

// sysvBody3 and sysvBody4: {{usage}} lists the actions (with reload only
// when the service has one: systemd-sysv-generator writes ExecReload= for
// a script whose usage line names it), {{reload}} is their case.
const sysvBody3 = `
do_stop() {
	"$DAEMON" stop --classic --pidfile "$PIDFILE"{{ident}}
}
`

const sysvBody4 = `
if [ $# -ne 1 ]; then
	echo "Usage: $0 {{usage}}" >&2
	exit 2
fi

case "$1" in
start)
	need_root start
	do_start
	;;
stop)
	need_root stop
	do_stop
	;;
restart)
	need_root restart
	do_stop && do_start
	;;
try-restart)
	need_root try-restart
	if running; then
		do_stop && do_start
	fi
	;;
{{reload}}status)
	"$DAEMON" status --classic --pidfile "$PIDFILE"{{ident}}
	;;
*)
	echo "Usage: $0 {{usage}}" >&2
	exit 3
	;;
esac
`

const (
	sysvUsage         = "{start|stop|restart|try-restart|reload|force-reload|status}"
	sysvUsageNoReload = "{start|stop|restart|try-restart|force-reload|status}"
)

// sysvReload: {{ident}} is sysvBody2's and, for a wrapped program, its
// --signal SIG.
const sysvReload = `reload|force-reload)
	need_root "$1"
	running || exit 7
	"$DAEMON" reload --classic --pidfile "$PIDFILE"{{ident}}
	;;
`

// sysvNoReload is the reload of a wrapped program without a reload
// signal: LSB's 3, unimplemented; force-reload is reload if the service
// has one, else restart (of a running service).
const sysvNoReload = `reload)
	echo "$0: reload: not supported: $PROG takes no reload signal (restart it, or install it with --reload-signal SIG)" >&2
	exit 3
	;;
force-reload)
	need_root force-reload
	running || exit 7
	do_stop && do_start
	;;
`
