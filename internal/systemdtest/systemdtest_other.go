//go:build !linux

package systemdtest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"testing"
)

var errUnsupported = fmt.Errorf("systemdtest: a real systemd needs Linux: %w", errors.ErrUnsupported)

// Machine is one running instance; there is none on this OS.
type Machine struct{}

// Boot skips tb: a real systemd needs Linux.
func Boot(tb testing.TB, opts ...Option) *Machine {
	tb.Helper()
	tb.Skip(errUnsupported)
	return nil
}

func (m *Machine) PID() int     { return 0 }
func (m *Machine) Close() error { return errUnsupported }
func (m *Machine) Command(argv ...string) *exec.Cmd {
	return m.CommandContext(context.Background(), argv...)
}
func (m *Machine) Run(context.Context, ...string) (string, error) { return "", errUnsupported }
func (m *Machine) ReadFile(string) ([]byte, error)                { return nil, errUnsupported }
func (m *Machine) WriteFile(string, []byte, fs.FileMode) error    { return errUnsupported }

func (m *Machine) CommandContext(ctx context.Context, argv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "false")
	cmd.Err = errUnsupported
	return cmd
}
