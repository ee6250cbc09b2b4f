// Package cli gives a Go service the whole svc command in its own name:
// run, start, stop, restart, reload, status (classic or through the
// installed init system), install and uninstall of the program's own
// binary, detect, version and help. A Program is a name, a description,
// the run function of package svc, an optional reload hook and the
// program's own flags; Main is the command. The svc binary is one such
// Program (cmd/svc).
//
// The flags the installed units, scripts and plists pass to the binary
// are a contract (docs/contract.md); every Program speaks it, and
// `PROG install --binary B` refuses a B that does not (see Contract).
//
// Main logs the service's slog and log records where the mode wants
// them: natively to the journal under systemd, to --log FILE (reopened on
// reload) in classic mode, to stderr on a terminal.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/svcdev/svc"
	"github.com/svcdev/svc/classic"
	"github.com/svcdev/svc/classic/pidfile"
	"github.com/svcdev/svc/install"
)

// Exit codes shared by the subcommands; status uses the LSB codes instead.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// Program is a service program and its command line. Name and Run are
// required.
type Program struct {
	// Name is the command's name in every message and usage line, and the
	// default service name of install, start, stop and the rest.
	Name string
	// Description is one line: help's first line and the installed
	// service's description.
	Description string
	// Version is what `PROG version` prints; empty: the module version.
	Version string
	// Run is the service: it returns when ctx ends (SIGTERM, SIGINT) and
	// calls n.Ready() once it serves. See svc.Run.
	Run func(ctx context.Context, n *svc.Notifier) error
	// Reload, if set, runs on SIGHUP (`PROG reload`, systemctl reload),
	// after the --log file is reopened. Its error is reported as STATUS=
	// (and makes `PROG reload --classic` fail with it); the service keeps
	// running.
	Reload func(ctx context.Context) error
	// Flags are the program's own flags, accepted by run, start --classic
	// and restart --classic, and carried by install (`PROG install --
	// --addr :7007`) into the unit, script or plist. The program takes
	// flags only, no other arguments. flag.CommandLine works; do not
	// Parse it yourself. Names the contract uses (see Contract) are
	// refused.
	Flags *flag.FlagSet
	// Wrap lets the command also serve programs that know nothing of
	// svc: `start --classic ... -- PROG ARGS` daemonizes PROG (stop,
	// status and reload take --exec PROG), `run -- PROG ARGS` supervises
	// it in the foreground, and `install --exec PROG` installs it, each
	// with --ready SPEC (package ready). The svc command sets it; a
	// service of its own usually does not.
	Wrap bool
}

// Execute runs p.Main with the process's arguments and stdio, and exits
// with its code.
func (p *Program) Execute() {
	os.Exit(p.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type command struct {
	summary string
	run     func(p *Program, ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"run":       {"run the service in the foreground (mode detected)", (*Program).cmdRun},
		"start":     {"start the service (--classic: daemonize with a pidfile)", (*Program).cmdStart},
		"stop":      {"stop the service", (*Program).cmdStop},
		"status":    {"report status with LSB exit codes", (*Program).cmdStatus},
		"restart":   {"stop, then start", (*Program).cmdRestart},
		"reload":    {"reload (SIGHUP)", (*Program).cmdReload},
		"install":   {"install this program as a service of the init system", (*Program).cmdInstall},
		"uninstall": {"remove what install made", (*Program).cmdUninstall},
		"detect":    {"print the mode run would choose", (*Program).cmdDetect},
		"version":   {"print the version", (*Program).cmdVersion},
		"help":      {"print this help; help COMMAND: its flags; help contract: what installed services run", (*Program).cmdHelp},
	}
}

// Main runs the command with args (without the program name) and returns
// the process exit code.
func (p *Program) Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if err := p.check(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		return exitUsage
	}
	if len(args) == 0 {
		p.usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "--help", "-help":
		name = "help"
	case "--version", "-version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q\n", p.Name, args[0])
		p.usage(stderr)
		return exitUsage
	}
	return c.run(p, ctx, args[1:], stdout, stderr)
}

// check refuses a Program Main cannot serve: the mistakes are the
// program author's, so they are reported before any command runs.
func (p *Program) check() error {
	if err := install.CheckName(p.Name); err != nil {
		return fmt.Errorf("cli.Program.Name: %w", err)
	}
	if p.Run == nil {
		return errors.New("cli.Program.Run is nil")
	}
	var taken []string
	contract := reserved()
	p.visitFlags(func(f *flag.Flag) {
		if contract[f.Name] {
			taken = append(taken, "-"+f.Name)
		}
	})
	if len(taken) > 0 {
		return fmt.Errorf("cli.Program.Flags defines %s, which the init contract uses (docs/contract.md): rename it", strings.Join(taken, ", "))
	}
	return nil
}

