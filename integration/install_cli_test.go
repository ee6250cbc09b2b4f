package integration

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// svcRun runs the built svc binary on the host and returns its exit code
// and combined output.
func svcRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	return combined(t, exec.Command(svcBin, args...))
}

// combined runs cmd and returns its exit code and combined output; a
// command that could not run at all fails the test.
func combined(t *testing.T, cmd *exec.Cmd) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("%q: %v", cmd.Args, err)
	return 0, ""
}

// treeFiles lists the files and links under root, relative, with modes.
func treeFiles(t *testing.T, root string) map[string]fs.FileMode {
	t.Helper()
	got := map[string]fs.FileMode{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, _ := os.Lstat(p)
		got[strings.TrimPrefix(p, root)] = fi.Mode()
		return nil
	})
	return got
}

// TestInstallRootStaging: --root writes every file under the staging dir
// with its mode and runs no command (a packager's postinst enables it);
// uninstall --root removes it all again.
func TestInstallRootStaging(t *testing.T) {
	for _, tc := range []struct {
		init string
		want map[string]fs.FileMode
	}{
		{"systemd", map[string]fs.FileMode{"/etc/systemd/system/web.service": 0o644}},
		{"openrc", map[string]fs.FileMode{"/etc/init.d/web": 0o755}},
		{"launchd", map[string]fs.FileMode{"/Library/LaunchDaemons/web.plist": 0o644}},
	} {
		t.Run(tc.init, func(t *testing.T) {
			root := t.TempDir()
			code, out := svcRun(t, "install", "--init", tc.init, "--root", root, "--name", "web",
				"--binary", svcBin, "--", "--listen", "127.0.0.1:8080")
			if code != 0 {
				t.Fatalf("install --root: exit %d: %s", code, out)
			}
			got := treeFiles(t, root)
			if len(got) != len(tc.want) {
				t.Errorf("staged %v, want %v", got, tc.want)
			}
			for p, m := range tc.want {
				if got[p] != m {
					t.Errorf("%s: mode %v, want %v", p, got[p], m)
				}
			}
			if code, out := svcRun(t, "uninstall", "--root", root, "--name", "web"); code != 0 {
				t.Fatalf("uninstall --root: exit %d: %s", code, out)
			}
			if left := treeFiles(t, root); len(left) > 0 {
				t.Errorf("uninstall --root left %v", left)
			}
		})
	}
	if code, out := svcRun(t, "install", "--root", t.TempDir()); code == 0 || !strings.Contains(out, "--init") {
		t.Errorf("--root without --init: exit %d: %s", code, out)
	}
}

// TestInstallRefusesBadNames: a bad name is refused with a clear error and
// nothing is written.
func TestInstallRefusesBadNames(t *testing.T) {
	for _, name := range []string{"", "a b", "a/b", "-x", "a\x01b", "a\nb", "a\tb"} {
		root := t.TempDir()
		code, out := svcRun(t, "install", "--init", "systemd", "--root", root, "--name", name)
		if code == 0 || !strings.Contains(out, "name") {
			t.Errorf("name %q: exit %d: %s", name, code, out)
		}
		if got := treeFiles(t, root); len(got) > 0 {
			t.Errorf("name %q: wrote %v", name, got)
		}
		if code, _ := svcRun(t, "uninstall", "--init", "systemd", "--root", root, "--name", name); code == 0 {
			t.Errorf("uninstall name %q succeeded", name)
		}
	}
}

