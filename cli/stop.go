package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/svcdev/svc/classic"
)

// defaultStopTimeout is how long stop waits after SIGTERM before SIGKILL.
const defaultStopTimeout = 10 * time.Second

func (p *Program) cmdStop(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return p.initCommand(ctx, "stop", args, stdout, stderr)
	}
	timeout := defaultStopTimeout
	t, code, ok := p.parsePidfile("stop", "stop the classic daemon by its pidfile", args, stderr, func(fs *flag.FlagSet) {
		fs.DurationVar(&timeout, "timeout", defaultStopTimeout, "wait this long after SIGTERM, then SIGKILL")
	})
	if !ok {
		return code
	}
	return p.stopClassic(ctx, "stop", t, timeout, stdout, stderr)
}

// stopClassic stops the daemon holding pidfile; stopping a stopped one
// succeeds.
func (p *Program) stopClassic(ctx context.Context, name string, t target, timeout time.Duration, stdout, stderr io.Writer) int {
	info, err := t.exec.Stop(ctx, t.pidfile, timeout)
	switch {
	case err != nil:
		return p.fail(stderr, name, p.hint(t, err))
	case info.State != classic.Running:
		fmt.Fprintln(stdout, "not running")
	default:
		fmt.Fprintf(stdout, "stopped (pid %d)\n", info.PID)
	}
	return exitOK
}
