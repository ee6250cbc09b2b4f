package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/svcdev/svc/classic"
)

// defaultStopTimeout is how long stop waits after SIGTERM before SIGKILL.
const defaultStopTimeout = 10 * time.Second

func cmdStop(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return initCommand(ctx, "stop", args, stdout, stderr)
	}
	var f struct {
		classic bool
		pidfile string
		timeout time.Duration
	}
	fs := newFlags("stop", stderr)
	fs.BoolVar(&f.classic, "classic", false, "stop the classic daemon by its pidfile")
	fs.StringVar(&f.pidfile, "pidfile", "", "the daemon's pidfile `P` (required)")
	fs.DurationVar(&f.timeout, "timeout", defaultStopTimeout, "wait this long after SIGTERM, then SIGKILL")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if f.pidfile == "" {
		fmt.Fprintln(stderr, "svc stop: --classic needs --pidfile")
		return exitUsage
	}
	return stopClassic(ctx, "stop", f.pidfile, f.timeout, stdout, stderr)
}

// stopClassic stops the daemon holding pidfile; stopping a stopped one
// succeeds.
func stopClassic(ctx context.Context, name, pidfile string, timeout time.Duration, stdout, stderr io.Writer) int {
	info, err := classic.Stop(ctx, pidfile, timeout)
	switch {
	case err != nil:
		return fail(stderr, name, err)
	case info.State != classic.Running:
		fmt.Fprintln(stdout, "not running")
	default:
		fmt.Fprintf(stdout, "stopped (pid %d)\n", info.PID)
	}
	return exitOK
}
