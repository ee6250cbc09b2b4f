// Package cli is the svc command: one file per subcommand, each parsing its
// flags into a local struct. Main is the whole program; main only wires
// stdio to it, so tests drive it in-process or through the built binary.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Exit codes shared by the subcommands; status uses the LSB codes instead.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"run":       {"run the service in the foreground (mode detected)", cmdRun},
		"start":     {"start the service (--classic: daemonize with a pidfile)", cmdStart},
		"stop":      {"stop the service", cmdStop},
		"status":    {"report status with LSB exit codes", cmdStatus},
		"restart":   {"stop, then start", cmdRestart},
		"reload":    {"reload (SIGHUP)", cmdReload},
		"install":   {"install the service for an init system", cmdInstall},
		"uninstall": {"remove what install made", cmdUninstall},
		"detect":    {"print the mode svc run would choose", cmdDetect},
		"version":   {"print the version", cmdVersion},
		"help":      {"print this help", cmdHelp},
	}
}

// Main runs the svc command with args (without the program name) and
// returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		name = "help"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "svc: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: svc COMMAND [FLAGS]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "Run 'svc COMMAND -h' for a command's flags.")
}

func cmdHelp(_ context.Context, _ []string, stdout, _ io.Writer) int {
	usage(stdout)
	return exitOK
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("svc "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and turns flag errors into the usage exit code.
// ok is false when the caller must return code.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 && fs.Name() != "svc install" {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

// parsePidfile parses the flags of `svc CMD --classic --pidfile P` (stop,
// status, reload): --classic described by what, --pidfile, and those more
// adds. ok is false when the caller must return code: exitOK after -h,
// exitUsage on a usage error or a missing --pidfile.
func parsePidfile(cmd, what string, args []string, stderr io.Writer, more func(*flag.FlagSet)) (pidfile string, code int, ok bool) {
	var classic bool
	fs := newFlags(cmd, stderr)
	fs.BoolVar(&classic, "classic", false, what)
	fs.StringVar(&pidfile, "pidfile", "", "the daemon's pidfile `P` (required)")
	if more != nil {
		more(fs)
	}
	if code, ok := parse(fs, args); !ok {
		return "", code, false
	}
	if pidfile == "" {
		fmt.Fprintf(stderr, "svc %s: --classic needs --pidfile\n", cmd)
		return "", exitUsage, false
	}
	return pidfile, 0, true
}

// fail prints err as "svc CMD: err" and returns exitFail. The prefix
// package install puts on its errors goes from install's and uninstall's,
// where it only repeats the command ("svc install: install: ...").
func fail(stderr io.Writer, cmd string, err error) int {
	msg := strings.TrimPrefix(err.Error(), "svc: ")
	if cmd == "install" || cmd == "uninstall" {
		msg = strings.TrimPrefix(msg, "install: ")
	}
	fmt.Fprintf(stderr, "svc %s: %s\n", cmd, msg)
	return exitFail
}
