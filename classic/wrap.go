package classic

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/svcdev/svc/classic/pidfile"
)

// ResolveExec turns the program an operator named into the Exec a
// wrapped daemon runs: a name without a slash is looked up in PATH, the
// path made absolute and its symbolic links resolved (what /proc shows as
// the daemon's program), and it must be an executable regular file.
func ResolveExec(prog string) (Exec, error) {
	if prog == "" {
		return "", errors.New("no program given")
	}
	path := prog
	if !strings.Contains(prog, "/") {
		p, err := exec.LookPath(prog)
		if err != nil {
			return "", fmt.Errorf("program %q: not found in PATH", prog)
		}
		path = p
	}
	abs, err := filepath.Abs(path)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", fmt.Errorf("program %q: %w", prog, unwrapPath(err))
	}
	fi, err := os.Stat(abs)
	switch {
	case err != nil:
		return "", fmt.Errorf("program %q: %w", prog, unwrapPath(err))
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("program %q: %s is not a regular file", prog, abs)
	case fi.Mode()&0o111 == 0:
		return "", fmt.Errorf("program %q: %s is not executable", prog, abs)
	}
	return Exec(abs), nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// wrappedEnv is the environment of a wrapped program: ours, without what
// the init system meant for whoever ran the launcher (readiness, the
// watchdog, socket activation, the journal stream its stderr no longer
// is), and with NOTIFY_SOCKET naming the launcher's socket when it is to
// say READY=1 itself.
func wrappedEnv(env []string, notify string) []string {
	drop := map[string]bool{
		"NOTIFY_SOCKET": true, "WATCHDOG_USEC": true, "WATCHDOG_PID": true,
		"LISTEN_FDS": true, "LISTEN_PID": true, "LISTEN_FDNAMES": true, "JOURNAL_STREAM": true,
	}
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	if notify != "" {
		out = append(out, "NOTIFY_SOCKET="+notify)
	}
	return out
}

// proof is the executable the pidfile's holder must run (pidfile.Inspect):
// e itself, this program for "", and any for a script (it starts "#!"),
// which the kernel runs as its interpreter — or, a shim, which may exec
// yet another program; for those the lock and the pid prove the daemon.
func (e Exec) proof() string {
	if e == "" {
		return ""
	}
	f, err := os.Open(string(e))
	if err != nil {
		return string(e)
	}
	defer f.Close()
	var magic [2]byte
	if n, _ := f.Read(magic[:]); n == 2 && string(magic[:]) == "#!" {
		return pidfile.AnyExe
	}
	return string(e)
}
