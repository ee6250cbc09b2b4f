package install

import (
	"fmt"
	"path"
	"strings"

	"github.com/svcdev/svc/install/internal/shell"
)

// OpenRC installs an openrc-run script in /etc/init.d and adds it to the
// default runlevel. The script's start, stop, status and reload are the
// binary's classic verbs (`BINARY start --classic --pidfile /run/NAME.pid`),
// as the LSB script's are: OpenRC 0.45's supervise-daemon has no readiness
// protocol, so under it `rc-service NAME start` said [ ok ] for a service
// that could not even bind its port, and its stop after a crash needed
// `zap`. Classic start returns once the service is ready, or fails with
// the service's own error; stop of a dead service succeeds; status is
// LSB's.
//
// Unless Spec.Restart is RestartNever, supervise-daemon then supervises a
// watcher, not the service: a shell that makes sure the daemon runs
// (`start --classic`, which says "already running" the first time) and
// then waits for the daemon's end (`status --classic --wait`, which pins
// the proven daemon with a pidfd). When the daemon dies the watcher
// exits, and supervise-daemon respawns it after RestartSec, which starts
// the daemon again, ready; respawn_max within respawn_period bounds it.
// The watcher cannot see the daemon's exit status, so on-failure restarts
// after any death that was not a stop, as always does.
type OpenRC struct{}

func (OpenRC) Name() string { return "openrc" }

// openrcRunlevel is where rc-update adds the service.
const openrcRunlevel = "default"

func (t OpenRC) Plan(s Spec) (Plan, error) {
	if err := checkSystemScope(s, "openrc"); err != nil {
		return Plan{}, err
	}
	script, err := OpenRCScript(s)
	if err != nil {
		return Plan{}, err
	}
	path := sysvScriptPath(s.Name)
	return Plan{
		Target: t.Name(),
		Files:  []File{{Path: path, Mode: 0o755, Content: script}},
		Commands: []Command{
			run("rc-update", "add", s.Name, openrcRunlevel),
			runIfChanged("rc-service", s.Name, "--ifstarted", "restart"),
		},
	}, nil
}

func (t OpenRC) Uninstall(s Spec) (Plan, error) {
	if err := checkSystemScope(s, "openrc"); err != nil {
		return Plan{}, err
	}
	return Plan{
		Target: t.Name(),
		Pre: []Command{
			runMayFail("rc-service", s.Name, "--ifstarted", "stop"),
			runMayFail("rc-update", "del", s.Name, openrcRunlevel),
		},
		// rc-update's link, in case rc-update is gone (--root staging).
		Remove: []string{sysvScriptPath(s.Name), "/etc/runlevels/" + openrcRunlevel + "/" + s.Name},
	}, nil
}

func (t OpenRC) Control(s Spec, v Verb) (Control, error) {
	if err := checkSystemScope(s, "openrc"); err != nil {
		return Control{}, err
	}
	c := Control{Argv: []string{"rc-service", s.Name, string(v)}}
	if v == Status {
		c.State = openrcState
	}
	return c, nil
}

// openrcState reads the exit code of openrc-run's status: LSB's from the
// script's status (svc status --classic), and openrc-run.sh's and
// supervise-daemon.sh's (OpenRC 0.45) from scripts older svc versions
// wrote.
func openrcState(exit int, _ []byte) State {
	switch exit {
	case 0:
		return State{Code: StatusRunning, Word: "running", Detail: "started"}
	case 1: // the script's status is svc's: LSB
		return State{Code: StatusDead, Word: "failed", Detail: "dead, pidfile exists"}
	case 3:
		return State{Code: StatusNotRunning, Word: "stopped"}
	case 4:
		return State{Code: StatusNotRunning, Word: "stopping"}
	case 8:
		return State{Code: StatusNotRunning, Word: "starting"}
	case 16:
		return State{Code: StatusNotRunning, Word: "stopped", Detail: "inactive"}
	case 32:
		return State{Code: StatusDead, Word: "failed", Detail: "crashed"}
	case 64:
		return State{Code: StatusDead, Word: "failed", Detail: "unsupervised"}
	}
	return State{Code: StatusUnknown, Word: "unknown", Detail: fmt.Sprintf("rc-service status exit code %d", exit)}
}

