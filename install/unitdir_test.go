package install_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcdev/svc/install"
)

// TestSystemdUnitDir stages a unit in a package's directory, finds it
// there (and only with the same UnitDir), and uninstalls it.
func TestSystemdUnitDir(t *testing.T) {
	root := t.TempDir()
	spec := install.Spec{Name: "svc", Binary: "/usr/bin/svc"}
	vendor := install.Host{Root: root, UnitDir: "/lib/systemd/system"}
	tg, err := vendor.NewTarget("systemd")
	if err != nil {
		t.Fatal(err)
	}
	p, err := tg.Plan(spec)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, root, p)
	if _, err := os.Stat(filepath.Join(root, "lib/systemd/system/svc.service")); err != nil {
		t.Fatalf("unit not in the unit directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/systemd")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staging made etc/systemd (%v); the unit belongs in lib/systemd/system only", err)
	}
	if got := (install.Host{Root: root}).Installed(spec); got != nil {
		t.Errorf("without the unit directory, Installed = %s; want none (it looks in /etc/systemd/system)", got.Name())
	}
	got := vendor.Installed(spec)
	if got == nil || got.Name() != "systemd" {
		t.Fatalf("Installed = %v, want systemd", got)
	}
	u, err := got.Uninstall(spec)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/lib/systemd/system/svc.service", "/etc/systemd/system/multi-user.target.wants/svc.service"}
	if strings.Join(u.Remove, " ") != strings.Join(want, " ") {
		t.Errorf("uninstall removes %q, want %q (enablement stays in /etc)", u.Remove, want)
	}
	apply(t, root, u)
	if _, err := os.Stat(filepath.Join(root, "lib/systemd/system/svc.service")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unit still there after uninstall: %v", err)
	}
}

func TestSystemdUnitDirRefused(t *testing.T) {
	spec := install.Spec{Name: "svc", Binary: "/usr/bin/svc"}
	for _, tc := range []struct {
		dir   string
		scope install.Scope
		want  string
	}{
		{"lib/systemd/system", install.System, "not an absolute path"},
		{"/lib/systemd/system/", install.System, "not a clean path"},
		{"/lib/systemd/../systemd/system", install.System, "not a clean path"},
		{"/lib/systemd/system\n", install.System, "line break"},
		{"/lib/systemd/user", install.User, "only a system unit"},
	} {
		s := spec
		s.Scope = tc.scope
		tg := install.Systemd{Home: "/home/alice", UnitDir: tc.dir}
		_, perr := tg.Plan(s)
		_, uerr := tg.Uninstall(s)
		for _, err := range []error{perr, uerr} {
			if !errors.Is(err, install.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("UnitDir %q, %s scope: %v; want ErrInvalid mentioning %q", tc.dir, tc.scope, err, tc.want)
			}
		}
	}
	h := install.Host{UnitDir: "/lib/systemd/system"}
	for _, name := range []string{"sysv", "openrc", "launchd"} {
		if _, err := h.NewTarget(name); !errors.Is(err, install.ErrNoUnitDir) {
			t.Errorf("NewTarget(%s) with a unit directory: %v; want ErrNoUnitDir", name, err)
		}
	}
	if _, err := h.NewTarget("upstart"); err == nil || errors.Is(err, install.ErrNoUnitDir) {
		t.Errorf("NewTarget(upstart): %v; want the unknown-init error", err)
	}
}
