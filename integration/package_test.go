package integration

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/systemdtest"
	"github.com/svcdev/svc/packaging"
)

// pkgAddr is where the packaged svc serves: its default, in the
// instance's own network namespace.
const pkgAddr = "127.0.0.1:8080"

// TestPackageDeb builds the deb as `make package` does and installs,
// upgrades and purges it in real instances, once under systemd and once
// as a host without systemd.
func TestPackageDeb(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: dpkg -i inside a real systemd (internal/systemdtest)")
	}
	for _, tool := range []string{"dpkg", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s on the host (the instance uses the host's /usr): run .ci/deps", tool)
		}
	}
	dir := t.TempDir()
	deb := buildDeb(t, dir)
	t.Run("systemd", func(t *testing.T) { testDebSystemd(t, bootWithDeb(t, dir), deb) })
	t.Run("sysv", func(t *testing.T) { testDebSysV(t, bootWithDeb(t, dir), deb) })
}

// testDebSystemd: dpkg -i leaves svc enabled, active and serving;
// systemctl restart and /etc/init.d/svc status work; dpkg -i of the same
// package (the upgrade path) restarts it and keeps it serving; dpkg
// --purge leaves no unit, link, init script, state or process.
func testDebSystemd(t *testing.T, m *machine, deb string) {

	t.Log(m.run("dpkg", "-i", deb))
	m.checkServing("after dpkg -i")
	if got := m.show("svc.service", "FragmentPath"); got != "/lib/systemd/system/svc.service" {
		t.Errorf("svc.service loaded from %q, want the package's /lib/systemd/system/svc.service", got)
	}
	m.checkRunsAsUnitUser()
	if got := m.run("stat", "-c", "%U:%G %a", "/var/log/svc"); got != "svc:adm 750" {
		t.Errorf("/var/log/svc (postinst's, for the SysV script's --log) is %q, want svc:adm 750", got)
	}

	pid := m.mainPID("svc.service")
	m.run("systemctl", "restart", "svc")
	m.checkServing("after systemctl restart")
	if after := m.mainPID("svc.service"); after == pid {
		t.Errorf("systemctl restart: MainPID still %d", pid)
	}
	if out, err := m.try("/etc/init.d/svc", "status"); err != nil {
		t.Errorf("/etc/init.d/svc status: %v\n%s", err, out)
	} else if !strings.Contains(out, "active (running)") {
		t.Errorf("/etc/init.d/svc status says:\n%s", out)
	}

	pid = m.mainPID("svc.service")
	t.Log(m.run("dpkg", "-i", deb))
	m.checkServing("after dpkg -i of the same package (upgrade)")
	if after := m.mainPID("svc.service"); after == pid {
		t.Errorf("upgrade: MainPID still %d, want a restart by postinst", pid)
	}

	t.Log(m.run("dpkg", "--purge", "svc"))
	m.checkPurged()
}

// bootWithDeb boots an instance that sees dir, where the deb is.
func bootWithDeb(t *testing.T, dir string) *machine {
	t.Helper()
	m := &machine{Machine: systemdtest.Boot(t, systemdtest.BindReadOnly(dir), hideHostServices(t)), t: t}
	// Container images ship a policy-rc.d that forbids every start (exit
	// 101), and deb-systemd-invoke and invoke-rc.d rightly obey it. A
	// booted machine has none; the instance's copy goes (its root is an
	// overlay: the host's file stays).
	m.run("rm", "-f", "/usr/sbin/policy-rc.d")
	return m
}

// buildDeb runs `make package`'s code (packaging.Make: go build, svc
// install --root, nfpm) into dir and returns the deb.
func buildDeb(t *testing.T, dir string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	paths, err := packaging.Make(ctx, packaging.Options{Dir: "..", Out: dir, Formats: []packaging.Format{packaging.Deb}})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || filepath.Ext(paths[0]) != ".deb" {
		t.Fatalf("packaging.Make wrote %v, want one .deb", paths)
	}
	return paths[0]
}

// checkServing fails the test unless svc.service is enabled, active and
// answers /healthz.
func (m *machine) checkServing(when string) {
	m.t.Helper()
	if got, _ := m.try("systemctl", "is-enabled", "svc.service"); got != "enabled" {
		m.t.Errorf("%s: svc.service is-enabled = %q", when, got)
	}
	p := m.props("svc.service", "ActiveState", "SubState", "MainPID", "Result")
	if p["ActiveState"] != "active" {
		m.t.Fatalf("%s: svc.service %s; journal: %s", when, describe(p), m.serviceRecords("svc.service"))
	}
	// Type=notify: active means svc said READY=1, so it serves now.
	if _, err := m.get("http://" + pkgAddr + "/healthz"); err != nil {
		m.t.Fatalf("%s: GET /healthz: %v", when, err)
	}
}

// checkRunsAsUnitUser: the service's process runs as the unit's User=,
// which postinst created; root when the unit names none.
func (m *machine) checkRunsAsUnitUser() {
	m.t.Helper()
	want := m.show("svc.service", "User")
	if want == "" {
		want = "root"
	}
	pid := m.mainPID("svc.service")
	status := m.run("cat", "/proc/"+strconv.Itoa(pid)+"/status")
	uid := ""
	for _, line := range strings.Split(status, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			uid = f[1]
		}
	}
	if got := m.run("id", "-u", want); got != uid {
		m.t.Errorf("svc (pid %d) runs as uid %s, want %s (%s)", pid, uid, want, got)
	}
}

