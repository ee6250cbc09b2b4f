package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/svcdev/svc/install"
)

// initFlags select the installed service that start/stop/... without
// --classic act on.
type initFlags struct {
	name string // service name; "svc" by default
	init string // auto|systemd|sysv|openrc|launchd
	user bool   // the per-user manager (systemctl --user, LaunchAgents)
}

// lsbNotInstalled is the LSB init-script code for "program is not
// installed".
const lsbNotInstalled = 5

// viaInit runs verb (start, stop, restart, reload, status) through the
// installed init system. status returns LSB exit codes.
func viaInit(ctx context.Context, verb string, f initFlags, stdout, stderr io.Writer) int {
	v, err := install.ParseVerb(verb)
	if err != nil {
		return fail(stderr, verb, err)
	}
	spec := install.Spec{Name: f.name}
	if f.user {
		spec.Scope = install.User
	}
	failed := func(err error) int {
		fail(stderr, verb, err)
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
		fmt.Fprintf(stderr, "svc %s: %s: not installed (svc install first, or pass --init)\n", verb, spec.Name)
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
