// Package installtest is the conformance suite every install.Target
// passes, as testing/slogtest is for slog handlers. Run applies a target's
// plans under a temporary root (no command runs there) and checks what
// install promises: exact files and modes, idempotent re-install, update
// in place, an uninstall that leaves nothing, refusal of bad names, and
// names, arguments and environment values carried byte for byte or
// refused with an error, for a binary on svc and for a wrapped program
// (Spec.Exec) with each readiness the target keeps.
package installtest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/svcdev/svc/install"
	"github.com/svcdev/svc/ready"
)

// Harness describes the target under test.
type Harness struct {
	Target install.Target
	// Binary is the absolute path the specs run (Spec.Binary).
	Binary string
	// Exec reads the plan applied under root the way the init system
	// would, and returns the argv and environment the service would get:
	// `Binary run ...`, or for a wrapped spec the argv the runner execs,
	// `Exec ARGS` (what follows "--" in `Binary run|start --classic ...
	// -- Exec ARGS`; Exec may be Binary itself). env may be nil when the
	// init system's reading cannot be reproduced outside it (then a
	// real-init test must check it).
	Exec func(t *testing.T, root string, s install.Spec) (argv []string, env map[string]string)
	// UserScope is set when the target has per-user services.
	UserScope bool
	// Readiness is set when the target keeps a wrapped program's
	// Spec.Ready (launchd has none, and refuses one).
	Readiness bool
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("InstallWritesFiles", h.installWritesFiles)
	t.Run("Idempotent", h.idempotent)
	t.Run("UpdateInPlace", h.updateInPlace)
	t.Run("UninstallLeavesNothing", h.uninstallLeavesNothing)
	t.Run("UninstallNotInstalled", h.uninstallNotInstalled)
	t.Run("RefusesBadNames", h.refusesBadNames)
	t.Run("CarriesBytes", h.carriesBytes)
	t.Run("Control", h.control)
	t.Run("Scope", h.scope)
	t.Run("WrappedCarriesBytes", h.wrappedCarriesBytes)
	t.Run("WrappedProgramPaths", h.wrappedProgramPaths)
	t.Run("WrappedRefusals", h.wrappedRefusals)
	t.Run("WrappedControl", h.wrappedControl)
}

func (h Harness) spec() install.Spec {
	return install.Spec{
		Name:        "svc-conformance",
		Binary:      h.Binary,
		Args:        []string{"--listen", "127.0.0.1:8080"},
		Environment: []install.EnvVar{{Name: "GREETING", Value: "hello"}},
		After:       []string{"network.target"},
	}
}

func (h Harness) plan(t *testing.T, s install.Spec) install.Plan {
	t.Helper()
	p, err := h.Target.Plan(s)
	if err != nil {
		t.Fatalf("%s.Plan: %v", h.Target.Name(), err)
	}
	return p
}

func apply(t *testing.T, root string, p install.Plan) install.Result {
	t.Helper()
	res, err := install.Apply(context.Background(), p, install.ApplyOptions{Root: root})
	if err != nil {
		t.Fatalf("Apply under %s: %v", root, err)
	}
	if len(res.Ran) > 0 {
		t.Fatalf("Apply with a Root ran commands: %v", res.Ran)
	}
	return res
}

func (h Harness) installWritesFiles(t *testing.T) {
	root := t.TempDir()
	p := h.plan(t, h.spec())
	if len(p.Files) == 0 {
		t.Fatal("the plan writes no file")
	}
	res := apply(t, root, p)
	for _, f := range p.Files {
		path := filepath.Join(root, f.Path)
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		want := fs.FileMode(0o644)
		if bytes.HasPrefix(f.Content, []byte("#!")) {
			want = 0o755
		}
		if f.Mode.Perm() != want || fi.Mode() != want {
			t.Errorf("%s: plan mode %v, file mode %v; want %v", f.Path, f.Mode, fi.Mode(), want)
		}
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s: content differs from the plan", f.Path)
		}
		if !slices.Contains(res.Changed, path) {
			t.Errorf("%s: written but not reported changed", f.Path)
		}
	}
	for _, l := range p.Links {
		if got, err := os.Readlink(filepath.Join(root, l.Path)); err != nil || got != l.Target {
			t.Errorf("link %s -> %q, %v; want -> %q", l.Path, got, err, l.Target)
		}
	}
	noTempFiles(t, root)
}

// noTempFiles checks that the atomic writes left no temp file behind.
func noTempFiles(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".") {
			t.Errorf("leftover temp file %s", p)
		}
		return nil
	})
}

