package cli

import (
	"context"
	"errors"
	"io"
)

// initFlags select the installed service that start/stop/... without
// --classic act on.
type initFlags struct {
	name string // service name; "svc" by default
	init string // auto|systemd|sysv|openrc|launchd
	user bool   // the per-user manager (systemctl --user, LaunchAgents)
}

// viaInit runs verb (start, stop, restart, reload, status) through the
// installed init system. status returns LSB exit codes.
func viaInit(_ context.Context, verb string, _ initFlags, _, stderr io.Writer) int {
	return fail(stderr, verb, errors.New("control through the init system: not implemented yet"))
}
