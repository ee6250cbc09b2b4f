package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/svcdev/svc/install"
)

// Contract is the first line `BINARY help contract` prints on stdout of
// every binary that speaks the init contract: the command lines the
// units, scripts and plists of package install run (docs/contract.md):
//
//	BINARY run [--log FILE] ARGS
//	    systemd ExecStart= (Type=notify: READY=1 once serving; SIGHUP
//	    reloads), OpenRC command, launchd ProgramArguments
//	BINARY start --classic --pidfile P [--user U] [--group G] --chdir DIR [--log FILE] ARGS
//	    the LSB script's start: returns 0 once the daemon is ready
//	BINARY stop --classic --pidfile P [--timeout D]
//	BINARY status --classic --pidfile P      exit 0 running, 1 dead, 3 stopped, 4 unknown
//	BINARY reload --classic --pidfile P      SIGHUP
//
// ARGS are the program's own flags, given to install after "--".
// `PROG install --binary B` runs `B help contract` and refuses a B whose
// first line is not Contract.
const Contract = "svc init contract v1"

// contractHelp follows Contract in `PROG help contract`.
const contractHelp = `The installed services run this binary as:
  %[1]s run [--log FILE] ARGS
      systemd ExecStart= (Type=notify: READY=1 once serving; SIGHUP reloads),
      OpenRC command, launchd ProgramArguments
  %[1]s start --classic --pidfile P [--user U] [--group G] --chdir DIR [--log FILE] ARGS
      the LSB script's start: exit 0 once the daemon is ready
  %[1]s stop --classic --pidfile P [--timeout D]
  %[1]s status --classic --pidfile P     exit 0 running, 1 dead, 3 stopped, 4 unknown
  %[1]s reload --classic --pidfile P     SIGHUP
ARGS are the program's own flags, given to install after "--".
`

// contractTimeout bounds the probe of a --binary.
const contractTimeout = 5 * time.Second

// reserved reports the flag names of run and start --classic, which a
// program's own flags must not reuse.
func reserved() map[string]bool {
	names := map[string]bool{}
	collect := func(f *flag.Flag) { names[f.Name] = true }
	var p Program
	p.runFlagSet(new(runFlags), io.Discard).VisitAll(collect)
	p.startFlagSet("start", new(startFlags), io.Discard).VisitAll(collect)
	return names
}

// checkBinary refuses a --binary that does not speak the contract: the
// unit or script would run it with flags it does not know. This very
// binary speaks it, and its own flags check args; any other is asked
// (`B help contract`), as found under --root if staged there.
func (p *Program) checkBinary(ctx context.Context, f installFlags, spec install.Spec, stderr io.Writer) error {
	bin := spec.Binary
	if f.root != "" {
		if staged := filepath.Join(f.root, bin); exists(staged) {
			bin = staged
		}
	}
	if self, err := os.Executable(); f.binary == "" || (err == nil && sameFile(self, bin)) {
		return p.checkArgs(spec.Args, stderr)
	}
	err := probeContract(ctx, bin)
	if err == nil {
		return nil
	}
	return fmt.Errorf("--binary %s: %w; it does not speak the init contract the unit and scripts rely on (`%s help contract`): wrap it instead, with svc install --exec %s -- ARGS",
		spec.Binary, err, p.Name, spec.Binary)
}

// checkArgs refuses service arguments the program would refuse at every
// start: they go to `PROG run` (systemd, OpenRC, launchd) and to `PROG
// start --classic` (the LSB script), so both must take them: the
// program's own flags, and --log.
func (p *Program) checkArgs(args []string, stderr io.Writer) error {
	for _, fs := range []*flag.FlagSet{
		p.runFlagSet(new(runFlags), stderr),
		p.startFlagSet("start", new(startFlags), stderr),
	} {
		p.addFlags(fs)
		fs.Usage = func() {}
		fs.SetOutput(io.Discard)
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("service arguments %q: %w (%s)", args, err, fs.Name())
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("service arguments %q: %q is not a flag (%s)", args, fs.Arg(0), fs.Name())
		}
	}
	return nil
}

// probeContract runs `bin help contract` and wants Contract as the first
// line of its stdout.
func probeContract(ctx context.Context, bin string) error {
	ctx, cancel := context.WithTimeout(ctx, contractTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "help", "contract")
	cmd.Stdout = &limitWriter{w: &out, n: 4096}
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`help contract`: %w", err)
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	if line != Contract {
		return fmt.Errorf("`help contract` answered %q, not %q", firstBytes(line, 60), Contract)
	}
	return nil
}

func (p *Program) helpContract(w io.Writer) {
	fmt.Fprintln(w, Contract)
	fmt.Fprintf(w, contractHelp, p.Name)
}

// needsRoot refuses a system-scope change of the host by a non-root
// user before anything is written: the permission error would name a
// temporary file instead of the cause.
func needsRoot(root string, dryRun bool, scope install.Scope) error {
	if root != "" || dryRun || scope != install.System || os.Geteuid() <= 0 {
		return nil // os.Geteuid is -1 on Windows, which has its own checks
	}
	return errors.New("a system service needs root (sudo), or pass --user for your own service manager")
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

func firstBytes(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// limitWriter keeps the first n bytes and discards the rest, so a binary
// that floods stdout cannot exhaust memory.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(b []byte) (int, error) {
	if l.n > 0 {
		k := min(len(b), l.n)
		l.w.Write(b[:k])
		l.n -= k
	}
	return len(b), nil
}