func (h Harness) idempotent(t *testing.T) {
	root := t.TempDir()
	p := h.plan(t, h.spec())
	apply(t, root, p)
	if res := apply(t, root, p); len(res.Changed) > 0 {
		t.Errorf("re-applying the same plan changed %v", res.Changed)
	}
}

func (h Harness) updateInPlace(t *testing.T) {
	root := t.TempDir()
	apply(t, root, h.plan(t, h.spec()))
	s := h.spec()
	s.Args = []string{"--listen", "127.0.0.1:9090"}
	p := h.plan(t, s)
	res := apply(t, root, p)
	if len(res.Changed) == 0 {
		t.Fatal("a changed spec changed nothing")
	}
	for _, f := range p.Files {
		got, _ := os.ReadFile(filepath.Join(root, f.Path))
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s: not updated in place", f.Path)
		}
	}
	if !slices.ContainsFunc(p.Commands, func(c install.Command) bool { return c.IfChanged }) {
		t.Errorf("the plan has no command that runs only on change (reload or restart): %v", p.Commands)
	}
}

func (h Harness) uninstallLeavesNothing(t *testing.T) {
	root := t.TempDir()
	s := h.spec()
	apply(t, root, h.plan(t, s))
	u, err := h.Target.Uninstall(install.Spec{Name: s.Name})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Files) > 0 || len(u.Links) > 0 {
		t.Errorf("the uninstall plan creates files or links: %v %v", u.Files, u.Links)
	}
	apply(t, root, u)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left behind: %s", strings.TrimPrefix(p, root))
		}
		return nil
	})
	if !slices.ContainsFunc(u.Pre, func(c install.Command) bool { return c.MayFail }) {
		t.Errorf("the uninstall plan does not stop the service first (a Pre command that may fail): %v", u.Pre)
	}
}

func (h Harness) uninstallNotInstalled(t *testing.T) {
	u, err := h.Target.Uninstall(install.Spec{Name: "svc-never-installed"})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, t.TempDir(), u)
	for _, c := range append(u.Pre, u.Commands...) {
		if !c.MayFail {
			t.Errorf("uninstall command %s must be allowed to fail (nothing may be installed)", c)
		}
	}
}

// BadNames are names every target refuses.
var BadNames = []string{"", "a b", "a\tb", "a\nb", "a/b", "../x", "-x", "--help", "a\x01b", "a\x7fb", ".hidden", "a$b", "a'b", "a\"b", "a\\b", "a%b", "ünï", "\xff"}

func (h Harness) refusesBadNames(t *testing.T) {
	for _, name := range BadNames {
		s := h.spec()
		s.Name = name
		if _, err := h.Target.Plan(s); !errors.Is(err, install.ErrInvalid) {
			t.Errorf("Plan(name %q) = %v; want an error wrapping ErrInvalid", name, err)
		}
		if _, err := h.Target.Uninstall(s); !errors.Is(err, install.ErrInvalid) {
			t.Errorf("Uninstall(name %q) = %v; want an error wrapping ErrInvalid", name, err)
		}
		if _, err := h.Target.Control(s, install.Status); !errors.Is(err, install.ErrInvalid) {
			t.Errorf("Control(name %q) = %v; want an error wrapping ErrInvalid", name, err)
		}
	}
}

// TrickyValues are carried byte for byte or refused, never altered.
var TrickyValues = []string{
	"plain", "", "a b", "two  spaces", " lead", "trail ", "it's", `"dq"`, `back\slash`, `\\`,
	"$HOME", "${HOME}", "$$", "%h", "%%", "100%", "`id`", "$(id)", "*", "?", "[a]", "~", "#x", ";", "&", "|",
	"a=b", "-n", "--", "new\nline", "tab\tx", "cr\rx", "\x01", "\x7f", "ünï", "\xff\xfe",
	`/var/log/a b/%h $HOME "q".log`,
}

func (h Harness) carriesBytes(t *testing.T) {
	carried, refused := 0, 0
	for _, v := range TrickyValues {
		s := h.spec()
		s.Args = []string{"--x", v}
		s.Environment = []install.EnvVar{{Name: "V", Value: v}}
		p, err := h.Target.Plan(s)
		if err != nil {
			if !strings.Contains(err.Error(), s.Name) {
				t.Errorf("value %q: error %q does not name the service", v, err)
			}
			refused++
			t.Logf("refused %q: %v", v, err)
			continue
		}
		root := t.TempDir()
		apply(t, root, p)
		argv, env := h.Exec(t, root, s)
		want := append([]string{s.Binary, "run"}, s.Args...)
		if !slices.Equal(argv, want) {
			t.Errorf("value %q: the service would run %q; want %q", v, argv, want)
		}
		if env != nil && env["V"] != v {
			t.Errorf("value %q: the service would get V=%q", v, env["V"])
		}
		carried++
	}
	t.Logf("%s: %d values carried exactly, %d refused", h.Target.Name(), carried, refused)
	if carried == 0 {
		t.Error("no value carried at all")
	}
}

