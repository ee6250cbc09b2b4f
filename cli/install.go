package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/svcdev/svc/install"
)

// installFlags are the flags of `PROG install`; the arguments after them
// (or after "--") are the arguments of `PROG run`, or with --exec PROG's.
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
	hardening              hardenFlags
	wrap                   wrapFlags
	set                    map[string]bool // the flags given
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

func (f *installFlags) register(fs *flag.FlagSet, name string) {
	fs.StringVar(&f.initName, "init", "auto", "auto|systemd|sysv|openrc|launchd")
	fs.BoolVar(&f.user, "user", false, "install for the per-user manager (systemd --user, LaunchAgents)")
	fs.StringVar(&f.name, "name", name, "the service `NAME` (for launchd, a reverse-DNS label such as com.example.web)")
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

func (p *Program) cmdInstall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f installFlags
	fs := p.newFlags("install", stderr)
	f.register(fs, p.Name)
	fs.StringVar(&f.binary, "binary", "", "the `BINARY` the service runs (default: this one); it must speak the contract (help contract)")
	fs.StringVar(&f.description, "description", p.Description, "one-line description")
	fs.StringVar(&f.runAs, "run-as", "", "run the service as `USER`")
	fs.StringVar(&f.group, "group", "", "run the service with `GROUP`")
	fs.StringVar(&f.chdir, "chdir", "", "the service's working `DIR` (default /)")
	fs.StringVar(&f.log, "log", "", "the service logs to `FILE` (run --log)")
	fs.StringVar(&f.restart, "restart", "on-failure", "restart policy: on-failure|always|no")
	fs.DurationVar(&f.restartSec, "restart-sec", install.DefaultRestartSec, "delay before a restart")
	fs.Var(&f.env, "env", "set `NAME=VALUE` in the service's environment (repeatable)")
	fs.Var(&f.after, "after", "start after `UNIT` (a service name or a systemd target; repeatable)")
	fs.Var(&f.wants, "wants", "start `UNIT` too if it exists (repeatable)")
	fs.Var(&f.requires, "requires", "need `UNIT` (repeatable)")
	fs.Var(&f.docs, "doc", "the service's documentation `URI` (systemd Documentation=, e.g. man:svc(1); repeatable)")
	f.hardening.register(fs)
	if p.Wrap {
		f.wrap.register(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
		name = strings.TrimPrefix(name, "-")
		switch {
		case ok && f.wrap.exec != "":
			fmt.Fprintf(stderr, "%s install: the wrapped program's own arguments go after --: %s install --exec %s [FLAGS] -- -%s ...\n",
				p.Name, p.Name, f.wrap.exec, name)
		case ok && p.hasFlag(name):
			fmt.Fprintf(stderr, "%s install: --%s is the service's own flag; it goes after --: %s install [FLAGS] -- --%s ...\n",
				p.Name, name, p.Name, name)
		}
		return exitUsage
	}
	if err := f.wrap.check(f.binary); err != nil {
		fmt.Fprintf(stderr, "%s install: %v\n", p.Name, err)
		return exitUsage
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	spec, err := f.spec(fs.Args())
	if err != nil {
		return p.fail(stderr, "install", err)
	}
	check := p.checkBinary(ctx, f, spec, io.Discard)
	if spec.Wrapped() {
		check = f.wrap.checkRunner(ctx, spec, f.root)
	}
	if check != nil {
		return p.fail(stderr, "install", check)
	}
	if err := needsRoot(f.root, f.dryRun, spec.Scope); err != nil {
		return p.fail(stderr, "install", err)
	}
	if runtime.GOOS == "windows" {
		return p.windowsInstall(spec, f, stdout, stderr)
	}
	host, err := f.host()
	if err != nil {
		return p.fail(stderr, "install", err)
	}
	t, err := pickInit(host, f.initName, f.root)
	if err != nil {
		return p.fail(stderr, "install", err)
	}
	plan, err := t.Plan(spec)
	if err != nil {
		return p.fail(stderr, "install", f.wrap.explainRunner(err))
	}
	return p.applyPlan(ctx, "install", plan, f, stdout, stderr)
}

// spec builds the Spec from the flags; args are for `PROG run`, or with
// --exec the wrapped program's own.
func (f *installFlags) spec(args []string) (install.Spec, error) {
	if f.wrap.exec != "" {
		return f.wrappedSpec(args)
	}
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
	if err := f.hardening.apply(&s); err != nil {
		return install.Spec{}, err
	}
	return s, s.Validate()
}

// wrappedSpec is spec for --exec PROG: named after PROG and described by
// the flags only (the defaults are this program's own), its arguments
// PROG's, untouched by the --log and --listen svc run would take.
func (f *installFlags) wrappedSpec(args []string) (install.Spec, error) {
	s := install.Spec{
		Name: f.name, Args: args,
		User: f.runAs, Group: f.group, WorkingDir: f.chdir, LogFile: f.log,
		Environment: f.env, After: f.after, Wants: f.wants, Requires: f.requires,
		Restart: install.RestartPolicy(f.restart), RestartSec: f.restartSec,
		Documentation: f.docs,
	}
	if err := f.wrap.wrap(&s, f.root); err != nil {
		return install.Spec{}, err
	}
	if !f.set["name"] {
		name, err := wrappedName(s.Exec)
		if err != nil {
			return install.Spec{}, err
		}
		s.Name, f.name = name, name
	}
	if f.set["description"] {
		s.Description = f.description
	}
	if f.user {
		s.Scope = install.User
	}
	level, err := install.ParseHardening(f.hardening.level)
	if err != nil {
		return install.Spec{}, err
	}
	s.Harden = level
	s.Writable, s.Capabilities, s.AddressFamilies = f.hardening.writable, f.hardening.caps, f.hardening.family
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
func (p *Program) applyPlan(ctx context.Context, verb string, plan install.Plan, f installFlags, stdout, stderr io.Writer) int {
	if f.dryRun {
		if f.root != "" {
			fmt.Fprintf(stdout, "# root: %s (files only; no command runs)\n", f.root)
		}
		fmt.Fprint(stdout, plan)
		printExposure(ctx, plan, stdout)
		return exitOK
	}
	res, err := install.Apply(ctx, plan, install.ApplyOptions{Root: f.root, Output: stderr})
	for _, p := range res.Changed {
		fmt.Fprintf(stdout, "%s: %s\n", changeWord(verb), p)
	}
	if err != nil {
		return p.fail(stderr, verb, err)
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

func (p *Program) windowsInstall(spec install.Spec, f installFlags, stdout, stderr io.Writer) int {
	if f.dryRun || f.root != "" || f.unitDir != "" {
		return p.fail(stderr, "install", errors.New("--dry-run, --root and --unit-dir are not available for Windows services"))
	}
	if err := install.WindowsInstall(spec); err != nil {
		return p.fail(stderr, "install", err)
	}
	fmt.Fprintf(stdout, "installed Windows service %s\n", spec.Name)
	return exitOK
}

// hardenFlags are the confinement flags of `svc install`: a level and
// the named opt-outs that loosen it.
type hardenFlags struct {
	level                  string
	writable, caps, family listFlag
}

func (h *hardenFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.level, "harden", string(install.HardenDefault), "confinement: strict|default|off (systemd sandboxing; see README)")
	fs.Var(&h.writable, "writable", "let the service write `PATH` besides its own directories (systemd ReadWritePaths=; repeatable)")
	fs.Var(&h.caps, "cap", "let the service keep `CAP_NAME`, e.g. CAP_NET_BIND_SERVICE (repeatable; a --listen port below 1024 adds that one)")
	fs.Var(&h.family, "address-family", "let the service open sockets of `AF_NAME` besides AF_INET, AF_INET6 and AF_UNIX (repeatable)")
}

// apply sets the hardening of s. A `--log FILE` among the arguments of
// `svc run` becomes s.LogFile, so the unit can make its directory
// writable; a --listen port below 1024 keeps CAP_NET_BIND_SERVICE.
func (h *hardenFlags) apply(s *install.Spec) error {
	level, err := install.ParseHardening(h.level)
	if err != nil {
		return err
	}
	s.Harden = level
	s.Writable, s.Capabilities, s.AddressFamilies = h.writable, h.caps, h.family
	if s.LogFile == "" {
		s.LogFile, s.Args = liftFlag(s.Args, "log")
	}
	if level != install.HardenOff && s.Scope == install.System && privilegedListen(s.Args) &&
		!slices.Contains(s.Capabilities, "CAP_NET_BIND_SERVICE") {
		s.Capabilities = append(slices.Clone(s.Capabilities), "CAP_NET_BIND_SERVICE")
	}
	return nil
}

// liftFlag removes the first -name V, --name V or --name=V from args
// (before any "--") and returns V.
func liftFlag(args []string, name string) (string, []string) {
	for i, a := range args {
		if a == "--" {
			break
		}
		switch {
		case (a == "-"+name || a == "--"+name) && i+1 < len(args):
			return args[i+1], append(slices.Clone(args[:i]), args[i+2:]...)
		case strings.HasPrefix(a, "-"+name+"=") || strings.HasPrefix(a, "--"+name+"="):
			_, v, _ := strings.Cut(a, "=")
			return v, append(slices.Clone(args[:i]), args[i+1:]...)
		}
	}
	return "", args
}

// privilegedListen reports whether args ask `svc run` to listen on a
// port below 1024.
func privilegedListen(args []string) bool {
	addr, _ := liftFlag(args, "listen")
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 1024
}

// printExposure adds systemd-analyze's score of each unit to a dry run.
func printExposure(ctx context.Context, plan install.Plan, stdout io.Writer) {
	for _, f := range plan.Files {
		name := filepath.Base(f.Path)
		if !strings.HasSuffix(name, ".service") {
			continue
		}
		e, err := install.UnitExposure(ctx, name, f.Content)
		switch {
		case errors.Is(err, install.ErrNoAnalyzer):
			fmt.Fprintf(stdout, "# exposure of %s: not scored (no systemd-analyze)\n", name)
		case err != nil:
			fmt.Fprintf(stdout, "# exposure of %s: not scored: %v\n", name, err)
		default:
			fmt.Fprintf(stdout, "# exposure of %s (systemd-analyze security): %v\n", name, e)
		}
	}
}
