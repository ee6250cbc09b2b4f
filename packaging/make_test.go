package packaging

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcdev/svc/install"
)

// apiSpec is the Spec InstallArgs stand for, for the unit (the SysV
// script's adds LogFile: apiSysV), and apiSystemd the target: the unit in
// the package's directory. The description is the svc program's
// (cmd/svc), install's default.
var (
	apiSpec = install.Spec{Name: "svc", Description: "svc reference HTTP service", Binary: "/usr/bin/svc", User: "svc", Group: "svc",
		Documentation: []string{"man:svc(1)"}}
	apiSystemd = install.Systemd{UnitDir: "/lib/systemd/system"}
)

func apiSysV() install.Spec {
	s := apiSpec
	s.LogFile = SysVLog
	return s
}

// apiStage stages with install's targets and Apply (Root set: files only,
// no commands): the renderers `svc install --root` runs, without the CLI.
func apiStage() func(context.Context, string, string) error {
	return func(ctx context.Context, _, root string) error {
		for _, t := range []install.Target{apiSystemd, install.SysV{}} {
			spec := apiSpec
			if t.Name() == "sysv" {
				spec = apiSysV()
			}
			p, err := t.Plan(spec)
			if err != nil {
				return err
			}
			if _, err := install.Apply(ctx, p, install.ApplyOptions{Root: root}); err != nil {
				return err
			}
		}
		return nil
	}
}

// built is one Make run shared by the tests that inspect its output.
type built struct{ deb, rpm string }

var (
	apiBuildOnce sync.Once
	apiBuild     built
	apiBuildErr  error
	apiBuildDir  string
)

// apiPackages builds the packages once (go build is the slow part) into
// a directory removed by TestMain.
func apiPackages(t *testing.T) built {
	t.Helper()
	apiBuildOnce.Do(func() {
		apiBuildDir, apiBuildErr = os.MkdirTemp("", "packaging-test-")
		if apiBuildErr == nil {
			apiBuild, apiBuildErr = makePackages(apiBuildDir, apiStage())
		}
	})
	if apiBuildErr != nil {
		t.Fatal(apiBuildErr)
	}
	return apiBuild
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if apiBuildDir != "" {
		os.RemoveAll(apiBuildDir)
	}
	os.Exit(code)
}

func makePackages(out string, stage func(context.Context, string, string) error) (built, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	paths, err := Make(ctx, Options{Dir: "..", Out: out, Stage: stage})
	if err != nil {
		return built{}, err
	}
	var b built
	for _, p := range paths {
		switch filepath.Ext(p) {
		case ".deb":
			b.deb = p
		case ".rpm":
			b.rpm = p
		}
	}
	if b.deb == "" || b.rpm == "" {
		return b, fmt.Errorf("Make wrote %v, want a .deb and a .rpm", paths)
	}
	return b, nil
}