func (h Harness) control(t *testing.T) {
	s := h.spec()
	for _, v := range []install.Verb{install.Start, install.Stop, install.Restart, install.Reload, install.Status} {
		c, err := h.Target.Control(s, v)
		if err != nil {
			t.Errorf("Control(%s): %v", v, err)
			continue
		}
		if len(c.Argv) == 0 {
			t.Errorf("Control(%s): empty argv", v)
		}
		if (v == install.Status) != (c.State != nil) {
			t.Errorf("Control(%s): State set = %v", v, c.State != nil)
		}
	}
}

func (h Harness) scope(t *testing.T) {
	s := h.spec()
	s.Scope = install.User
	p, err := h.Target.Plan(s)
	if !h.UserScope {
		if !errors.Is(err, install.ErrUnsupportedScope) {
			t.Errorf("Plan(User scope) = %v; want ErrUnsupportedScope", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Plan(User scope): %v", err)
	}
	for _, f := range p.Files {
		if strings.HasPrefix(f.Path, "/etc/") || strings.HasPrefix(f.Path, "/Library/") {
			t.Errorf("a user-scope file in a system directory: %s", f.Path)
		}
	}
	s.User = "root"
	if _, err := h.Target.Plan(s); !errors.Is(err, install.ErrInvalid) {
		t.Errorf("Plan(User scope, User=root) = %v; want ErrInvalid", err)
	}
}

// wrapped is h.spec wrapping a program (the harness binary itself) with
// readiness r.
func (h Harness) wrapped(r ready.Spec) install.Spec {
	s := h.spec()
	s.Exec, s.Ready = h.Binary, r
	s.Args = []string{"-m", "http.server", "8080"}
	return s
}

// readinesses are the readinesses the suite wraps a program with: one of
// each way a target keeps them (none, the program's own, a probe).
func (h Harness) readinesses() []ready.Spec {
	if !h.Readiness {
		return []ready.Spec{{}}
	}
	var out []ready.Spec
	for _, r := range []string{"", "notify", "tcp:127.0.0.1:8080", "exec:test -e '/run/x y' && echo \"$HOME\" 100%"} {
		s, err := ready.Parse(r)
		if err != nil {
			panic(err)
		}
		out = append(out, s)
	}
	return out
}

func (h Harness) wrappedCarriesBytes(t *testing.T) {
	for _, r := range h.readinesses() {
		carried := 0
		for _, v := range TrickyValues {
			s := h.wrapped(r)
			s.Args = []string{v, "--x", v}
			s.Environment = []install.EnvVar{{Name: "V", Value: v}}
			p, err := h.Target.Plan(s)
			if err != nil {
				if !strings.Contains(err.Error(), s.Name) {
					t.Errorf("ready %q, value %q: error %q does not name the service", r, v, err)
				}
				continue
			}
			root := t.TempDir()
			apply(t, root, p)
			argv, env := h.Exec(t, root, s)
			if want := append([]string{s.Exec}, s.Args...); !slices.Equal(argv, want) {
				t.Errorf("ready %q, value %q: the program would run as %q; want %q", r, v, argv, want)
			}
			if env != nil && env["V"] != v {
				t.Errorf("ready %q, value %q: the program would get V=%q", r, v, env["V"])
			}
			carried++
		}
		t.Logf("%s, ready %q: %d of %d values carried exactly, the rest refused", h.Target.Name(), r, carried, len(TrickyValues))
		if carried == 0 {
			t.Errorf("ready %q: no value carried at all", r)
		}
	}
}

// TrickyFileNames are names of a wrapped program's file: carried byte for
// byte in its path, or refused.
var TrickyFileNames = []string{
	"plain", "a b", "it's", `"dq"`, `back\slash`, "$HOME", "${x}", "%h", "100%", "`id`", "$(id)",
	"*", "[a]", "~", "#x", ";", "&", "-n", "tab\tx", "cr\rx", "new\nline", "\x01", "ünï", "\xff\xfe",
}

// wrappedProgramPaths wraps the harness binary under hostile names (a
// symlink to it in a temporary directory).
func (h Harness) wrappedProgramPaths(t *testing.T) {
	dir := t.TempDir()
	for _, r := range h.readinesses() {
		carried := 0
		for _, name := range TrickyFileNames {
			prog := filepath.Join(dir, name)
			if err := os.Symlink(h.Binary, prog); err != nil && !errors.Is(err, fs.ErrExist) {
				t.Fatal(err)
			}
			s := h.wrapped(r)
			s.Exec = prog
			p, err := h.Target.Plan(s)
			if err != nil {
				if !strings.Contains(err.Error(), s.Name) {
					t.Errorf("ready %q, program %q: error %q does not name the service", r, prog, err)
				}
				continue
			}
			root := t.TempDir()
			apply(t, root, p)
			argv, _ := h.Exec(t, root, s)
			if want := append([]string{prog}, s.Args...); !slices.Equal(argv, want) {
				t.Errorf("ready %q: the program would run as %q; want %q", r, argv, want)
			}
			carried++
		}
		t.Logf("%s, ready %q: %d of %d program names carried exactly, the rest refused", h.Target.Name(), r, carried, len(TrickyFileNames))
		if carried == 0 {
			t.Errorf("ready %q: no program name carried at all", r)
		}
	}
}

// wrappedRefusals: what no target may carry is refused, wrapping
// ErrInvalid (so nothing is written).
func (h Harness) wrappedRefusals(t *testing.T) {
	for name, change := range map[string]func(*install.Spec){
		"relative program":       func(s *install.Spec) { s.Exec = "bin/web" },
		"bare program name":      func(s *install.Spec) { s.Exec = "python3" },
		"unclean program path":   func(s *install.Spec) { s.Exec = "/usr//bin/web" },
		"program with newline":   func(s *install.Spec) { s.Exec = "/usr/bin/web\n" },
		"program with NUL":       func(s *install.Spec) { s.Exec = "/usr/bin/web\x00" },
		"argument with NUL":      func(s *install.Spec) { s.Args = []string{"a\x00b"} },
		"unknown readiness":      func(s *install.Spec) { s.Ready = ready.Spec{Kind: 42, Addr: "127.0.0.1:8080"} },
		"readiness on two lines": func(s *install.Spec) { s.Ready = ready.Spec{Kind: ready.Exec, Command: "true\nfalse"} },
		"tcp readiness, no port": func(s *install.Spec) { s.Ready = ready.Spec{Kind: ready.TCP, Addr: "127.0.0.1"} },
		"readiness, no program":  func(s *install.Spec) { s.Exec, s.Ready = "", ready.Spec{Kind: ready.Notify} },
		"relative runner":        func(s *install.Spec) { s.Binary = "svc" },
		// A reload that would stop or kill the program, or is spelled
		// other than ReloadSignals does.
		"reload signal TERM":        func(s *install.Spec) { s.ReloadSignal = "TERM" },
		"reload signal KILL":        func(s *install.Spec) { s.ReloadSignal = "KILL" },
		"reload signal SIGHUP":      func(s *install.Spec) { s.ReloadSignal = "SIGHUP" },
		"reload signal with blank":  func(s *install.Spec) { s.ReloadSignal = "HUP $MAINPID; rm" },
		"reload signal, no program": func(s *install.Spec) { s.Exec, s.ReloadSignal = "", "HUP" },
	} {
		s := h.wrapped(ready.Spec{})
		change(&s)
		if _, err := h.Target.Plan(s); !errors.Is(err, install.ErrInvalid) {
			t.Errorf("%s: Plan = %v; want an error wrapping ErrInvalid", name, err)
		}
	}
	if !h.Readiness {
		s := h.wrapped(ready.Spec{Kind: ready.TCP, Addr: "127.0.0.1:8080"})
		if _, err := h.Target.Plan(s); !errors.Is(err, install.ErrInvalid) {
			t.Errorf("a readiness the target cannot keep: Plan = %v; want an error wrapping ErrInvalid", err)
		}
	}
}

func (h Harness) wrappedControl(t *testing.T) {
	for _, r := range h.readinesses() {
		s := h.wrapped(r)
		for _, v := range []install.Verb{install.Start, install.Stop, install.Restart, install.Reload, install.Status} {
			c, err := h.Target.Control(s, v)
			if err != nil || len(c.Argv) == 0 {
				t.Errorf("ready %q: Control(%s) = %v, %v", r, v, c.Argv, err)
			}
		}
	}
}
