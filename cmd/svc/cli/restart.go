package cli

import (
	"context"
	"io"
)

func cmdRestart(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return initCommand(ctx, "restart", args, stdout, stderr)
	}
	f, code, ok := parseStart("restart", args, stderr)
	if !ok {
		return code
	}
	// The daemon re-runs as "start": only the launcher stops the old one.
	if code := stopClassic(ctx, "restart", f.pidfile, defaultStopTimeout, io.Discard, stderr); code != exitOK {
		return code
	}
	return startClassic(ctx, "restart", f, args, stdout, stderr)
}