// TestInstallDryRun prints the plan and changes nothing; for launchd it
// shows the launchctl commands on any OS.
func TestInstallDryRun(t *testing.T) {
	code, out := svcRun(t, "install", "--dry-run", "--init", "launchd", "--name", "web", "--binary", svcBin,
		"--", "--listen", "127.0.0.1:8080", "--shutdown-delay", "1s", "--listen", `/var/log/a b/%h $HOME "q".log`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{
		"# write /Library/LaunchDaemons/web.plist (mode 0644",
		"<string>/var/log/a b/%h $HOME &#34;q&#34;.log</string>",
		"launchctl enable system/web\n",
		"launchctl bootstrap system /Library/LaunchDaemons/web.plist",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	code, out = svcRun(t, "install", "--dry-run", "--init", "sysv", "--name", "web", "--binary", svcBin,
		"--", "--listen", `/var/log/a b/%h $HOME "q".log`)
	if code != 0 || !strings.Contains(out, `'/var/log/a b/%h $HOME "q".log'`) {
		t.Errorf("sysv dry run: exit %d:\n%s", code, out)
	}
	if _, err := os.Stat("/etc/init.d/web"); err == nil {
		t.Error("--dry-run wrote /etc/init.d/web")
	}
}

// TestDetectExplainInit: svc detect --explain lists the init markers.
func TestDetectExplainInit(t *testing.T) {
	code, out := svcRun(t, "detect", "--explain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"init: ", "/run/systemd/system", "/run/openrc/softlevel", "/proc/1/comm"} {
		if !strings.Contains(out, want) {
			t.Errorf("detect --explain lacks %q:\n%s", want, out)
		}
	}
}

// TestInstallHardenFlags: --harden and each opt-out reach the unit, a
// --log among the run arguments becomes LogsDirectory=, a --listen port
// below 1024 keeps CAP_NET_BIND_SERVICE alone, the dry run shows the
// exposure score, and bad values are refused with nothing written.
func TestInstallHardenFlags(t *testing.T) {
	base := []string{"install", "--dry-run", "--init", "systemd", "--name", "web", "--binary", svcBin}
	dry := func(args ...string) string {
		t.Helper()
		code, out := svcRun(t, append(slices.Clone(base), args...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, out)
		}
		return out
	}
	out := dry("--", "--listen", "127.0.0.1:8080", "--log", "/var/log/web/a b.log")
	for _, want := range []string{
		"\nDynamicUser=yes\n", "\nLogsDirectory=web\n", "\nCapabilityBoundingSet=\n", "\nProtectSystem=strict\n",
		"\nExecStart=" + svcBin + " run --log \"/var/log/web/a b.log\" --listen 127.0.0.1:8080\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("default dry run lacks %q:\n%s", want, out)
		}
	}
	if _, err := exec.LookPath("systemd-analyze"); err == nil && !strings.Contains(out, "# exposure of web.service (systemd-analyze security): 1.") {
		t.Errorf("dry run shows no exposure score of about 1:\n%s", out)
	}
	out = dry("--harden", "strict", "--writable", "/srv/web data", "--address-family", "AF_NETLINK", "--", "--listen", ":443")
	for _, want := range []string{
		"\nProcSubset=pid\n", "\nIPAddressDeny=any\n", "\nReadWritePaths=\"/srv/web data\"\n",
		"\nRestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK\n",
		"\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n", "\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("strict dry run lacks %q:\n%s", want, out)
		}
	}
	if out := dry("--harden", "off"); strings.Contains(out, "ProtectSystem") || strings.Contains(out, "DynamicUser") {
		t.Errorf("--harden off still confines:\n%s", out)
	}
	for _, bad := range [][]string{
		{"--harden", "medium"},
		{"--cap", "CAP_NET_BIND_SERVICE\nExecStartPre=/bin/sh"},
		{"--cap", "net_admin"},
		{"--address-family", "AF_INET AF_PACKET"},
		{"--writable", "relative/path"},
		{"--writable", `/srv/"q"`},
		{"--harden", "off", "--writable", "/srv"},
		{"--log", "/var/log/web.log"}, // a dynamic user cannot create it
	} {
		root := t.TempDir()
		args := append([]string{"install", "--init", "systemd", "--root", root, "--name", "web", "--binary", svcBin}, bad...)
		code, out := svcRun(t, args...)
		if code == 0 {
			t.Errorf("%q accepted:\n%s", bad, out)
		}
		if got := treeFiles(t, root); len(got) > 0 {
			t.Errorf("%q: wrote %v", bad, got)
		}
		t.Logf("%q: %s", bad, strings.TrimSpace(out))
	}
}

// TestInstallNeedsRoot: a system install or uninstall by a user other
// than root is refused up front, saying what to do, and writes nothing.
func TestInstallNeedsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run svc as nobody")
	}
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "svc")
	b, err := os.ReadFile(svcBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	const name = "svc-nonroot-test"
	for _, args := range [][]string{
		{"install", "--init", "systemd", "--name", name},
		{"install", "--init", "sysv", "--name", name},
		{"uninstall", "--init", "systemd", "--name", name},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		code, out := combined(t, cmd)
		want := "svc " + args[0] + ": a system service needs root (sudo), or pass --user for your own service manager\n"
		if code != 1 || out != want {
			t.Errorf("svc %q as nobody: exit %d, %q; want 1 and %q", args, code, out, want)
		}
	}
	for _, p := range []string{"/etc/systemd/system/" + name + ".service", "/etc/init.d/" + name} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s written", p)
		}
	}
}
