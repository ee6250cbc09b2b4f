package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/svcdev/svc/install"
)

func (p *Program) cmdUninstall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f installFlags
	fs := p.newFlags("uninstall", stderr)
	f.register(fs, p.Name)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	spec := install.Spec{Name: f.name}
	if f.user {
		spec.Scope = install.User
	}
	if err := install.CheckName(spec.Name); err != nil {
		return p.fail(stderr, "uninstall", err)
	}
	if runtime.GOOS == "windows" {
		if err := install.WindowsUninstall(spec); err != nil {
			return p.fail(stderr, "uninstall", err)
		}
		return exitOK
	}
	host, err := f.host()
	if err != nil {
		return p.fail(stderr, "uninstall", err)
	}
	t, err := installedTarget(host, spec, f.initName)
	if errors.Is(err, errNotInstalled) {
		fmt.Fprintf(stdout, "%s: not installed\n", spec.Name)
		return exitOK
	}
	if err != nil {
		return p.fail(stderr, "uninstall", err)
	}
	if err := needsRoot(f.root, f.dryRun, spec.Scope); err != nil {
		return p.fail(stderr, "uninstall", err)
	}
	plan, err := t.Uninstall(spec)
	if err != nil {
		return p.fail(stderr, "uninstall", err)
	}
	return p.applyPlan(ctx, "uninstall", plan, f, stdout, stderr)
}

var errNotInstalled = errors.New("not installed")

// installedTarget is the target named by --init, or for "auto" the one
// whose files for spec are present.
func installedTarget(host install.Host, spec install.Spec, name string) (install.Target, error) {
	if name != "auto" && name != "" {
		return host.NewTarget(name)
	}
	if t := host.Installed(spec); t != nil {
		return t, nil
	}
	return nil, errNotInstalled
}
