package cli

import (
	"context"
	"io"
)

func (p *Program) cmdRestart(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return p.initCommand(ctx, "restart", args, stdout, stderr)
	}
	f, code, ok := p.parseStart("restart", args, stderr)
	if !ok {
		return code
	}
	// The daemon re-runs as "start": only the launcher stops the old one.
	if code := p.stopClassic(ctx, "restart", target{f.pidfile, f.exec}, defaultStopTimeout, io.Discard, stderr); code != exitOK {
		return code
	}
	return p.startClassic(ctx, "restart", f, args, stdout, stderr)
}
