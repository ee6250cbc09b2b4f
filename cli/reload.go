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

func (p *Program) cmdReload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return p.initCommand(ctx, "reload", args, stdout, stderr)
	}
	pidfile, code, ok := p.parsePidfile("reload", "reload the classic daemon by its pidfile (SIGHUP)", args, stderr, nil)
	if !ok {
		return code
	}
	pid, err := classic.Signal(pidfile, syscall.SIGHUP)
	switch {
	case errors.Is(err, classic.ErrNotRunning):
		fmt.Fprintf(stderr, "%s reload: not running\n", p.Name)
		return lsbNotRunning
	case err != nil:
		return p.fail(stderr, "reload", err)
	}
	fmt.Fprintf(stdout, "reloaded (pid %d)\n", pid)
	return exitOK
}
