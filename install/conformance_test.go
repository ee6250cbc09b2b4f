package install_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/svcdev/svc/install"
	"github.com/svcdev/svc/install/installtest"
	"github.com/svcdev/svc/launchd"
	"github.com/svcdev/svc/ready"
	"github.com/svcdev/svc/systemd"
)

func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func TestConformanceSystemd(t *testing.T) {
	t.Parallel()
	installtest.Run(t, installtest.Harness{
		Target:    install.Systemd{Home: "/home/alice"},
		Binary:    testBinary(t),
		Exec:      systemdExec,
		UserScope: true,
		Readiness: true,
	})
}

// systemdExec reads ExecStart= back with the unit parser; the environment
// is checked under a real systemd (integration).
func systemdExec(t *testing.T, root string, s install.Spec) ([]string, map[string]string) {
	f, err := os.Open(filepath.Join(root, "etc/systemd/system", s.Name+".service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, err := systemd.ParseUnit(f)
	if err != nil {
		t.Fatal(err)
	}
	lines := u.Values("Service", "ExecStart")
	if len(lines) != 1 {
		t.Fatalf("ExecStart lines: %q", lines)
	}
	argv, err := systemd.UnquoteExec(lines[0])
	if err != nil {
		t.Fatalf("UnquoteExec(%q): %v", lines[0], err)
	}
	if !s.Ready.IsProbe() {
		return argv, nil // the program itself, or BINARY run
	}
	return afterDashes(t, argv, []string{s.Binary, "run", "--ready", s.Ready.String()}), nil
}

// afterDashes checks that argv is prefix, then "--", and returns the
// rest: what the runner execs.
func afterDashes(t *testing.T, argv, prefix []string) []string {
	t.Helper()
	prefix = append(slices.Clone(prefix), "--")
	if len(argv) < len(prefix) || !slices.Equal(argv[:len(prefix)], prefix) {
		t.Fatalf("the init system would run %q; want the prefix %q", argv, prefix)
	}
	return argv[len(prefix):]
}

// classicFlags are the flags a script's start passes to a wrapped
// program's runner after the hardened set-up.
func classicFlags(s install.Spec, log string) []string {
	f := []string{"--log", log}
	if s.Ready.Kind != ready.None {
		f = append(f, "--ready", s.Ready.String())
	}
	return f
}

func TestConformanceSysV(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		target install.SysV
	}{
		{"links", install.SysV{}},
		{"update-rc.d", install.SysV{Enable: install.EnableUpdateRCD, Systemd: true}},
		{"chkconfig", install.SysV{Enable: install.EnableChkconfig}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			installtest.Run(t, installtest.Harness{Target: tc.target, Binary: testBinary(t), Exec: sysvExec, Readiness: true})
		})
	}
}

// sysvExec runs the installed script's start action with a real sh; the
// test binary, as the daemon, records the argv and environment it got.
// The script runs `BINARY start --classic --pidfile P --chdir D --umask M ARGS`,
// which daemonizes `BINARY run`'s service with ARGS, or for a wrapped
// program `BINARY start --classic ... --log L [--ready R] -- EXEC ARGS`.
func sysvExec(t *testing.T, root string, s install.Spec) ([]string, map[string]string) {
	if os.Getuid() != 0 {
		t.Skip("the init script's start action needs root")
	}
	out := filepath.Join(t.TempDir(), "dump")
	cmd := exec.Command("sh", filepath.Join(root, "etc/init.d", s.Name), "start")
	cmd.Env = append(os.Environ(), dumpEnv+"="+out, "SYSTEMCTL_SKIP_REDIRECT=1", "_SYSTEMCTL_SKIP_REDIRECT=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("init script start: %v: %s", err, b)
	}
	argv, env := readDump(t, out)
	t.Cleanup(func() { os.Remove("/run/" + s.Name) }) // the script's RuntimeDirectory= equivalent
	prefix := []string{s.Binary, "start", "--classic", "--pidfile", install.PIDFile(s.Name), "--chdir", "/", "--umask", install.HardenedUmask, "--no-new-privs"}
	if s.Wrapped() {
		return afterDashes(t, argv, append(prefix, classicFlags(s, install.OpenRCLog(s.Name))...)), env
	}
	if len(argv) < len(prefix) || !slices.Equal(argv[:len(prefix)], prefix) {
		t.Fatalf("the script ran %q; want the prefix %q", argv, prefix)
	}
	return append([]string{s.Binary, "run"}, argv[len(prefix):]...), env
}

