//go:build linux

package integration

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The echod tests install examples/echod, a program of its own on
// package cli, with its own name and its own --addr flag, and drive it
// through each init system as an operator would: the verbs are echod's,
// and the proof that it serves is a line echoed back over TCP.

// echodPath is where bootWithEchod puts echod inside the instance.
const echodPath = "/usr/local/bin/echod"

// echoLine is what the tests send: blanks, quotes, $ and % come back as
// sent.
const echoLine = `hello  "echod" $HOME %h`

// bootWithEchod boots an instance with svc and echod installed.
func bootWithEchod(t *testing.T) *machine {
	t.Helper()
	m := bootWithSvc(t)
	bin, err := os.ReadFile(echodBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(echodPath, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return m
}

// echo sends echoLine to addr from inside the instance (bash's /dev/tcp)
// and fails the test unless the same line comes back.
func (m *machine) echo(addr string) {
	m.t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	got, err := m.try("bash", "-c", `exec 3<>"/dev/tcp/$0/$1" && printf '%s\n' "$2" >&3 && IFS= read -r -t 10 got <&3 && printf '%s' "$got"`,
		host, port, echoLine)
	if err != nil || got != echoLine {
		m.t.Fatalf("echo via %s: got %q, %v; want %q", addr, got, err, echoLine)
	}
}

// noEcho fails the test if anything still accepts on addr.
func (m *machine) noEcho(addr string) {
	m.t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	if _, err := m.try("bash", "-c", `exec 3<>"/dev/tcp/$0/$1"`, host, port); err == nil {
		m.t.Errorf("%s still accepts connections", addr)
	}
}

// TestEchodSystemd: `echod install -- --addr A` writes echod.service
// (Type=notify) that runs echod's own binary with its own flag byte for
// byte; systemctl start returns with echod ready and echoing; systemctl
// reload reaches echod's Reload; `echod status` answers through systemd;
// uninstall leaves no file, link or failed unit, and says nothing about
// one.
func TestEchodSystemd(t *testing.T) {
	t.Parallel()
	const addr = "127.0.0.1:7101"
	m := bootWithEchod(t)
	before := m.etcTree()

	out := m.run(echodPath, "install", "--", "--addr", addr)
	if !strings.Contains(out, "/etc/systemd/system/echod.service") {
		t.Fatalf("echod install did not write echod.service: %s", out)
	}
	m.run("systemctl", "start", "echod")
	if p := m.props("echod.service", "ActiveState", "Type", "Description"); p["ActiveState"] != "active" || p["Type"] != "notify" ||
		p["Description"] != "TCP echo service: each line comes back" {
		t.Fatalf("after systemctl start: %s", describe(p))
	}
	m.echo(addr)
	pid := m.mainPID("echod.service")
	if got, want := m.cmdline(pid), []string{echodPath, "run", "--addr", addr}; !slices.Equal(got, want) {
		t.Errorf("cmdline = %q, want %q", got, want)
	}
	if out := m.expect(0, nil, echodPath, "status"); !strings.Contains(out, "echod: running") {
		t.Errorf("echod status: %q", out)
	}

	m.run("systemctl", "reload", "echod")
	m.waitFor("echod's Reload in the journal", 30*time.Second, func() (bool, string) {
		recs := m.serviceRecords("echod.service")
		return strings.Contains(recs, "reloaded"), recs
	})
	if m.mainPID("echod.service") != pid {
		t.Error("reload replaced the process")
	}
	m.echo(addr)

	m.run("systemctl", "stop", "echod")
	m.noEcho(addr)
	if out := m.expect(3, nil, echodPath, "status"); !strings.Contains(out, "stopped") {
		t.Errorf("echod status after stop: %q", out)
	}
	m.expect(0, nil, echodPath, "start")
	m.echo(addr)

	out = m.expect(0, nil, echodPath, "uninstall")
	if strings.Contains(out, "Failed") {
		t.Errorf("uninstall printed a failure: %s", out)
	}
	m.noEcho(addr)
	if got := m.show("echod.service", "LoadState"); got != "not-found" {
		t.Errorf("LoadState after uninstall = %q", got)
	}
	if added, removed := diffTrees(before, m.etcTree()); len(added)+len(removed) > 0 {
		t.Errorf("install+uninstall changed /etc: added %q, removed %q", added, removed)
	}

	// A unit that failed is reset by uninstall: nothing of it is left
	// loaded, and still nothing is printed about it.
	m.run(echodPath, "install", "--restart", "no", "--", "--addr", addr)
	m.run("systemctl", "start", "echod")
	m.run("systemctl", "kill", "--signal", "KILL", "echod")
	m.waitFor("echod failed", 30*time.Second, func() (bool, string) {
		st := m.show("echod.service", "ActiveState")
		return st == "failed", st
	})
	if out := m.expect(0, nil, echodPath, "uninstall"); strings.Contains(out, "Failed") {
		t.Errorf("uninstall of a failed unit printed a failure: %s", out)
	}
	if p := m.props("echod.service", "LoadState", "ActiveState"); p["LoadState"] != "not-found" || p["ActiveState"] != "inactive" {
		t.Errorf("after uninstalling the failed unit: %s; want not-found, inactive (reset-failed)", describe(p))
	}
}

// TestEchodSysV: the LSB script runs `echod start --classic --pidfile P
// --chdir / --addr A` (the contract plus echod's own flag), directly and
// through the unit systemd-sysv-generator makes of it.
func TestEchodSysV(t *testing.T) {
	t.Parallel()
	const name, addr = "echodv", "127.0.0.1:7102"
	script := "/etc/init.d/" + name
	m := bootWithEchod(t)
	before := m.etcTree()
	m.run(echodPath, "install", "--init", "sysv", "--name", name, "--", "--addr", addr)
	skip := []string{"SYSTEMCTL_SKIP_REDIRECT=1", "_SYSTEMCTL_SKIP_REDIRECT=1"}

	t.Run("direct", func(t *testing.T) {
		m := m.with(t)
		m.expect(3, skip, script, "status")
		m.expect(0, skip, script, "start")
		m.echo(addr)
		pid, err := strconv.Atoi(m.run("cat", "/run/"+name+".pid"))
		if err != nil {
			t.Fatal(err)
		}
		// --umask 077 --no-new-privs: the hardened default (svc install --harden).
		want := []string{echodPath, "start", "--classic", "--pidfile", "/run/" + name + ".pid", "--chdir", "/", "--umask", "077", "--no-new-privs", "--addr", addr}
		if got := m.cmdline(pid); !slices.Equal(got, want) {
			t.Errorf("the daemon's cmdline = %q, want %q", got, want)
		}
		m.expect(0, skip, script, "status")
		m.expect(0, skip, script, "reload")
		m.expect(0, skip, script, "restart")
		m.echo(addr)
		m.expect(0, skip, script, "stop")
		m.noEcho(addr)
		m.expect(3, skip, script, "status")
	})

	t.Run("generator unit", func(t *testing.T) {
		m := m.with(t)
		if src := m.show(name+".service", "SourcePath"); src != script {
			t.Fatalf("SourcePath = %q; want the generator's unit from %s", src, script)
		}
		m.run("systemctl", "start", name+".service")
		m.echo(addr)
		if out := m.expect(0, nil, echodPath, "status", "--name", name); !strings.Contains(out, "running") {
			t.Errorf("echod status --name %s: %s", name, out)
		}
		m.expect(0, nil, echodPath, "stop", "--name", name)
		m.noEcho(addr)
		m.expect(3, nil, echodPath, "status", "--name", name)
	})

	t.Run("uninstall leaves nothing", func(t *testing.T) {
		m := m.with(t)
		m.expect(0, skip, script, "start")
		if out := m.expect(0, nil, echodPath, "uninstall", "--name", name); strings.Contains(out, "Failed") {
			t.Errorf("uninstall printed a failure: %s", out)
		}
		m.noEcho(addr)
		added, removed := diffTrees(before, m.etcTree())
		added, removed = notInsserv(added, name), notInsserv(removed, name)
		if len(added)+len(removed) > 0 {
			t.Errorf("install+uninstall changed /etc: added %q, removed %q", added, removed)
		}
	})
}

// TestEchodOpenRC: echod installed for the real openrc-run, started,
// reloaded and stopped with echod's own verbs.
func TestEchodOpenRC(t *testing.T) {
	ns := bootOpenRC(t)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	const name = "echod-orc"
	ns.prog(0, echodBin, "install", "--name", name, "--", "--addr", addr)
	if out := ns.run("head", "-1", "/etc/init.d/"+name); out != "#!/sbin/openrc-run" {
		t.Fatalf("auto-detected init wrote %q, not an openrc-run script", out)
	}
	ns.prog(0, echodBin, "start", "--name", name)
	waitFor(t, "echoing", func() (bool, string) { return echoes(addr) })
	pid := ns.servicePID(t, name)
	// The script starts it classically (rc-service start returns once
	// it is ready): the daemon's argv is that start's.
	want := strings.Join([]string{echodBin, "start", "--classic", "--pidfile", "/run/" + name + ".pid",
		"--log", "/var/log/" + name + ".log", "--chdir", "/", "--umask", "077", "--no-new-privs", "--addr", addr}, "\x00") + "\x00"
	if got := ns.run("cat", fmt.Sprintf("/proc/%d/cmdline", pid)); got != want {
		t.Errorf("the service's argv = %q, want %q", got, want)
	}
	if out := ns.prog(0, echodBin, "status", "--name", name); !strings.Contains(out, "running") {
		t.Errorf("echod status = %q", out)
	}
	ns.prog(0, echodBin, "reload", "--name", name)
	if ok, why := echoes(addr); !ok {
		t.Errorf("after reload: %s", why)
	}
	ns.prog(0, echodBin, "stop", "--name", name)
	ns.prog(3, echodBin, "status", "--name", name)
	if ok, _ := echoes(addr); ok {
		t.Error("echod still echoes after stop")
	}
	ns.prog(0, echodBin, "uninstall", "--name", name)
	if _, err := ns.try("test", "-e", "/etc/init.d/"+name); err == nil {
		t.Error("uninstall left the script")
	}
}

// echoes reports whether a line sent to addr comes back.
func echoes(addr string) (bool, string) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return false, err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "%s\n", echoLine)
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != echoLine+"\n" {
		return false, fmt.Sprintf("got %q, %v", got, err)
	}
	return true, ""
}

