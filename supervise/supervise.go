package supervise

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/svcdev/svc/ready"
)

// Options say how to supervise. The zero Options run PROG with the
// process's environment, ready as soon as it runs.
type Options struct {
	// Ready is when PROG counts as ready (Kind None: once it runs).
	Ready ready.Spec
	// Timeout bounds the wait for readiness; 0: no bound of svc's own.
	Timeout time.Duration
	// Env is the environment PROG's is made from, and where svc reads
	// NOTIFY_SOCKET, WATCHDOG_* and LISTEN_*; nil: the process's.
	Env []string
	// Raise: if a signal kills PROG, Run does not return but kills its
	// own process with the same signal (unless it is PID 1, which cannot
	// be killed by itself; Linux only). A shell still sees 128+N, and
	// systemd sees the end PROG had: a main process killed by SIGTERM
	// during a stop is a clean stop, where an exit code of 143 would
	// leave the unit failed.
	Raise bool
}

// Exit codes of Run's own failures, as a shell has them.
const (
	ExitFail        = 1   // svc's own failure, or PROG not ready in time
	ExitCannotExec  = 126 // PROG is there but cannot be executed
	ExitNotFound    = 127 // PROG is not there
	exitSignalShift = 128 // 128+N: signal N killed PROG
)

// killAfter is how long a PROG that was not ready in time has between
// SIGTERM and SIGKILL.
const killAfter = 10 * time.Second

// StartError is PROG failing to start; Code is the exit code a shell
// would give (126 or 127).
type StartError struct {
	Prog string
	Code int
	Err  error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("supervise: %s: %v", e.Prog, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// ErrNotReady is wrapped by Run's error when PROG was not ready within
// Options.Timeout.
var ErrNotReady = errors.New("not ready")

// resolve finds PROG as a shell would: a name without a slash in PATH
// (from env), a name with one as it is.
func resolve(prog string, env []string) (string, error) {
	if prog == "" {
		return "", &StartError{Prog: `""`, Code: ExitNotFound, Err: errors.New("empty program name")}
	}
	var path string
	var err error
	if strings.Contains(prog, "/") {
		path, err = exec.LookPath(prog)
	} else {
		path, err = lookPath(prog, getenv(env, "PATH"))
	}
	if err == nil || errors.Is(err, exec.ErrDot) {
		return path, nil
	}
	code := ExitCannotExec
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		code = ExitNotFound
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, exec.ErrNotFound) && !strings.Contains(prog, "/") {
		err = fmt.Errorf("not found in PATH")
	}
	return "", &StartError{Prog: prog, Code: code, Err: err}
}

// lookPath is exec.LookPath over the PATH PROG will get, which is the
// one a shell starting it would search.
func lookPath(prog, pathEnv string) (string, error) {
	old, had := os.LookupEnv("PATH")
	if had && old == pathEnv {
		return exec.LookPath(prog)
	}
	for _, dir := range strings.Split(pathEnv, string(os.PathListSeparator)) {
		if dir == "" {
			dir = "."
		}
		p := dir + string(os.PathSeparator) + prog
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// execCode is the shell's exit code for an exec(2) that failed with err.
func execCode(err error) int {
	if errors.Is(err, syscall.ENOENT) {
		return ExitNotFound
	}
	return ExitCannotExec
}

// exitCode is the code svc exits with for PROG's wait status: its exit
// code, or 128+N when signal N killed it.
func exitCode(ws interface {
	Exited() bool
	ExitStatus() int
	Signaled() bool
	Signal() syscall.Signal
}) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return exitSignalShift + int(ws.Signal())
	}
	return ExitFail
}

// getenv returns the last value of name in env.
func getenv(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v
		}
	}
	return ""
}

// without returns env minus every variable named in names.
func without(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			if k == n {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
