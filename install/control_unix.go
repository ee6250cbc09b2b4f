//go:build unix

package install

import (
	"context"
	"errors"
	"io"
	"os/exec"
)

// Run runs c's Before commands (their failures are ignored where MayFail),
// then c.Argv with the given stdout and stderr (for a systemd unit, the
// manager's D-Bus API instead when a bus is reachable), and returns its
// exit code.
// err is set only when a command could not be run at all, or a Before
// command that may not fail did.
func (c Control) Run(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	for _, b := range c.Before {
		out, err := runCommand(ctx, b.Argv, nil)
		if err != nil && !b.MayFail {
			return 1, &CommandError{Command: b, Err: err, Output: trimOutput(out)}
		}
	}
	if c.Unit != "" {
		if code, ok := c.viaDBus(ctx, stdout, stderr); ok {
			return code, nil
		}
	}
	cmd := exec.CommandContext(ctx, resolve(c.Argv[0]), c.Argv[1:]...)
	cmd.Args[0] = c.Argv[0]
	cmd.Env = commandEnv()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		if code := ee.ExitCode(); code >= 0 {
			return code, nil
		}
		return 1, nil // killed by a signal
	}
	return 1, &CommandError{Command: Command{Argv: c.Argv}, Err: err}
}