// visitFlags calls fn for each of the program's own flags.
func (p *Program) visitFlags(fn func(*flag.Flag)) {
	if p.Flags != nil {
		p.Flags.VisitAll(fn)
	}
}

// hasFlag reports whether name is one of the program's own flags.
func (p *Program) hasFlag(name string) bool {
	return p.Flags != nil && p.Flags.Lookup(name) != nil
}

// addFlags adds the program's own flags to fs: the same flag.Values, so
// parsing fs sets the program's variables.
func (p *Program) addFlags(fs *flag.FlagSet) {
	p.visitFlags(func(f *flag.Flag) {
		fs.Var(f.Value, f.Name, f.Usage)
		fs.Lookup(f.Name).DefValue = f.DefValue
	})
}

func (p *Program) usage(w io.Writer) {
	if p.Description != "" {
		fmt.Fprintf(w, "%s: %s\n", p.Name, p.Description)
	}
	fmt.Fprintf(w, "usage: %s COMMAND [FLAGS]\n", p.Name)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "Run '%s help COMMAND' for a command's flags.\n", p.Name)
}

// newFlags returns a FlagSet named "PROG CMD" that reports errors instead
// of exiting.
func (p *Program) newFlags(cmd string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(p.Name+" "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and turns flag errors into the usage exit code.
// ok is false when the caller must return code.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if code, ok := parseArgs(fs, args); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

// parseArgs is parse for a command that takes arguments after its flags.
func parseArgs(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// target is the classic daemon stop, status and reload act on: its
// pidfile and, for a wrapped program, the program it runs.
type target struct {
	pidfile string
	exec    classic.Exec
}

// parsePidfile parses the flags of `PROG CMD --classic --pidfile P` (stop,
// status, reload): --classic described by what, --pidfile, --exec for a
// Program that wraps others, and those more adds. ok is false when the
// caller must return code: exitOK after -h, exitUsage on a usage error or
// a missing --pidfile.
func (p *Program) parsePidfile(cmd, what string, args []string, stderr io.Writer, more func(*flag.FlagSet)) (t target, code int, ok bool) {
	var classicFlag bool
	var exec string
	fs := p.newFlags(cmd, stderr)
	fs.BoolVar(&classicFlag, "classic", false, what)
	fs.StringVar(&t.pidfile, "pidfile", "", "the daemon's pidfile `P` (required)")
	if p.Wrap {
		fs.StringVar(&exec, "exec", "", "the daemon is the wrapped program `PROG` (as started with -- PROG), not "+p.Name)
	}
	if more != nil {
		more(fs)
	}
	if code, ok := parse(fs, args); !ok {
		return t, code, false
	}
	if t.pidfile == "" {
		fmt.Fprintf(stderr, "%s %s: --classic needs --pidfile\n", p.Name, cmd)
		return t, exitUsage, false
	}
	if exec != "" {
		var err error
		if t.exec, err = classic.ResolveExec(exec); err != nil {
			fmt.Fprintf(stderr, "%s %s: --exec: %v\n", p.Name, cmd, err)
			return t, exitUsage, false
		}
	}
	return t, 0, true
}

// hint adds to a proof that failed on the daemon's program what a
// wrapping command's operator may have forgotten.
func (p *Program) hint(t target, err error) error {
	var other *pidfile.OtherProgramError
	if p.Wrap && t.exec == "" && errors.As(err, &other) {
		return fmt.Errorf("%w (if %s wrapped that program, name it: --exec PROG)", err, p.Name)
	}
	return err
}

// fail prints err as "PROG CMD: err" and returns exitFail. The prefix
// package install puts on its errors goes from install's and uninstall's,
// where it only repeats the command ("svc install: install: ...").
// Package classic's stays: classic/prestart's C launcher prints the same
// text, byte for byte (TestSameAsGo).
func (p *Program) fail(stderr io.Writer, cmd string, err error) int {
	msg := strings.TrimPrefix(err.Error(), "svc: ")
	if cmd == "install" || cmd == "uninstall" {
		msg = strings.TrimPrefix(msg, "install: ")
	}
	fmt.Fprintf(stderr, "%s %s: %s\n", p.Name, cmd, msg)
	return exitFail
}