// OpenRCScript renders the openrc-run script for s. A wrapped program
// (Spec.Exec) starts through `BINARY start --classic ... -- EXEC ARGS`, and
// the other verbs and the watcher name it with --exec EXEC.
//
// openrc-run sources the script, so every value is a variable assigned
// once, quoted for sh, and used only as "$var": blanks, quotes and $
// reach the service unchanged.
func OpenRCScript(s Spec) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Wrapped() {
		if err := s.needRunner("openrc", "start --classic"); err != nil {
			return nil, err
		}
	}
	needs, err := depNames(false, s.Requires)
	if err != nil {
		return nil, fmt.Errorf("install: %s: openrc: %w", s.Name, err)
	}
	after, err := depNames(false, s.After)
	if err != nil {
		return nil, fmt.Errorf("install: %s: openrc: %w", s.Name, err)
	}
	uses, err := depNames(false, s.Wants)
	if err != nil {
		return nil, fmt.Errorf("install: %s: openrc: %w", s.Name, err)
	}
	log := s.LogFile
	if log == "" {
		log = OpenRCLog(s.Name)
	}
	delay := int((s.restartSec() + 999e6) / 1e9)
	d := openrcData{
		Name:       s.Name,
		Runs:       runsLine(s, shell.Quote),
		Supervised: s.restart() != RestartNever,
		RespawnSec: delay,
		// supervise-daemon(8): max respawns within period must be
		// possible at the delay, or it respawns without end.
		RespawnMax:    openrcRespawnMax,
		RespawnPeriod: max(10, 2*openrcRespawnMax*delay),
		Description:   shell.Quote(s.description()),
		Command:       shell.Quote(s.Binary),
		PIDFile:       shell.Quote(PIDFile(s.Name)),
		Log:           shell.Quote(log),
		LogDir:        shell.Quote(path.Dir(log)),
		Owner:         shell.Quote(s.owner()),
		Need:          strings.Join(needs, " "),
		After:         strings.Join(after, " "),
		Use:           strings.Join(uses, " "),
		Reloads:       s.reloads(),
		Signal:        s.reloadIdent(),
	}
	if s.Wrapped() {
		d.Prog = shell.Quote(s.Exec)
		d.StartArgs = shell.Join(classicFlags(s, log)) + ` -- "$svc_exec"`
		if len(s.Args) > 0 {
			d.StartArgs += " " + shell.Join(s.Args)
		}
	} else {
		// --log first when it is the default, as scripts have it since.
		a := []string{"--log", log}
		if s.LogFile != "" {
			a = nil // classicFlags passes it
		}
		d.StartArgs = shell.Join(append(append(a, classicFlags(s, s.LogFile)...), s.Args...))
	}
	for _, e := range s.Environment {
		d.Env = append(d.Env, e.Name+"="+shell.Quote(e.Value))
	}
	// systemd's RuntimeDirectory= and LogsDirectory=, owned by the
	// service's user.
	owner := s.User
	if s.Group != "" {
		owner += ":" + s.Group
	}
	for _, dir := range s.ownDirs() {
		a := []string{"checkpath", "--directory", "--mode", "0750"}
		if owner != "" {
			a = append(a, "--owner", owner)
		}
		d.Dirs = append(d.Dirs, shell.Join(append(a, dir)))
	}
	return renderOpenRC(d), nil
}

// OpenRCLog is where an OpenRC service's output goes when the spec names
// no log file.
func OpenRCLog(name string) string { return "/var/log/" + name + ".log" }

// openrcRespawnMax is how many times supervise-daemon restarts the
// watcher within the period before it gives up: systemd's default
// StartLimitBurst.
const openrcRespawnMax = 5

