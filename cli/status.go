package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/svcdev/svc/classic"
)

// lsbUnknown is the LSB status code for "unknown"; status answers a usage
// error with it, since every status exit code has an LSB meaning.
const lsbUnknown = 4

func (p *Program) cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return p.initCommand(ctx, "status", args, stdout, stderr)
	}
	var wait bool
	t, code, ok := p.parsePidfile("status", "report on the classic daemon by its pidfile", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&wait, "wait", false, "first wait, while the daemon runs, for its end (a supervisor's watch)")
	})
	if !ok {
		if code == exitOK { // -h
			return exitOK
		}
		return lsbUnknown
	}
	var info classic.Info
	if wait {
		var err error
		if info, err = t.exec.Wait(ctx, t.pidfile); err != nil && info.Err == nil {
			info.State, info.Err = classic.Unknown, err
		}
	} else {
		info = t.exec.Inspect(t.pidfile)
	}
	switch info.State {
	case classic.Running:
		fmt.Fprintf(stdout, "running (pid %d)\n", info.PID)
	case classic.Stopped:
		fmt.Fprintln(stdout, "stopped")
	case classic.Dead:
		fmt.Fprintf(stdout, "dead, but pidfile %s exists: %v\n", info.Path, info.Err)
	default:
		fmt.Fprintf(stdout, "unknown: %v\n", p.hint(t, info.Err))
	}
	return info.State.LSB()
}