func TestMakeDeb(t *testing.T) {
	need(t, "dpkg-deb")
	b := apiPackages(t)
	if got := filepath.Base(b.deb); !strings.HasPrefix(got, "svc_0.1.0-1_") {
		t.Errorf("deb file name %s, want svc_0.1.0-1_ARCH.deb (the changelog's version)", got)
	}
	fields := run(t, "dpkg-deb", "-f", b.deb, "Package", "Version", "Depends", "Pre-Depends", "Section", "Maintainer")
	for _, want := range []string{"Package: svc\n", "Version: 0.1.0-1\n", "adduser", "libc6 (>= 2.", "Pre-Depends: init-system-helpers (>= 1.54~)"} {
		if !strings.Contains(fields, want) {
			t.Errorf("control fields lack %q:\n%s", want, fields)
		}
	}
	listing := run(t, "dpkg-deb", "-c", b.deb)
	for _, want := range []string{
		"./usr/bin/svc", "./lib/systemd/system/svc.service", "./etc/init.d/svc",
		"./usr/share/man/man1/svc.1.gz", "./usr/share/doc/svc/copyright", "./usr/share/doc/svc/changelog.Debian.gz",
	} {
		if !strings.Contains(listing, want+"\n") {
			t.Errorf("deb lacks %s:\n%s", want, listing)
		}
	}
	for _, bad := range []string{"/etc/rc", ".wants", "/etc/systemd/system/svc.service", "preset"} {
		if strings.Contains(listing, bad) {
			t.Errorf("deb ships %s (enablement is postinst's job):\n%s", bad, listing)
		}
	}

	x := t.TempDir()
	run(t, "dpkg-deb", "-R", b.deb, x)
	wantUnit, err := install.SystemdUnit(apiSpec)
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, filepath.Join(x, "lib/systemd/system/svc.service"), string(wantUnit))
	wantScript, err := install.SysVScript(apiSysV())
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, filepath.Join(x, "etc/init.d/svc"), string(wantScript))
	sameFile(t, filepath.Join(x, "DEBIAN/conffiles"), "/etc/init.d/svc\n")
	wantSvc := Service{Name: "svc", Unit: "svc.service", InitScript: "svc", User: "svc", Group: "svc",
		Gecos: "svc service", State: []StatePath{
			{Path: install.PIDFile("svc")},
			{Path: "/var/log/svc", Create: true, Mode: 0o750, Owner: "svc", Group: "adm"},
		}}
	sc, err := DebScripts(wantSvc)
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, filepath.Join(x, "DEBIAN/postinst"), sc.PostInstall)
	sameFile(t, filepath.Join(x, "DEBIAN/prerm"), sc.PreRemove)
	sameFile(t, filepath.Join(x, "DEBIAN/postrm"), sc.PostRemove)
	if v := run(t, filepath.Join(x, "usr/bin/svc"), "version"); !strings.HasPrefix(v, "svc 0.1.0 ") {
		t.Errorf("packaged svc version = %q, want the changelog's 0.1.0", v)
	}
	man := run(t, "sh", "-c", `gzip -dc "$1"`, "sh", filepath.Join(x, "usr/share/man/man1/svc.1.gz"))
	for _, want := range []string{".B \"run\"", `\-listen`, ".B \"install\"", "EXIT STATUS"} {
		if !strings.Contains(man, want) {
			t.Errorf("man page lacks %q (it comes from svc help):\n%s", want, man)
		}
	}

	lintian(t, b.deb)
}

// lintian fails the test on any error or warning tag and logs the rest.
func lintian(t *testing.T, deb string) {
	t.Helper()
	l, err := exec.LookPath("lintian")
	if err != nil {
		t.Log("lintian not installed (apt-get install lintian); the deb was not linted")
		return
	}
	cmd := exec.Command(l, "--tag-display-limit", "0", "--display-info", deb)
	out, err := cmd.CombinedOutput()
	var errs []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "E: ") || strings.HasPrefix(line, "W: ") {
			errs = append(errs, line)
		}
	}
	t.Logf("lintian %s:\n%s", filepath.Base(deb), out)
	if len(errs) > 0 || err != nil {
		t.Errorf("lintian: %v, errors and warnings:\n%s", err, strings.Join(errs, "\n"))
	}
	// The packaged unit is svc install's, hardened by default.
	if strings.Contains(string(out), "systemd-service-file-missing-hardening-features") {
		t.Error("lintian: the packaged unit has no hardening")
	}
}

func TestMakeRPM(t *testing.T) {
	need(t, "rpm")
	b := apiPackages(t)
	if got := run(t, "rpm", "-qp", "--qf", "%{NAME} %{VERSION}-%{RELEASE}", b.rpm); got != "svc 0.1.0-1" {
		t.Errorf("rpm NVR = %q, want svc 0.1.0-1", got)
	}
	list := strings.Split(strings.TrimSpace(run(t, "rpm", "-qpl", b.rpm)), "\n")
	for _, want := range []string{
		"/usr/bin/svc", "/usr/lib/systemd/system/svc.service", "/usr/lib/systemd/system-preset/90-svc.preset",
		"/usr/share/man/man1/svc.1.gz", "/usr/share/licenses/svc/copyright",
	} {
		if !slices.Contains(list, want) {
			t.Errorf("rpm lacks %s: %v", want, list)
		}
	}
	if docs := run(t, "rpm", "-qpd", b.rpm); strings.TrimSpace(docs) != "/usr/share/man/man1/svc.1.gz" {
		t.Errorf("rpm %%doc files = %q, want the man page", docs)
	}
	if lic := run(t, "rpm", "-qp", "--licensefiles", b.rpm); strings.TrimSpace(lic) != "/usr/share/licenses/svc/copyright" {
		t.Errorf("rpm %%license files = %q, want the copyright", lic)
	}
	for _, f := range list {
		if strings.HasPrefix(f, "/etc/init.d") || strings.HasPrefix(f, "/lib/") {
			t.Errorf("rpm ships %s (rpm distributions: unit in %%{_unitdir}, no init script)", f)
		}
	}
	scripts := run(t, "rpm", "-qp", "--scripts", b.rpm)
	t.Logf("rpm -qp --scripts:\n%s", scripts)
	for _, want := range []string{
		"preinstall scriptlet", "useradd -r -g svc", "postinstall scriptlet",
		"systemctl --no-reload preset svc.service", "preuninstall scriptlet",
		"systemctl --no-reload disable --now svc.service", "postuninstall scriptlet",
		"systemctl try-restart svc.service", "rm -rf /run/svc.pid", "rm -rf /var/log/svc",
		"install -d -m 0750 -o svc -g adm /var/log/svc",
	} {
		if !strings.Contains(scripts, want) {
			t.Errorf("rpm scripts lack %q", want)
		}
	}
	if req := run(t, "rpm", "-qpR", b.rpm); !strings.Contains(req, "shadow-utils") || !strings.Contains(req, "glibc >= 2.") {
		t.Errorf("rpm requires:\n%s\nwant shadow-utils (useradd in %%pre) and glibc >= (cgo)", req)
	}
	if cl := run(t, "rpm", "-qp", "--changelog", b.rpm); !strings.Contains(cl, "0.1.0-1") {
		t.Errorf("rpm changelog lacks 0.1.0-1:\n%s", cl)
	}
	if cfg := run(t, "rpm", "-qpc", b.rpm); strings.TrimSpace(cfg) != "" {
		t.Errorf("rpm config files = %q, want none", cfg)
	}
	if sum := run(t, "rpm", "-qp", "--qf", "%{SUMMARY}", b.rpm); sum == "" || strings.ToUpper(sum[:1]) != sum[:1] {
		t.Errorf("rpm summary %q: want it capitalised", sum)
	}
	rpmlint(t, b.rpm)
}

