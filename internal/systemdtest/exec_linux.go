package systemdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// insideEnv is the whole environment of a command run inside: nothing of
// the test process's (NOTIFY_SOCKET, GOFLAGS, ...) leaks in.
var insideEnv = []string{"PATH=" + insidePATH, "HOME=/root", "LANG=C.UTF-8", "SYSTEMD_COLORS=0"}

var errNotRunning = errors.New("systemdtest: the instance is not running")

// Command returns a command that runs argv inside the instance: in all its
// namespaces and its root, with working directory "/", the environment
// PATH, HOME=/root, LANG=C.UTF-8, SYSTEMD_COLORS=0 (append to cmd.Env to add
// more), and the instance's reduced capability bounding set. It is not
// part of any unit (prefix `systemd-run --scope --quiet --collect --` for
// that). It is killed when the returned command's process (nsenter) dies.
// Once the instance has stopped, Start returns an error.
func (m *Machine) Command(argv ...string) *exec.Cmd {
	return m.CommandContext(context.Background(), argv...)
}

// CommandContext is Command with a context that kills the command.
func (m *Machine) CommandContext(ctx context.Context, argv ...string) *exec.Cmd {
	args := []string{
		"--target", strconv.Itoa(m.pid),
		"--mount", "--uts", "--ipc", "--net", "--pid", "--cgroup", "--root", "--wdns=/",
		"--",
		"setpriv", "--pdeathsig", "KILL", "--bounding-set", capDrop, "--",
	}
	cmd := exec.CommandContext(ctx, m.host.nsenter, append(args, argv...)...)
	cmd.Env = append([]string(nil), insideEnv...)
	cmd.Dir = "/"
	// nsenter dies with the test process; setpriv --pdeathsig makes the
	// command inside die with nsenter (a context cancel kills nsenter).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second // a daemon started inside may hold our pipes
	if len(argv) == 0 {
		cmd.Err = errors.New("systemdtest: Command: empty argv")
	} else if m.closed.Load() || !m.alive() {
		cmd.Err = errNotRunning
	}
	return cmd
}

// Run runs argv inside the instance (see Command) and returns its standard
// output. If it fails, the error names argv and carries its standard error;
// errors.As finds the *exec.ExitError.
func (m *Machine) Run(ctx context.Context, argv ...string) (string, error) {
	cmd := m.CommandContext(ctx, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := ""
		if stderr.Len() > 0 {
			msg = "\n" + stderr.String()
		}
		return stdout.String(), fmt.Errorf("systemdtest: run %q: %w%s", argv, err, msg)
	}
	return stdout.String(), nil
}
