package install

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/svcdev/svc/install/internal/shell"
)

// OpenRC installs an openrc-run script in /etc/init.d and adds it to the
// default runlevel. The service runs in the foreground (`BINARY run`)
// under supervise-daemon, which respawns it; with RestartNever,
// start-stop-daemon backgrounds it and keeps the pidfile instead.
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

// openrcState reads the exit code of openrc-run's status (openrc-run.sh
// and supervise-daemon.sh in OpenRC 0.45).
func openrcState(exit int, _ []byte) State {
	switch exit {
	case 0:
		return State{Code: StatusRunning, Word: "running", Detail: "started"}
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

// OpenRCScript renders the openrc-run script for s.
//
// openrc-run passes command, command_args and directory through eval
// after an unquoted expansion, which splits fields and collapses blanks.
// So the script stores each value in a variable of its own, quoted once,
// and hands eval only references to them ("$svc_arg_1"), which survive
// both passes byte for byte.
func OpenRCScript(s Spec) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if shell.Quote(s.Binary) != s.Binary {
		// OpenRC keeps `command` for stop and compares it unquoted.
		return nil, fmt.Errorf("install: %s: openrc: %w: binary %q: openrc-run splits the command path; want one without blanks, quotes or shell characters", s.Name, ErrInvalid, s.Binary)
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
	d := openrcData{
		Name:        s.Name,
		Description: shell.Quote(s.description()),
		Command:     s.Binary,
		Dir:         shell.Quote(s.workingDir()),
		PIDFile:     shell.Quote(PIDFile(s.Name)),
		Supervised:  s.restart() != RestartNever,
		RespawnMax:  0,
		RespawnSec:  int((s.restartSec() + 999e6) / 1e9),
		Need:        strings.Join(needs, " "),
		After:       strings.Join(after, " "),
		Use:         strings.Join(uses, " "),
	}
	if s.User != "" {
		d.User = s.User
		if s.Group != "" {
			d.User += ":" + s.Group
		}
	}
	var refs []string
	for i, a := range s.runArgs() {
		v := "svc_arg_" + strconv.Itoa(i+1)
		d.Args = append(d.Args, v+"="+shell.Quote(a))
		refs = append(refs, `"$`+v+`"`)
	}
	d.ArgRefs = shell.Quote(strings.Join(refs, " "))
	for _, e := range s.Environment {
		d.Env = append(d.Env, e.Name+"="+shell.Quote(e.Value))
	}
	d.Hardened = s.harden() != HardenOff
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

type openrcData struct {
	Name, Description, Command, Dir, PIDFile, User string
	Supervised                                     bool
	RespawnMax, RespawnSec                         int
	Need, After, Use                               string
	Args                                           []string
	ArgRefs                                        string
	Env                                            []string
	Hardened                                       bool
	Dirs                                           []string // checkpath arguments
}

// renderOpenRC writes the script; every value in d is already quoted for
// sh or is a safe word. Plain string building, for the reason renderSysV
// gives.
func renderOpenRC(d openrcData) []byte {
	var b strings.Builder
	b.WriteString("#!/sbin/openrc-run\n")
	b.WriteString("# shellcheck shell=sh disable=SC2034,SC2016 # openrc-run reads the variables; $ stays literal\n")
	b.WriteString("# Written by svc install; the next install or uninstall replaces it.\n\n")
	b.WriteString("name=" + d.Name + "\ndescription=" + d.Description + "\n")
	if d.Supervised {
		b.WriteString("supervisor=supervise-daemon\n")
		b.WriteString("respawn_delay=" + strconv.Itoa(d.RespawnSec) + "\n")
		b.WriteString("respawn_max=" + strconv.Itoa(d.RespawnMax) + "\n")
	} else {
		b.WriteString("command_background=yes\n")
	}
	b.WriteString("pidfile=" + d.PIDFile + "\ncommand=" + d.Command + "\n")
	if d.User != "" {
		b.WriteString("command_user=" + d.User + "\n")
	}
	if d.Hardened {
		b.WriteString(openrcHardening(d.Supervised))
	}
	b.WriteString("\n# openrc-run evals command_args and directory: they name variables that\n")
	b.WriteString("# hold the values, so blanks, quotes and $ reach the service unchanged.\n")
	for _, a := range d.Args {
		b.WriteString(a + "\n")
	}
	b.WriteString("command_args=" + d.ArgRefs + "\nsvc_dir=" + d.Dir + "\n")
	b.WriteString("directory='\"$svc_dir\"'\n\nextra_started_commands=\"reload\"\n\ndepend() {\n")
	for _, dep := range [...]struct{ word, names string }{{"need", d.Need}, {"after", d.After}, {"use", d.Use}} {
		if dep.names != "" {
			b.WriteString("\t" + dep.word + " " + dep.names + "\n")
		}
	}
	b.WriteString("\t:\n}\n")
	b.WriteString("\nstart_pre() {\n")
	for _, e := range d.Env {
		b.WriteString("\texport " + e + "\n")
	}
	for _, dir := range d.Dirs { // systemd's RuntimeDirectory= and LogsDirectory=
		b.WriteString("\t" + dir + " || return\n")
	}
	b.WriteString("}\n")
	b.WriteString("\nreload() {\n\tebegin \"Reloading ${name}\"\n")
	if d.Supervised {
		b.WriteString("\tsupervise-daemon \"${RC_SVCNAME}\" --signal HUP\n")
	} else {
		b.WriteString("\t# --stop with --signal only signals (dpkg's start-stop-daemon, which\n")
		b.WriteString("\t# Debian's OpenRC uses, insists on --stop).\n")
		b.WriteString("\tstart-stop-daemon --stop --signal HUP --pidfile \"${pidfile}\"\n")
	}
	b.WriteString("\teend $?\n}\n")
	return []byte(b.String())
}

// openrcHardening is the confinement OpenRC 0.45 as Debian ships it can
// carry: a umask, and no_new_privs under supervise-daemon. Not
// capabilities= (Debian builds OpenRC without libcap: "Capabilities
// support not enabled") nor no_new_privs= (0.45's supervise-daemon.sh
// passes --no_new_privs, which supervise-daemon refuses), and not
// no_new_privs for start-stop-daemon, which is dpkg's on Debian.
func openrcHardening(supervised bool) string {
	s := "umask=" + HardenedUmask + "\n"
	if supervised {
		s += "supervise_daemon_args=--no-new-privs\n"
	}
	return s
}