type openrcData struct {
	Name, Description, Runs, Command      string
	PIDFile, Prog                         string // Prog: a wrapped program
	Log, LogDir, Owner, StartArgs         string
	Supervised                            bool
	RespawnSec, RespawnMax, RespawnPeriod int
	Need, After, Use                      string
	Reloads                               bool   // the service has a reload
	Signal                                string // its --signal SIG, for a wrapped program
	Env                                   []string
	Dirs                                  []string // checkpath commands
}

// renderOpenRC writes the script; every value in d is already quoted for
// sh or is a safe word. Plain string building, for the reason renderSysV
// gives.
func renderOpenRC(d openrcData) []byte {
	var b strings.Builder
	b.WriteString("#!/sbin/openrc-run\n")
	b.WriteString("# shellcheck shell=sh disable=SC2034,SC2016 # openrc-run reads the variables; $ stays literal\n")
	b.WriteString(d.Runs)
	ident := "" // how stop, status and reload know the daemon
	switch {
	case d.Prog != "" && !d.Reloads:
		ident = ` --exec "$svc_exec"`
		b.WriteString("#\n# start, stop and status are svc's classic verbs on the program (which has\n")
		b.WriteString("# no reload: no signal was named for one at install): start\n")
	case d.Prog != "":
		ident = ` --exec "$svc_exec"`
		b.WriteString("#\n# start, stop, status and reload are svc's classic verbs on the program: start\n")
	default:
		b.WriteString("#\n# start, stop, status and reload are the binary's classic verbs: start\n")
	}
	b.WriteString("# returns once the service is ready, or fails with the service's own\n")
	b.WriteString("# error; its output goes to the log file.\n")
	if d.Supervised {
		b.WriteString("# supervise-daemon supervises a watcher that waits for the daemon's end\n")
		b.WriteString("# (status --wait, on the process itself) and restarts the daemon when it\n")
		b.WriteString("# dies (at most respawn_max times within respawn_period seconds).\n")
	}
	b.WriteString("\nname=" + d.Name + "\ndescription=" + d.Description + "\n")
	b.WriteString("svc_bin=" + d.Command + "\n")
	if d.Prog != "" {
		b.WriteString("svc_exec=" + d.Prog + "\n")
	}
	b.WriteString("pidfile=" + d.PIDFile + "\n")
	b.WriteString("svc_log=" + d.Log + "\nsvc_log_dir=" + d.LogDir + "\nsvc_owner=" + d.Owner + "\n")
	if d.Supervised {
		fmt.Fprintf(&b, "respawn_delay=%d\nrespawn_max=%d\nrespawn_period=%d\n", d.RespawnSec, d.RespawnMax, d.RespawnPeriod)
	}
	if d.Reloads {
		b.WriteString("\nextra_started_commands=\"reload\"\n")
	}
	b.WriteString("\ndepend() {\n")
	for _, dep := range [...]struct{ word, names string }{{"need", d.Need}, {"after", d.After}, {"use", d.Use}} {
		if dep.names != "" {
			b.WriteString("\t" + dep.word + " " + dep.names + "\n")
		}
	}
	b.WriteString("\t:\n}\n\nstart() {\n")
	for _, dir := range d.Dirs {
		b.WriteString("\t" + dir + " || return 1\n")
	}
	b.WriteString(logDirLine)
	b.WriteString("\tebegin \"Starting ${name}\"\n")
	for _, e := range d.Env {
		b.WriteString("\texport " + e + "\n")
	}
	b.WriteString("\tset -- " + d.StartArgs + "\n")
	b.WriteString("\t\"$svc_bin\" start --classic --pidfile \"$pidfile\" \"$@\"\n")
	b.WriteString("\teend $? \"Failed to start ${name} (log: ${svc_log})\" || return 1\n")
	switch {
	case d.Supervised && d.Prog != "":
		b.WriteString(openrcWatchWrapped)
	case d.Supervised:
		b.WriteString(openrcWatch)
	}
	b.WriteString("}\n")
	stop := openrcStop
	if d.Supervised {
		stop = openrcStopSupervised
	}
	b.WriteString(strings.ReplaceAll(stop+openrcStatus, "{{ident}}", ident))
	if d.Reloads {
		b.WriteString(strings.ReplaceAll(openrcReload, "{{ident}}", ident+d.Signal))
	}
	return []byte(b.String())
}

