package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/svcdev/svc/install"
)

// initFlags select the installed service that start/stop/... without
// --classic act on.
type initFlags struct {
	name string // service name; the program's name by default
	init string // auto|systemd|sysv|openrc|launchd
	user bool   // the per-user manager (systemctl --user, LaunchAgents)
}

// lsbNotInstalled is the LSB init-script code for "program is not
// installed".
const lsbNotInstalled = 5

// initCommand is verb without --classic: through the installed init system.
func (p *Program) initCommand(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) int {
	var f initFlags
	var classicFlag bool
	fs := p.newFlags(verb, stderr)
	fs.BoolVar(&classicFlag, "classic", false, "act on a classic daemon by its pidfile (see --classic -h)")
	fs.StringVar(&f.name, "name", p.Name, "the installed service's `NAME`")
	fs.StringVar(&f.init, "init", "auto", "auto|systemd|sysv|openrc|launchd")
	fs.BoolVar(&f.user, "user", false, "the per-user service manager")
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		err = errors.New("usage")
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		p.classicHint(verb, err, stderr)
		if verb == "status" {
			return lsbUnknown
		}
		return exitUsage
	}
	return p.viaInit(ctx, verb, f, stdout, stderr)
}

// classicHint follows a flag error of the init form that names a flag
// only the --classic form knows ("start --pidfile X") with the way to
// say it.
func (p *Program) classicHint(verb string, err error, stderr io.Writer) {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return
	}
	name = strings.TrimPrefix(name, "-")
	var known bool
	if verb == "start" || verb == "restart" {
		known = p.startFlagSet(verb, new(startFlags), io.Discard).Lookup(name) != nil || p.hasFlag(name)
	} else {
		known = name == "pidfile" || (verb == "stop" && name == "timeout")
	}
	if known {
		fmt.Fprintf(stderr, "%s %s: --%s belongs to the classic form: %s %s --classic --pidfile P ...\n", p.Name, verb, name, p.Name, verb)
	}
}

// viaInit runs verb (start, stop, restart, reload, status) through the
// installed init system. status returns LSB exit codes.
func (p *Program) viaInit(ctx context.Context, verb string, f initFlags, stdout, stderr io.Writer) int {
	v, err := install.ParseVerb(verb)
	if err != nil {
		return p.fail(stderr, verb, err)
	}
	spec := install.Spec{Name: f.name}
	if f.user {
		spec.Scope = install.User
	}
	failed := func(err error) int {
		p.fail(stderr, verb, err)
		if v == install.Status {
			return install.StatusUnknown
		}
		return exitFail
	}
	if err := install.CheckName(spec.Name); err != nil {
		return failed(err)
	}
	if runtime.GOOS == "windows" {
		st, err := install.WindowsControl(spec, v)
		if err != nil {
			return failed(err)
		}
		return report(v, spec.Name, st, stdout)
	}
	t, err := installedTarget(install.FromHost(""), spec, f.init)
	if errors.Is(err, errNotInstalled) {
		if v == install.Status {
			return report(v, spec.Name, install.State{Code: install.StatusUnknown, Word: "not-installed"}, stdout)
		}
		fmt.Fprintf(stderr, "%s %s: %s: not installed (%s install first, or pass --init)\n", p.Name, verb, spec.Name, p.Name)
		return lsbNotInstalled
	}
	if err != nil {
		return failed(err)
	}
	ctl, err := t.Control(spec, v)
	if err != nil {
		return failed(err)
	}
	if v != install.Status {
		code, err := ctl.Run(ctx, stdout, stderr)
		if err != nil {
			return failed(err)
		}
		return code
	}
	var out bytes.Buffer
	code, err := ctl.Run(ctx, &out, stderr)
	if err != nil {
		return failed(err)
	}
	return report(v, spec.Name, ctl.State(code, out.Bytes()), stdout)
}

// report prints a status answer and returns its LSB code.
func report(v install.Verb, name string, st install.State, stdout io.Writer) int {
	if v == install.Status {
		fmt.Fprintf(stdout, "%s: %s\n", name, st)
	}
	return st.Code
}

// explainInit adds the init-system evidence to `svc detect --explain`.
func explainInit(w io.Writer) {
	fmt.Fprint(w, install.DetectInit("/", runtime.GOOS).Explain())
}
