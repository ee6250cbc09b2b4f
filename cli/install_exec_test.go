package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/svcdev/svc/systemd"
)

// wrapProgram is testProgram with Program.Wrap, as cmd/svc sets it.
func wrapProgram() *Program {
	p := testProgram()
	p.Wrap = true
	return p
}

// fakeProgram writes an executable script named name in a new directory
// and returns its path.
func fakeProgram(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// emptyDir fails the test if root holds any file: a refusal writes
// nothing.
func emptyDir(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("written despite the refusal: %s", p)
		}
		return nil
	})
}

// TestInstallExecUsage: --exec with --binary, and --ready or --runner
// without --exec, are usage errors; a program without Wrap has no --exec.
func TestInstallExecUsage(t *testing.T) {
	prog := fakeProgram(t, "web")
	for _, c := range []struct {
		p    *Program
		args []string
		want string
	}{
		{wrapProgram(), []string{"--exec", prog, "--binary", prog}, "svc install: --exec and --binary exclude each other"},
		{wrapProgram(), []string{"--ready", "notify"}, "svc install: --ready needs --exec"},
		{wrapProgram(), []string{"--runner", "/usr/local/bin/svc"}, "svc install: --runner needs --exec"},
		{wrapProgram(), []string{"--exec", prog, "-m", "x"}, "svc install: the wrapped program's own arguments go after --: svc install --exec " + prog + " [FLAGS] -- -m ...\n"},
		{testProgram(), []string{"--exec", prog}, "flag provided but not defined: -exec"},
	} {
		root := t.TempDir()
		code, _, errOut := run(c.p, append([]string{"install", "--root", root, "--init", "sysv"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("install %q: exit %d, stderr:\n%s\nwant 2 and %q", c.args, code, errOut, c.want)
		}
		emptyDir(t, root)
	}
}

// TestInstallExecRefuses: what cannot be PROG, or a readiness that does
// not parse, fails naming it, and writes nothing.
func TestInstallExecRefuses(t *testing.T) {
	noExec := fakeProgram(t, "noexec")
	if err := os.Chmod(noExec, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(fakeProgram(t, "web")))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--exec", "no-such-program"}, "svc install: --exec no-such-program: not found in PATH (give its absolute path)\n"},
		{[]string{"--exec", noExec}, "svc install: --exec " + noExec + ": permission denied: not executable (mode -rw-r--r--)\n"},
		{[]string{"--exec", t.TempDir()}, ": is a directory\n"},
		{[]string{"--exec", "/no/such/file"}, "svc install: --exec /no/such/file: stat /no/such/file: no such file or directory\n"},
		{[]string{"--exec", "web", "--ready", "tcp:8080"}, `svc install: --ready "tcp:8080": want tcp:HOST:PORT`},
		{[]string{"--exec", "web", "--ready", "port:8080"}, `svc install: --ready "port:8080": unknown kind "port"`},
		{[]string{"--exec", "web", "--runner", "bin/svc"}, `svc install: --runner "bin/svc": not an absolute path`},
		{[]string{"--exec", "web", "--", "a\x00b"}, "contains a NUL byte"},
		{[]string{"--exec", fakeProgram(t, "a b")}, "/a b: its file name cannot name the service (install: name \"a b\": invalid service spec: contains whitespace): pass --name\n"},
	} {
		root := t.TempDir()
		code, _, errOut := run(wrapProgram(), append([]string{"install", "--root", root, "--init", "sysv"}, c.args...)...)
		if code != exitFail || !strings.Contains(errOut, c.want) {
			t.Errorf("install %q: exit %d, stderr:\n%s\nwant 1 and %q", c.args, code, errOut, c.want)
		}
		emptyDir(t, root)
	}
}

// TestInstallExecRunner: the test binary lives in a go-build directory,
// so a script that needs svc is refused until --runner names one; a unit
// that runs PROG directly needs none.
func TestInstallExecRunner(t *testing.T) {
	prog := fakeProgram(t, "web")
	root := t.TempDir()
	code, _, errOut := run(wrapProgram(), "install", "--root", root, "--init", "sysv", "--exec", prog)
	if want := "pass --runner PATH, an svc installed for good"; code != exitFail || !strings.Contains(errOut, want) || !strings.Contains(errOut, "no svc binary to run the wrapped program") {
		t.Errorf("sysv without a lasting runner: exit %d, stderr:\n%s\nwant 1 and %q", code, errOut, want)
	}
	emptyDir(t, root)

	code, _, errOut = run(wrapProgram(), "install", "--root", root, "--init", "systemd", "--exec", prog)
	if code != 0 {
		t.Errorf("systemd, no probe, no runner: exit %d, stderr:\n%s", code, errOut)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(wrapProgram(), "install", "--root", root, "--init", "sysv", "--exec", prog, "--runner", self, "--ready", "tcp:127.0.0.1:8000")
	if code != 0 {
		t.Fatalf("sysv with --runner: exit %d, stderr:\n%s", code, errOut)
	}
	script, err := os.ReadFile(filepath.Join(root, "etc/init.d/web"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nDAEMON=" + self + "\n", "\nPROG=" + prog + "\n", " --log /var/log/web.log --ready tcp:127.0.0.1:8000 -- \"$PROG\"\n"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("the script lacks %q:\n%s", want, script)
		}
	}
}

// TestInstallExecCarriesArgs: PROG's arguments reach ExecStart byte for
// byte, --log and --listen among them too (they are PROG's, not svc
// run's), and PROG found in PATH is named by its absolute path. The
// service is named after PROG and not described as this program.
func TestInstallExecCarriesArgs(t *testing.T) {
	prog := fakeProgram(t, "web-app")
	t.Setenv("PATH", filepath.Dir(prog)+":/usr/bin:/bin")
	args := []string{"--log", "/var/log/x.log", "--listen", ":80", `a b $x %h "q" 'sq'`, "--", "new\nline"}
	root := t.TempDir()
	code, _, errOut := run(wrapProgram(), append([]string{"install", "--root", root, "--init", "systemd", "--exec", "web-app", "--ready", "notify", "--"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	f, err := os.Open(filepath.Join(root, "etc/systemd/system/web-app.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, err := systemd.ParseUnit(f)
	if err != nil {
		t.Fatal(err)
	}
	argv, err := systemd.UnquoteExec(u.Values("Service", "ExecStart")[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]string{prog}, args...); !slices.Equal(argv, want) {
		t.Errorf("ExecStart runs %q; want %q", argv, want)
	}
	for key, want := range map[string]string{"Type": "notify", "NotifyAccess": "main", "Description": "web-app service", "CapabilityBoundingSet": ""} {
		if got := u.Values(sectionOf(key), key); len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q; want %q", key, got, want)
		}
	}
}

func sectionOf(key string) string {
	if key == "Description" {
		return "Unit"
	}
	return "Service"
}

// TestInstallExecReloadSignal: --reload-signal needs --exec and a reload
// signal (a usage error, nothing written); with it the unit kills the
// main process with that signal, without it the unit has no reload.
func TestInstallExecReloadSignal(t *testing.T) {
	prog := fakeProgram(t, "web")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--reload-signal", "HUP"}, "svc install: --reload-signal needs --exec: a program on svc reloads on SIGHUP, by contract\n"},
		{[]string{"--exec", prog, "--reload-signal", "TERM"}, `svc install: --reload-signal "TERM": not a reload signal: want one of HUP, USR1, USR2`},
		{[]string{"--exec", prog, "--reload-signal", "KILL"}, `--reload-signal "KILL": not a reload signal`},
		{[]string{"--exec", prog, "--reload-signal", "HUP $MAINPID"}, `--reload-signal "HUP $MAINPID": not a reload signal`},
		{[]string{"--exec", prog, "--reload-signal", ""}, ""}, // empty: no reload, as without the flag
	} {
		root := t.TempDir()
		code, _, errOut := run(wrapProgram(), append([]string{"install", "--root", root, "--init", "systemd"}, c.args...)...)
		if c.want == "" {
			if code != 0 {
				t.Errorf("install %q: exit %d, stderr:\n%s", c.args, code, errOut)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("install %q: exit %d, stderr:\n%s\nwant 2 and %q", c.args, code, errOut, c.want)
		}
		emptyDir(t, root)
	}

	for flag, want := range map[string][]string{"": nil, "usr1": {"/bin/kill -s USR1 $MAINPID"}, "SIGHUP": {"/bin/kill -s HUP $MAINPID"}} {
		root := t.TempDir()
		args := []string{"install", "--root", root, "--init", "systemd", "--exec", prog}
		if flag != "" {
			args = append(args, "--reload-signal", flag)
		}
		if code, _, errOut := run(wrapProgram(), args...); code != 0 {
			t.Fatalf("install %q: exit %d, stderr:\n%s", args, code, errOut)
		}
		f, err := os.Open(filepath.Join(root, "etc/systemd/system/web.service"))
		if err != nil {
			t.Fatal(err)
		}
		u, err := systemd.ParseUnit(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Values("Service", "ExecReload"); !slices.Equal(got, want) {
			t.Errorf("--reload-signal %q: ExecReload=%q; want %q", flag, got, want)
		}
	}
}

// TestReloadSignalUsage: reload's --signal is for a wrapped daemon only
// (svc's own reloads on SIGHUP and reports how it went), and only a
// reload signal; a program without Wrap has no --signal.
func TestReloadSignalUsage(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "web.pid")
	for _, c := range []struct {
		p    *Program
		args []string
		want string
	}{
		{wrapProgram(), []string{"--signal", "USR1"}, "svc reload: --signal needs --exec: svc's own daemon reloads on SIGHUP, by contract\n"},
		{wrapProgram(), []string{"--exec", "/bin/sh", "--signal", "TERM"}, `svc reload: --signal "TERM": not a reload signal: want one of HUP, USR1, USR2`},
		{testProgram(), []string{"--signal", "USR1"}, "flag provided but not defined: -signal"},
	} {
		code, _, errOut := run(c.p, append([]string{"reload", "--classic", "--pidfile", pidfile}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("reload %q: exit %d, stderr:\n%s\nwant 2 and %q", c.args, code, errOut, c.want)
		}
	}
	// A valid --signal on a daemon that is not running: LSB's 7.
	code, _, errOut := run(wrapProgram(), "reload", "--classic", "--pidfile", pidfile, "--exec", "/bin/sh", "--signal", "usr2")
	if code != lsbNotRunning {
		t.Errorf("reload --signal usr2 of no daemon: exit %d, stderr:\n%s\nwant %d", code, errOut, lsbNotRunning)
	}
}
