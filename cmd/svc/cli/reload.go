package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/svcdev/svc/classic"
)

// lsbNotRunning is the LSB init-script code for "program is not running",
// which reload of a stopped daemon returns.
const lsbNotRunning = 7

func cmdReload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return initCommand(ctx, "reload", args, stdout, stderr)
	}
	var f struct {
		classic bool
		pidfile string
	}
	fs := newFlags("reload", stderr)
	fs.BoolVar(&f.classic, "classic", false, "reload the classic daemon by its pidfile (SIGHUP)")
	fs.StringVar(&f.pidfile, "pidfile", "", "the daemon's pidfile `P` (required)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if f.pidfile == "" {
		fmt.Fprintln(stderr, "svc reload: --classic needs --pidfile")
		return exitUsage
	}
	pid, err := classic.Signal(f.pidfile, syscall.SIGHUP)
	switch {
	case errors.Is(err, classic.ErrNotRunning):
		fmt.Fprintln(stderr, "svc reload: not running")
		return lsbNotRunning
	case err != nil:
		return fail(stderr, "reload", err)
	}
	fmt.Fprintf(stdout, "reloaded (pid %d)\n", pid)
	return exitOK
}
