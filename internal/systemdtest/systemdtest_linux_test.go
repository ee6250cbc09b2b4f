package systemdtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustRun(t *testing.T, m *Machine, argv ...string) string {
	t.Helper()
	out, err := m.Run(ctxFor(t), argv...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

func TestBootRealSystemd(t *testing.T) {
	t.Parallel()
	m := Boot(t)
	if got := mustRun(t, m, "cat", "/proc/1/comm"); got != "systemd" {
		t.Errorf("PID 1 inside is %q, want systemd", got)
	}
	if got, _ := m.Run(ctxFor(t), "systemctl", "is-system-running"); !slices.Contains([]string{"running\n", "degraded\n"}, got) {
		t.Errorf("is-system-running = %q", got)
	}
	if got, _ := m.Run(ctxFor(t), "systemd-detect-virt", "--container"); got != "container-other\n" {
		t.Errorf("systemd-detect-virt --container = %q, want container-other", got)
	}
	if got := mustRun(t, m, "ls", "/sys/class/net"); got != "lo" {
		t.Errorf("network interfaces inside: %q, want only lo", got)
	}
	// A transient unit runs through the real manager and journald.
	mustRun(t, m, "systemd-run", "--wait", "--quiet", "--unit=probe", "sh", "-c", "echo hello-from-probe")
	if got := mustRun(t, m, "journalctl", "-u", "probe", "-o", "cat", "--no-pager"); !strings.Contains(got, "hello-from-probe") {
		t.Errorf("journal of probe.service lacks its output:\n%s", got)
	}
}

func TestCommandEnvironment(t *testing.T) {
	t.Parallel()
	m := Boot(t)
	os.Setenv("SYSTEMDTEST_HOST_ONLY", "leak") // the test process's environment must not leak in
	defer os.Unsetenv("SYSTEMDTEST_HOST_ONLY")
	env := mustRun(t, m, "env")
	for _, v := range []string{"SYSTEMDTEST_HOST_ONLY", "NOTIFY_SOCKET", "GOFLAGS"} {
		if strings.Contains(env, v+"=") {
			t.Errorf("%s leaked into the instance:\n%s", v, env)
		}
	}
	if got := mustRun(t, m, "pwd"); got != "/" {
		t.Errorf("working directory inside = %q, want /", got)
	}
	// CAP_SYS_TIME is dropped from the bounding set: bit 25.
	status := mustRun(t, m, "grep", "CapBnd", "/proc/self/status")
	bnd, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(status, "CapBnd:")), 16, 64)
	if err != nil || bnd&(1<<25) != 0 {
		t.Errorf("CapBnd inside = %q: CAP_SYS_TIME not dropped", status)
	}

	out, err := m.Run(ctxFor(t), "sh", "-c", "echo out; echo err >&2; exit 3")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("Run of a failing command: err = %v, want exit status 3", err)
	}
	if out != "out\n" || !strings.Contains(err.Error(), "err") {
		t.Errorf("Run: stdout %q, error %q: want stdout out and stderr in the error", out, err)
	}
}

func TestWriteFileStaysInside(t *testing.T) {
	t.Parallel()
	m := Boot(t)
	name := "/etc/systemdtest-probe/deep/x.conf"
	data := []byte("a = 1\nb = $x %n\n")
	if err := m.WriteFile(name, data, 0o640); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, m, "cat", name); got+"\n" != string(data) {
		t.Errorf("inside, %s = %q, want %q", name, got, data)
	}
	if got := mustRun(t, m, "stat", "-c", "%a", name); got != "640" {
		t.Errorf("mode inside = %s, want 640", got)
	}
	if _, err := os.Stat("/etc/systemdtest-probe"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the write reached the host: stat /etc/systemdtest-probe: %v", err)
	}

	// An absolute symlink inside leads to the instance's file, not the
	// host's (which does not exist, so a host-side write would fail).
	dir := "/run/systemdtest-target-" + strconv.Itoa(os.Getpid())
	mustRun(t, m, "mkdir", dir)
	mustRun(t, m, "ln", "-s", dir, "/etc/systemdtest-link")
	if err := m.WriteFile("/etc/systemdtest-link/f", []byte("through the link"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, m, "cat", dir+"/f"); got != "through the link" {
		t.Errorf("inside, %s/f = %q", dir, got)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the write followed the link on the host: stat %s: %v", dir, err)
	}
	got, err := m.ReadFile("/etc/systemdtest-link/f")
	if err != nil || string(got) != "through the link" {
		t.Errorf("ReadFile through the link = %q, %v", got, err)
	}
	if err := m.WriteFile("relative/x", nil, 0o644); err == nil {
		t.Error("WriteFile accepted a relative path")
	}
}

