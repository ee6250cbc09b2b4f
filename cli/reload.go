package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/svcdev/svc/classic"
	"github.com/svcdev/svc/install"
)

// defaultReloadTimeout bounds the wait for a daemon's word on its reload.
const defaultReloadTimeout = 30 * time.Second

// lsbNotRunning is the LSB init-script code for "program is not running",
// which reload of a stopped daemon returns.
const lsbNotRunning = 7

func (p *Program) cmdReload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if !classicAsked(args) {
		return p.initCommand(ctx, "reload", args, stdout, stderr)
	}
	timeout := defaultReloadTimeout
	var signal string
	t, code, ok := p.parsePidfile("reload", "reload the classic daemon by its pidfile (SIGHUP)", args, stderr, func(fs *flag.FlagSet) {
		fs.DurationVar(&timeout, "timeout", defaultReloadTimeout, "wait this long for the daemon to say how the reload went")
		if p.Wrap {
			fs.StringVar(&signal, "signal", "", "with --exec: send the wrapped program `SIG` ("+strings.Join(install.ReloadSignals, ", ")+"; default HUP)")
		}
	})
	if !ok {
		return code
	}
	var sig os.Signal = syscall.SIGHUP
	if signal != "" {
		if t.exec == "" {
			fmt.Fprintf(stderr, "%s reload: --signal needs --exec: %s's own daemon reloads on SIGHUP, by contract\n", p.Name, p.Name)
			return exitUsage
		}
		name, err := reloadSignalFlag("--signal", signal)
		if err == nil {
			sig, err = reloadSignal(name)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s reload: %v\n", p.Name, err)
			return exitUsage
		}
	}
	var pid int
	var err error
	if t.exec != "" {
		// A wrapped program knows nothing of the reload report.
		if pid, err = t.exec.Signal(t.pidfile, sig); err == nil {
			fmt.Fprintf(stdout, "reload signalled (pid %d)\n", pid)
			return exitOK
		}
	} else {
		pid, err = classic.Reload(ctx, t.pidfile, timeout)
	}
	switch {
	case errors.Is(err, classic.ErrNotRunning):
		fmt.Fprintf(stderr, "%s reload: not running\n", p.Name)
		return lsbNotRunning
	case errors.Is(err, classic.ErrUnconfirmed):
		fmt.Fprintf(stdout, "reload signalled (pid %d); %v\n", pid, err)
		return exitOK
	case err != nil && pid > 0:
		return p.fail(stderr, "reload", fmt.Errorf("pid %d: %w", pid, err))
	case err != nil:
		return p.fail(stderr, "reload", p.hint(t, err))
	}
	fmt.Fprintf(stdout, "reloaded (pid %d)\n", pid)
	return exitOK
}
