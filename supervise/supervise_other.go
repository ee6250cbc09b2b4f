//go:build !linux

package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Run starts argv[0] with argv in the foreground, forwards INT, TERM and
// HUP to it, and returns the code svc should exit with: PROG's, or 128+N
// if signal N killed it. Readiness (Options.Ready, Timeout) needs Linux:
// it is refused with errors.ErrUnsupported.
func Run(ctx context.Context, argv []string, o Options) (int, error) {
	if len(argv) == 0 {
		return ExitFail, errors.New("supervise: no program to run")
	}
	if o.Ready.Kind != 0 || o.Timeout != 0 {
		return ExitFail, fmt.Errorf("supervise: --ready and --timeout: %w on this system", errors.ErrUnsupported)
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	path, err := resolve(argv[0], o.Env)
	if err != nil {
		return err.(*StartError).Code, err
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	cmd := &exec.Cmd{Path: path, Args: argv, Env: o.Env, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := cmd.Start(); err != nil {
		return execCode(err), &StartError{Prog: argv[0], Code: execCode(err), Err: err}
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	done := ctx.Done()
	for {
		select {
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
		case <-done:
			done = nil
			_ = cmd.Process.Signal(syscall.SIGTERM)
		case <-waited:
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
				return exitCode(ws), nil
			}
			return cmd.ProcessState.ExitCode(), nil
		}
	}
}