// TestEchodContract: echod refuses to install a --binary that does not
// speak the init contract, names the way to wrap it, and writes nothing;
// svc's own binary speaks it.
func TestEchodContract(t *testing.T) {
	root := t.TempDir()
	for _, bin := range []string{"/usr/bin/python3", "/bin/sh", "/bin/true", filepath.Join(root, "missing")} {
		if _, err := os.Stat(bin); err != nil && !strings.Contains(bin, "missing") {
			continue
		}
		code, out := combined(t, exec.Command(echodBin, "install", "--init", "systemd", "--root", root, "--binary", bin))
		if code == 0 || !strings.Contains(out, "does not speak the init contract") || !strings.Contains(out, "svc install --exec "+bin) {
			t.Errorf("install --binary %s: exit %d:\n%s", bin, code, out)
		}
		if got := treeFiles(t, root); len(got) > 0 {
			t.Errorf("install --binary %s wrote %v", bin, got)
		}
	}
	code, out := combined(t, exec.Command(echodBin, "install", "--init", "systemd", "--dry-run", "--binary", svcBin, "--", "--listen", ":1"))
	if code != 0 || !strings.Contains(out, "ExecStart="+svcBin+" run --listen :1") {
		t.Errorf("install --binary svc: exit %d:\n%s", code, out)
	}
	code, out = combined(t, exec.Command(echodBin, "install", "--init", "systemd", "--dry-run", "--", "--listen", ":1"))
	if code == 0 || !strings.Contains(out, "-listen") {
		t.Errorf("echod install -- --listen (svc's flag, not echod's): exit %d:\n%s", code, out)
	}
}