// checkPurged fails the test for anything of svc's left after purge.
func (m *machine) checkPurged() {
	m.t.Helper()
	// Every path the package, its scripts, update-rc.d, deb-systemd-helper
	// or the service could have made.
	left := m.run("sh", "-c", `
		for p in /usr/bin/svc /lib/systemd/system/svc.service /etc/systemd/system/svc.service \
			/etc/systemd/system/*.wants/svc.service /etc/init.d/svc /etc/rc?.d/[SK]??svc \
			/var/lib/systemd/deb-systemd-helper-enabled/svc.service \
			/var/lib/systemd/deb-systemd-helper-enabled/*.wants/svc.service \
			/var/lib/systemd/deb-systemd-helper-masked/svc.service \
			/run/svc.pid /var/log/svc /run/systemd/generator.late/svc.service; do
			if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
		done
		for p in /proc/[0-9]*; do
			case "$(readlink "$p/exe" 2>/dev/null)" in /usr/bin/svc*) echo "process $p";; esac
		done`)
	if left != "" {
		m.t.Errorf("after dpkg --purge svc, still there:\n%s", left)
	}
	if got := m.show("svc.service", "LoadState"); got != "not-found" {
		m.t.Errorf("after purge, svc.service LoadState = %q, want not-found", got)
	}
	if _, err := m.get("http://" + pkgAddr + "/healthz"); err == nil {
		m.t.Errorf("after purge, %s still answers", pkgAddr)
	} else if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) {
		m.t.Errorf("after purge: curl: %v", err)
	}
}

// testDebSysV proves the maintainer scripts' other branch, for a host
// whose init is not systemd: update-rc.d and invoke-rc.d start the LSB
// script, which runs svc start --classic; the same upgrade and purge
// hold. The host is the instance seen from a mount namespace with an
// empty /run/systemd, which is how the scripts, invoke-rc.d and
// /lib/lsb/init-functions tell (they test /run/systemd/system).
func testDebSysV(t *testing.T, m *machine, deb string) {
	ns := m.noSystemd()
	ns.run("dpkg", "-i", deb)
	ns.checkServing("after dpkg -i")
	for _, lv := range []string{"2", "3", "4", "5"} {
		if _, err := ns.try("test", "-L", "/etc/rc"+lv+".d/S01svc"); err != nil {
			t.Errorf("update-rc.d made no /etc/rc%s.d/S01svc", lv)
		}
	}
	pid := ns.run("cat", "/run/svc.pid")
	if uid := ns.run("stat", "-c", "%U", "/proc/"+pid); uid != "svc" {
		t.Errorf("classic daemon (pid %s) runs as %s, want svc", pid, uid)
	}
	if log := ns.run("stat", "-c", "%s", "/var/log/svc/svc.log"); log == "0" {
		t.Errorf("/var/log/svc/svc.log is empty: the daemon's --log is not used")
	}

	ns.run("dpkg", "-i", deb)
	ns.checkServing("after dpkg -i of the same package (upgrade)")
	if after := ns.run("cat", "/run/svc.pid"); after == pid {
		t.Errorf("upgrade: daemon pid still %s, want a restart by postinst (invoke-rc.d restart)", pid)
	}

	ns.run("dpkg", "--purge", "svc")
	if left := ns.run("sh", "-c", `
		for p in /usr/bin/svc /etc/init.d/svc /etc/rc?.d/[SK]??svc /run/svc.pid /var/log/svc \
			/lib/systemd/system/svc.service /etc/systemd/system/*.wants/svc.service; do
			if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
		done
		for p in /proc/[0-9]*; do
			case "$(readlink "$p/exe" 2>/dev/null)" in /usr/bin/svc*) echo "process $p";; esac
		done`); left != "" {
		t.Errorf("after dpkg --purge svc, still there:\n%s", left)
	}
}

// noSystemdNS runs commands in a mount namespace of the instance where
// /run/systemd is an empty tmpfs.
type noSystemdNS struct {
	m   *machine
	pid string // of the process holding the namespace, as the instance sees it
}

func (m *machine) noSystemd() *noSystemdNS {
	m.t.Helper()
	cmd := m.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		"mount -t tmpfs tmpfs /run/systemd && echo $$ && exec sleep 3600")
	out, err := cmd.StdoutPipe()
	if err != nil {
		m.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var pid [32]byte
	n, _ := out.Read(pid[:])
	ns := &noSystemdNS{m: m, pid: strings.TrimSpace(string(pid[:n]))}
	if _, err := strconv.Atoi(ns.pid); err != nil {
		m.t.Fatalf("unshare: no namespace (%q)", ns.pid)
	}
	return ns
}

func (ns *noSystemdNS) try(argv ...string) (string, error) {
	return ns.m.try(append([]string{"nsenter", "-t", ns.pid, "-m", "--"}, argv...)...)
}

func (ns *noSystemdNS) run(argv ...string) string {
	ns.m.t.Helper()
	out, err := ns.try(argv...)
	if err != nil {
		ns.m.t.Fatal(err)
	}
	return out
}

// checkServing: the LSB script says running and svc answers /healthz.
func (ns *noSystemdNS) checkServing(when string) {
	ns.m.t.Helper()
	if out, err := ns.try("/etc/init.d/svc", "status"); err != nil {
		ns.m.t.Fatalf("%s: /etc/init.d/svc status: %v %s", when, err, out)
	}
	if _, err := ns.try("curl", "--silent", "--show-error", "--fail", "--max-time", "10", "http://"+pkgAddr+"/healthz"); err != nil {
		ns.m.t.Fatalf("%s: GET /healthz: %v", when, err)
	}
}