// logDirLine makes the log file's directory when it is missing, owned
// by the service's user; one that exists is left as it is (it may be
// /var/log).
const logDirLine = "\t[ -d \"$svc_log_dir\" ] || { mkdir -p \"$svc_log_dir\" && chmod 0755 \"$svc_log_dir\" && chown \"$svc_owner\" \"$svc_log_dir\"; } || return 1\n"

// openrcWatch starts the watcher under supervise-daemon (see OpenRC). Its
// output (a failed restart's error) goes to the log.
const openrcWatch = `	# The watcher: the daemon running, then status --wait, which returns
	# only once the daemon is gone.
	supervise-daemon "$RC_SVCNAME" --start --respawn-delay "$respawn_delay" \
		--respawn-max "$respawn_max" --respawn-period "$respawn_period" \
		--stdout "$svc_log" --stderr "$svc_log" /bin/sh -- -c '
		"$0" start --classic --pidfile "$@" >/dev/null || exit
		exec "$0" status --classic --pidfile "$1" --wait >/dev/null' "$svc_bin" "$pidfile" "$@"
`

// openrcWatchWrapped is openrcWatch for a wrapped program: status --wait
// names it too. (start itself says "already running" when the program
// runs, its probe's port answering or not.)
const openrcWatchWrapped = `	# The watcher: the daemon running, then status --wait, which returns
	# only once the daemon is gone.
	supervise-daemon "$RC_SVCNAME" --start --respawn-delay "$respawn_delay" \
		--respawn-max "$respawn_max" --respawn-period "$respawn_period" \
		--stdout "$svc_log" --stderr "$svc_log" /bin/sh -- -c '
		prog=$1; shift
		"$0" start --classic --pidfile "$@" >/dev/null || exit
		exec "$0" status --classic --pidfile "$1" --exec "$prog" --wait >/dev/null' "$svc_bin" "$svc_exec" "$pidfile" "$@"
`

// openrcStop, openrcStopSupervised, openrcStatus and openrcReload: {{ident}} is empty for
// a binary on svc, and --exec "$svc_exec" for a wrapped program.
//
// openrcStop: stop of a dead or stopped service succeeds, so stop and
// restart after a crash need no `zap`.
const openrcStop = `
stop() {
	ebegin "Stopping ${name}"
	"$svc_bin" stop --classic --pidfile "$pidfile"{{ident}}
	eend $? "Failed to stop ${name}"
}
`

// openrcStopSupervised stops the watcher first, so nothing restarts the
// daemon that stop stops; a supervisor that gave up is no error.
const openrcStopSupervised = `
stop() {
	ebegin "Stopping ${name}"
	supervise-daemon "$RC_SVCNAME" --stop >/dev/null 2>&1
	"$svc_bin" stop --classic --pidfile "$pidfile"{{ident}}
	eend $? "Failed to stop ${name}"
}
`

// openrcStatus returns svc's LSB code (0 running, 1 dead with a pidfile,
// 3 stopped, 4 unknown).
const openrcStatus = `
status() {
	"$svc_bin" status --classic --pidfile "$pidfile"{{ident}}
}
`

// openrcReload is the reload of a service that has one (see
// Spec.ReloadSignal); {{ident}} adds a wrapped program's --signal SIG.
// Without it, the script has no reload: rc-service refuses the command.
const openrcReload = `
reload() {
	ebegin "Reloading ${name}"
	"$svc_bin" reload --classic --pidfile "$pidfile"{{ident}}
	eend $? "Failed to reload ${name}"
}
`
