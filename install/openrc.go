package install

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/template"

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
	var b bytes.Buffer
	if err := openrcTemplate.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("install: %s: openrc: %w", s.Name, err)
	}
	return b.Bytes(), nil
}

type openrcData struct {
	Name, Description, Command, Dir, PIDFile, User string
	Supervised                                     bool
	RespawnMax, RespawnSec                         int
	Need, After, Use                               string
	Args                                           []string
	ArgRefs                                        string
	Env                                            []string
}

var openrcTemplate = template.Must(template.New("openrc").Parse(`#!/sbin/openrc-run
# shellcheck shell=sh disable=SC2034,SC2016 # openrc-run reads the variables; $ stays literal
# Written by svc install; the next install or uninstall replaces it.

name={{.Name}}
description={{.Description}}
{{- if .Supervised}}
supervisor=supervise-daemon
respawn_delay={{.RespawnSec}}
respawn_max={{.RespawnMax}}
{{- else}}
command_background=yes
{{- end}}
pidfile={{.PIDFile}}
command={{.Command}}
{{- if .User}}
command_user={{.User}}
{{- end}}

# openrc-run evals command_args and directory: they name variables that
# hold the values, so blanks, quotes and $ reach the service unchanged.
{{range .Args}}{{.}}
{{end -}}
command_args={{.ArgRefs}}
svc_dir={{.Dir}}
directory='"$svc_dir"'

extra_started_commands="reload"

depend() {
{{- if .Need}}
	need {{.Need}}
{{- end}}
{{- if .After}}
	after {{.After}}
{{- end}}
{{- if .Use}}
	use {{.Use}}
{{- end}}
	:
}
{{- if .Env}}

start_pre() {
{{- range .Env}}
	export {{.}}
{{- end}}
}
{{- end}}

reload() {
	ebegin "Reloading ${name}"
{{- if .Supervised}}
	supervise-daemon "${RC_SVCNAME}" --signal HUP
{{- else}}
	# --stop with --signal only signals (dpkg's start-stop-daemon, which
	# Debian's OpenRC uses, insists on --stop).
	start-stop-daemon --stop --signal HUP --pidfile "${pidfile}"
{{- end}}
	eend $?
}
`))