// TestBindSurvivesBoot proves that binding a subdirectory of /tmp is safe:
// the instance's boot runs systemd-tmpfiles --remove over its /tmp, and the
// host files in the bound directory survive it and the teardown.
func TestBindSurvivesBoot(t *testing.T) {
	t.Parallel()
	rw, ro := t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(rw, "before"), filepath.Join(ro, "before")} {
		if err := os.WriteFile(f, []byte("host"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := Boot(t, Bind(rw), BindReadOnly(ro))
	if got := mustRun(t, m, "cat", filepath.Join(rw, "before"), filepath.Join(ro, "before")); got != "hosthost" {
		t.Errorf("bound files inside = %q", got)
	}
	mustRun(t, m, "touch", filepath.Join(rw, "inside"))
	if _, err := m.Run(ctxFor(t), "touch", filepath.Join(ro, "inside")); err == nil {
		t.Error("wrote into a read-only bind")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(rw, "before"), filepath.Join(rw, "inside"), filepath.Join(ro, "before")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("after the instance: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(ro, "inside")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only bind was written: %v", err)
	}
}

func TestResolveBindRefusesSystemDirs(t *testing.T) {
	for _, p := range []string{"/", "/tmp", "/var/tmp", "/home", "/root", "/srv", "/etc", "/etc/systemd",
		"/usr/lib", "/var", "/var/lib/x", "/run/user", "/proc/1", "/sys/fs", "/dev/shm", "/lib/x", "/tmp/../etc/x"} {
		if !isSystemDir(p) {
			t.Errorf("isSystemDir(%q) = false, want true", p)
		}
	}
	for _, p := range []string{"/tmp/x", "/tmp/TestX/001", "/var/tmp/x", "/home/u/project", "/work/main"} {
		if isSystemDir(p) {
			t.Errorf("isSystemDir(%q) = true, want false", p)
		}
	}
	link := filepath.Join(t.TempDir(), "etc")
	if err := os.Symlink("/etc", link); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveBind(link); err == nil {
		t.Errorf("resolveBind(%s -> /etc) succeeded", link)
	}
	if _, err := resolveBind("relative"); err == nil {
		t.Error("resolveBind accepted a relative path")
	}
	dir := t.TempDir()
	if got, err := resolveBind(dir); err != nil || got != dir {
		t.Errorf("resolveBind(%s) = %q, %v", dir, got, err)
	}
}

func TestTwoInstancesAreIsolated(t *testing.T) {
	t.Parallel()
	a, b := Boot(t), Boot(t)
	mustRun(t, a, "systemd-run", "--quiet", "--unit=only-in-a", "sleep", "infinity")
	if err := a.WriteFile("/etc/only-in-a", []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, a, "systemctl", "is-active", "only-in-a"); got != "active" {
		t.Errorf("in a: only-in-a is %q", got)
	}
	if got, _ := b.Run(ctxFor(t), "systemctl", "is-active", "only-in-a"); strings.TrimSpace(got) != "inactive" {
		t.Errorf("in b: only-in-a is %q, want inactive", got)
	}
	if _, err := b.ReadFile("/etc/only-in-a"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("b sees a's file: %v", err)
	}
	if nsOf(t, a.PID(), "pid") == nsOf(t, b.PID(), "pid") {
		t.Error("a and b share a PID namespace")
	}
}

func TestParallelBoots(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := Boot(t)
			if err := m.WriteFile("/etc/name", []byte(name), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := mustRun(t, m, "cat", "/etc/name"); got != name {
				t.Errorf("/etc/name = %q, want %q", got, name)
			}
		})
	}
}

func nsOf(t *testing.T, pid int, ns string) string {
	t.Helper()
	s, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHide: a hidden host file and directory are gone inside the instance
// and untouched on the host; paths outside the overlay, or reached through
// an absolute link, are refused.
func TestHide(t *testing.T) {
	t.Parallel()
	const file, dir = "/etc/debian_version", "/usr/share/doc/coreutils"
	for _, p := range []string{file, dir} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("the host lacks %s, which this test hides", p)
		}
	}
	m := Boot(t, Hide(file, dir, "/etc/systemdtest-not-there"))
	for _, p := range []string{file, dir} {
		if _, err := m.Run(ctxFor(t), "test", "!", "-e", p); err != nil {
			t.Errorf("%s is still visible inside: %v", p, err)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("hiding removed the host's %s: %v", p, err)
		}
	}
	mustRun(t, m, "test", "-e", "/etc/os-release") // the rest is there

	refused := []string{"relative", "/etc/../x", "/", "/etc", "/tmp/x", "/run/x", "/var/tmp/x", "/var/run/x",
		"/dev/null", "/proc/1", "/home/x"}
	// Debian's alternatives are absolute links in /etc.
	alts, _ := os.ReadDir("/etc/alternatives")
	for _, a := range alts {
		if target, err := os.Readlink("/etc/alternatives/" + a.Name()); err == nil && filepath.IsAbs(target) {
			refused = append(refused, "/etc/alternatives/"+a.Name()+"/x")
			break
		}
	}
	for _, p := range refused {
		if err := checkHide(p); err == nil {
			t.Errorf("checkHide(%q) accepted it", p)
		}
	}
	for _, p := range []string{"/etc/systemd/system/x.service", "/lib/systemd/system/x.service", "/usr/lib/x", "/etc/init.d/x"} {
		if err := checkHide(p); err != nil {
			t.Errorf("checkHide(%q): %v", p, err)
		}
	}
}