// rpmlint fails the test on any error but no-signature (the packages are
// signed at release, not here), and logs the rest.
//
// rpmlint unpacks the payload with `rpm2cpio | cpio -id`, and cpio
// writes absolute member names where they say: as root, into the host's
// /usr (nfpm before 2.48 wrote them so). So the payload is checked for
// relative names first, and rpmlint never runs on an rpm that has one.
func rpmlint(t *testing.T, rpm string) {
	t.Helper()
	need(t, "rpm2cpio")
	need(t, "cpio")
	names := run(t, "sh", "-c", `rpm2cpio "$1" | cpio -t --quiet`, "sh", rpm)
	for _, n := range strings.Split(strings.TrimSpace(names), "\n") {
		if !strings.HasPrefix(n, "./") {
			t.Fatalf("rpm payload member %q is not relative: cpio would write it outside any directory", n)
		}
	}
	l, err := exec.LookPath("rpmlint")
	if err != nil {
		t.Log("rpmlint not installed (apt-get install rpmlint); the rpm was not linted")
		return
	}
	cmd := exec.Command(l, rpm)
	cmd.Dir = t.TempDir()
	out, _ := cmd.CombinedOutput() // exits non-zero on no-signature alone
	t.Logf("rpmlint %s:\n%s", filepath.Base(rpm), out)
	var errs []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, ": E: ") && !strings.Contains(line, ": E: no-signature") {
			errs = append(errs, line)
		}
	}
	if len(errs) > 0 {
		t.Errorf("rpmlint errors:\n%s", strings.Join(errs, "\n"))
	}
}

func need(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed (CI installs it: .ci/deps)", tool)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func sameFile(t *testing.T, name, want string) {
	t.Helper()
	got, err := os.ReadFile(name)
	if err != nil {
		t.Error(err)
		return
	}
	if string(got) != want {
		t.Errorf("%s:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestMakeWithInstaller runs Make as `make package` does, staging with the
// built svc's own `svc install --root`, and finds in the deb exactly what
// install's renderers make of the Spec InstallArgs stand for.
func TestMakeWithInstaller(t *testing.T) {
	need(t, "dpkg-deb")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	paths, err := Make(ctx, Options{Dir: "..", Out: t.TempDir(), Formats: []Format{Deb}})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 {
		t.Fatalf("Make wrote %v, want one deb", paths)
	}
	x := t.TempDir()
	run(t, "dpkg-deb", "-R", paths[0], x)
	unit, err := install.SystemdUnit(apiSpec)
	if err != nil {
		t.Fatal(err)
	}
	script, err := install.SysVScript(apiSysV())
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, filepath.Join(x, "lib/systemd/system/svc.service"), string(unit))
	sameFile(t, filepath.Join(x, "etc/init.d/svc"), string(script))
	if _, err := os.Stat(filepath.Join(x, "etc/systemd")); err == nil {
		t.Errorf("deb ships /etc/systemd: the unit belongs in /lib/systemd/system")
	}
}
