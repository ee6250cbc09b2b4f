package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/svcdev/svc/install"
	"github.com/svcdev/svc/ready"
)

// wrapFlags are install's flags for a program that knows nothing of svc
// (Program.Wrap): `install --exec PROG [--ready SPEC] [--runner PATH] --
// ARGS`, ARGS being PROG's own.
//
// The runner is the svc binary the unit or script runs PROG through
// (`svc run --ready`, `svc start --classic`). It has a name of its own,
// not --binary's, because --binary is the service's program itself, which
// must speak the contract: a wrapped program's runner is an svc tool, not
// the service.
type wrapFlags struct {
	exec, ready, runner string
	reload              string // --reload-signal, then its install.ReloadSignals word
}

func (w *wrapFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&w.exec, "exec", "", "wrap `PROG`, a program that knows nothing of svc (a name without '/' is looked up in PATH); its arguments go after --")
	fs.StringVar(&w.ready, "ready", "", "with --exec: when PROG is started: notify|tcp:HOST:PORT|http:URL|file:PATH|exec:CMD (default: once it runs)")
	fs.StringVar(&w.reload, "reload-signal", "", "with --exec: reload sends PROG `SIG` ("+strings.Join(install.ReloadSignals, ", ")+"); without it the service has no reload, as most programs die of a signal they do not handle")
	fs.StringVar(&w.runner, "runner", "", "with --exec: the svc `PATH` the unit or script runs PROG through (default: this binary, unless it lives in a temporary directory)")
}

// check refuses combinations that cannot mean anything, as usage errors.
func (w *wrapFlags) check(binary string) error {
	switch {
	case w.exec != "" && binary != "":
		return errors.New("--exec and --binary exclude each other: --binary installs a program that speaks svc's contract, --exec wraps one that does not")
	case w.exec == "" && w.ready != "":
		return errors.New("--ready needs --exec: a program on svc says READY=1 itself")
	case w.exec == "" && w.runner != "":
		return errors.New("--runner needs --exec: it is what runs the wrapped program")
	case w.exec == "" && w.reload != "":
		return errors.New("--reload-signal needs --exec: a program on svc reloads on SIGHUP, by contract")
	case w.reload != "":
		sig, err := reloadSignalFlag("--reload-signal", w.reload)
		if err != nil {
			return err
		}
		w.reload = sig
	}
	return nil
}

// reloadSignalFlag returns the install.ReloadSignals word of flag's value
// v, or an error naming the flag and the signals it takes.
func reloadSignalFlag(flag, v string) (string, error) {
	sig, err := install.ParseReloadSignal(v)
	if err != nil {
		return "", fmt.Errorf("%s %q: not a reload signal: want one of %s (a signal the program handles as reload; others stop or kill it)",
			flag, v, strings.Join(install.ReloadSignals, ", "))
	}
	return sig, nil
}

// wrap sets s up to wrap --exec's program. The runner is left empty when
// this binary would vanish (a go-build or other temporary directory) and
// --runner names none: a target that needs one then refuses, and
// explainRunner says why.
func (w *wrapFlags) wrap(s *install.Spec, root string) error {
	prog, err := resolveProgram(w.exec, root)
	if err != nil {
		return err
	}
	r, err := ready.Parse(w.ready)
	if err != nil {
		return err
	}
	s.Exec, s.Ready, s.ReloadSignal, s.Binary = prog, r, w.reload, ""
	if w.runner != "" {
		if !filepath.IsAbs(w.runner) {
			return fmt.Errorf("--runner %q: not an absolute path", w.runner)
		}
		s.Binary = filepath.Clean(w.runner)
		return nil
	}
	self, err := selfPath()
	if err != nil {
		return fmt.Errorf("%w (pass --runner)", err)
	}
	if ephemeral(self) == "" {
		s.Binary = self
	}
	return nil
}

// explainRunner adds to a target's ErrNoRunner why this binary is not
// the runner.
func (w *wrapFlags) explainRunner(err error) error {
	if !errors.Is(err, install.ErrNoRunner) || w.runner != "" {
		return err
	}
	self, serr := selfPath()
	if serr != nil {
		return err
	}
	return fmt.Errorf("%w; this svc is %s, in %s, which will not last: pass --runner PATH, an svc installed for good (such as /usr/local/bin/svc)", err, self, ephemeral(self))
}

// checkRunner refuses a --runner that does not speak the contract (the
// scripts run its start, stop, status and reload --classic); this very
// binary does.
func (w *wrapFlags) checkRunner(ctx context.Context, s install.Spec, root string) error {
	if w.runner == "" {
		return nil
	}
	bin := s.Binary
	if staged := filepath.Join(root, bin); root != "" && exists(staged) {
		bin = staged
	}
	if self, err := os.Executable(); err == nil && sameFile(self, bin) {
		return nil
	}
	if err := probeContract(ctx, bin); err != nil {
		return fmt.Errorf("--runner %s: %w; it must be svc, which runs the wrapped program", s.Binary, err)
	}
	return nil
}

func selfPath() (string, error) {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return "", fmt.Errorf("finding this binary: %w", err)
	}
	return exe, nil
}

// ephemeral returns the temporary directory p lives in (go run's and go
// test's go-build directories, the temporary directory, /tmp, /dev/shm),
// or "" for a path that lasts. A unit or script pointing there fails
// once it is cleaned up, or at the next boot.
func ephemeral(p string) string {
	for dir := filepath.Dir(p); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if strings.HasPrefix(filepath.Base(dir), "go-build") {
			return dir
		}
	}
	for _, tmp := range []string{os.TempDir(), "/tmp", "/var/tmp", "/dev/shm"} {
		if real, err := filepath.EvalSymlinks(tmp); err == nil {
			tmp = real
		}
		if strings.HasPrefix(p, strings.TrimSuffix(tmp, "/")+"/") {
			return tmp
		}
	}
	return ""
}

// resolveProgram makes --exec's PROG absolute: a name without '/' from
// PATH, a relative path from the working directory; it must be an
// executable regular file (under root, if staged there). Symbolic links
// are kept, so /usr/bin/python3 follows the distribution's upgrades.
func resolveProgram(prog, root string) (string, error) {
	if prog == "" {
		return "", errors.New("--exec: empty")
	}
	if strings.ContainsAny(prog, "\x00\n\r") {
		return "", fmt.Errorf("--exec %q: contains a NUL byte or a line break", prog)
	}
	if !strings.Contains(prog, "/") {
		found, err := exec.LookPath(prog)
		if err != nil {
			return "", fmt.Errorf("--exec %s: not found in PATH (give its absolute path)", prog)
		}
		prog = found
	}
	abs, err := filepath.Abs(prog)
	if err != nil {
		return "", fmt.Errorf("--exec %s: %w", prog, err)
	}
	check := abs
	if staged := filepath.Join(root, abs); root != "" && exists(staged) {
		check = staged
	}
	fi, err := os.Stat(check)
	switch {
	case err != nil:
		return "", fmt.Errorf("--exec %s: %w", abs, err)
	case fi.IsDir():
		return "", fmt.Errorf("--exec %s: is a directory", abs)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("--exec %s: not a regular file", abs)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("--exec %s: %w: not executable (mode %v)", abs, fs.ErrPermission, fi.Mode().Perm())
	}
	return abs, nil
}

// wrappedName is the default service name of --exec PROG: PROG's file
// name, if it can be one.
func wrappedName(prog string) (string, error) {
	name := filepath.Base(prog)
	if err := install.CheckName(name); err != nil {
		return "", fmt.Errorf("--exec %s: its file name cannot name the service (%w): pass --name", prog, err)
	}
	return name, nil
}