func TestConformanceOpenRC(t *testing.T) {
	t.Parallel()
	installtest.Run(t, installtest.Harness{Target: install.OpenRC{}, Binary: testBinary(t), Exec: openrcExec, Readiness: true})
}

// openrcExec sources the script with a real sh and calls its start()
// (OpenRC's ebegin, eend, checkpath and supervise-daemon stubbed), which runs
// `BINARY start --classic --pidfile P [--log DEFAULT] --chdir D --umask M ARGS`.
// (integration's TestInstallOpenRC runs the real openrc-run.)
func openrcExec(t *testing.T, root string, s install.Spec) ([]string, map[string]string) {
	if os.Getuid() != 0 {
		t.Skip("the script's start needs root (the pidfile in /run)")
	}
	out := filepath.Join(t.TempDir(), "dump")
	stubs := t.TempDir()                                               // sh cannot name a function supervise-daemon
	for _, helper := range []string{"supervise-daemon", "checkpath"} { // openrc-run's, not on PATH outside it
		if err := os.WriteFile(filepath.Join(stubs, helper), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := `ebegin() { :; }; eend() { return "$1"; }; . "$1"; start`
	cmd := exec.Command("sh", "-c", script, "sh", filepath.Join(root, "etc/init.d", s.Name))
	cmd.Env = append(os.Environ(), dumpEnv+"="+out, "PATH="+stubs+":"+os.Getenv("PATH"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openrc script: %v: %s", err, b)
	}
	argv, env := readDump(t, out)
	prefix := []string{s.Binary, "start", "--classic", "--pidfile", install.PIDFile(s.Name)}
	if s.Wrapped() {
		prefix = append(prefix, "--chdir", "/", "--umask", install.HardenedUmask, "--no-new-privs")
		return afterDashes(t, argv, append(prefix, classicFlags(s, install.OpenRCLog(s.Name))...)), env
	}
	if s.LogFile == "" {
		prefix = append(prefix, "--log", install.OpenRCLog(s.Name))
	}
	prefix = append(prefix, "--chdir", "/", "--umask", install.HardenedUmask, "--no-new-privs")
	if len(argv) < len(prefix) || !slices.Equal(argv[:len(prefix)], prefix) {
		t.Fatalf("the script ran %q; want the prefix %q", argv, prefix)
	}
	return append([]string{s.Binary, "run"}, argv[len(prefix):]...), env
}

func TestConformanceLaunchd(t *testing.T) {
	t.Parallel()
	installtest.Run(t, installtest.Harness{
		Target:    install.Launchd{Home: "/Users/alice", UID: 501},
		Binary:    testBinary(t),
		Exec:      launchdExec,
		UserScope: true,
	})
}

// launchdExec decodes the plist (and, where plistutil is installed, its
// binary-format conversion, which must decode to the same job).
func launchdExec(t *testing.T, root string, s install.Spec) ([]string, map[string]string) {
	path := filepath.Join(root, "Library/LaunchDaemons", s.Name+".plist")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	job, err := launchd.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if bin := plistutilConvert(t, path, "bin"); bin != nil {
		again, err := launchd.Decode(bin)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again.ProgramArguments, job.ProgramArguments) || again.EnvironmentVariables["V"] != job.EnvironmentVariables["V"] {
			t.Errorf("plistutil's binary conversion decodes differently: %q vs %q", again.ProgramArguments, job.ProgramArguments)
		}
	}
	return job.ProgramArguments, job.EnvironmentVariables
}

// plistutilConvert converts the plist at path to format (bin or xml) with
// libplist's plistutil, or returns nil if it is not installed.
func plistutilConvert(t *testing.T, path, format string) []byte {
	t.Helper()
	if _, err := exec.LookPath("plistutil"); err != nil {
		return nil
	}
	out := filepath.Join(t.TempDir(), "converted")
	cmd := exec.Command("plistutil", "-i", path, "-o", out, "-f", format)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("plistutil -i %s: %v: %s", path, err, stderr.Bytes())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
