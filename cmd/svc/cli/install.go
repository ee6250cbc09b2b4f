package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/svcdev/svc/install"
)

// installFlags are the flags of `svc install`; the arguments after them
// (or after "--") are the arguments of `svc run`.
type installFlags struct {
	initName, name, root   string
	unitDir                string
	user, dryRun           bool
	binary, description    string
	runAs, group, chdir    string
	log, restart           string
	restartSec             time.Duration
	env                    envFlag
	after, wants, requires listFlag
	docs                   listFlag
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// envFlag collects NAME=VALUE pairs in order.
type envFlag []install.EnvVar

func (e *envFlag) String() string { return fmt.Sprint(len(*e), " variables") }
func (e *envFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("%q: want NAME=VALUE", v)
	}
	*e = append(*e, install.EnvVar{Name: name, Value: value})
	return nil
}

func (f *installFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.initName, "init", "auto", "auto|systemd|sysv|openrc|launchd")
	fs.BoolVar(&f.user, "user", false, "install for the per-user manager (systemd --user, LaunchAgents)")
	fs.StringVar(&f.name, "name", "svc", "the service `NAME` (for launchd, a reverse-DNS label such as com.example.web)")
	fs.StringVar(&f.root, "root", "", "write the files under `DIR` and run no commands (packaging)")
	fs.StringVar(&f.unitDir, "unit-dir", "", "with --root and --init systemd: the unit goes in `DIR` (a package's /lib/systemd/system), not /etc/systemd/system")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the files and commands; change nothing")
}

// host describes this machine with the install root and unit directory
// of the flags. A unit outside /etc/systemd/system belongs to a package,
// which dpkg or rpm removes, so --unit-dir only stages (--root).
func (f *installFlags) host() (install.Host, error) {
	if f.unitDir != "" && f.root == "" {
		return install.Host{}, errors.New("--unit-dir needs --root: a unit outside /etc/systemd/system belongs to a package (stage it with --root)")
	}
	h := install.FromHost(f.root)
	h.UnitDir = f.unitDir
	return h, nil
}

func cmdInstall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f installFlags
	fs := newFlags("install", stderr)
	f.register(fs)
	fs.StringVar(&f.binary, "binary", "", "the svc binary the service runs (default: this one)")
	fs.StringVar(&f.description, "description", "", "one-line description")
	fs.StringVar(&f.runAs, "run-as", "", "run the service as `USER`")
	fs.StringVar(&f.group, "group", "", "run the service with `GROUP`")
	fs.StringVar(&f.chdir, "chdir", "", "the service's working `DIR` (default /)")
	fs.StringVar(&f.log, "log", "", "the service logs to `FILE` (svc run --log)")
	fs.StringVar(&f.restart, "restart", "on-failure", "restart policy: on-failure|always|no")
	fs.DurationVar(&f.restartSec, "restart-sec", install.DefaultRestartSec, "delay before a restart")
	fs.Var(&f.env, "env", "set `NAME=VALUE` in the service's environment (repeatable)")
	fs.Var(&f.after, "after", "start after `UNIT` (a service name or a systemd target; repeatable)")
	fs.Var(&f.wants, "wants", "start `UNIT` too if it exists (repeatable)")
	fs.Var(&f.requires, "requires", "need `UNIT` (repeatable)")
	fs.Var(&f.docs, "doc", "the service's documentation `URI` (systemd Documentation=, e.g. man:svc(1); repeatable)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	spec, err := f.spec(fs.Args())
	if err != nil {
		return fail(stderr, "install", err)
	}
	if runtime.GOOS == "windows" {
		return windowsInstall(spec, f, stdout, stderr)
	}
	host, err := f.host()
	if err != nil {
		return fail(stderr, "install", err)
	}
	t, err := pickInit(host, f.initName, f.root)
	if err != nil {
		return fail(stderr, "install", err)
	}
	plan, err := t.Plan(spec)
	if err != nil {
		return fail(stderr, "install", err)
	}
	return applyPlan(ctx, "install", plan, f, stdout, stderr)
}

// spec builds the Spec from the flags; args are for `svc run`.
func (f *installFlags) spec(args []string) (install.Spec, error) {
	bin := f.binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return install.Spec{}, fmt.Errorf("finding this binary (pass --binary): %w", err)
		}
		if bin, err = filepath.EvalSymlinks(exe); err != nil {
			return install.Spec{}, fmt.Errorf("finding this binary (pass --binary): %w", err)
		}
	}
	s := install.Spec{
		Name: f.name, Description: f.description, Binary: bin, Args: args,
		User: f.runAs, Group: f.group, WorkingDir: f.chdir, LogFile: f.log,
		Environment: f.env, After: f.after, Wants: f.wants, Requires: f.requires,
		Restart: install.RestartPolicy(f.restart), RestartSec: f.restartSec,
	}
	s.Documentation = f.docs
	if f.user {
		s.Scope = install.User
	}
	return s, s.Validate()
}

// pickInit returns the target named by --init, or the host's init for
// "auto". A staging root says nothing about the machine the package will
// land on, so it needs an explicit --init.
func pickInit(host install.Host, name, root string) (install.Target, error) {
	if name == "auto" || name == "" {
		if root != "" {
			return nil, errors.New("--root needs --init (the staging tree says nothing about the target machine)")
		}
		name = install.DetectInit("/", runtime.GOOS).Init
	}
	return host.NewTarget(name)
}

// applyPlan prints (--dry-run) or applies plan and reports what changed.
func applyPlan(ctx context.Context, verb string, plan install.Plan, f installFlags, stdout, stderr io.Writer) int {
	if f.dryRun {
		if f.root != "" {
			fmt.Fprintf(stdout, "# root: %s (files only; no command runs)\n", f.root)
		}
		fmt.Fprint(stdout, plan)
		return exitOK
	}
	res, err := install.Apply(ctx, plan, install.ApplyOptions{Root: f.root, Output: stderr})
	for _, p := range res.Changed {
		fmt.Fprintf(stdout, "%s: %s\n", changeWord(verb), p)
	}
	if err != nil {
		return fail(stderr, verb, err)
	}
	if len(res.Changed) == 0 {
		fmt.Fprintf(stdout, "%s: %s: nothing to change\n", plan.Target, f.name)
	}
	return exitOK
}

func changeWord(verb string) string {
	if verb == "uninstall" {
		return "removed"
	}
	return "wrote"
}

func windowsInstall(spec install.Spec, f installFlags, stdout, stderr io.Writer) int {
	if f.dryRun || f.root != "" || f.unitDir != "" {
		return fail(stderr, "install", errors.New("--dry-run, --root and --unit-dir are not available for Windows services"))
	}
	if err := install.WindowsInstall(spec); err != nil {
		return fail(stderr, "install", err)
	}
	fmt.Fprintf(stdout, "installed Windows service %s\n", spec.Name)
	return exitOK
}
