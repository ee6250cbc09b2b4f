package packaging

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// full is the svc package as it will be once the installer stages a unit
// that runs as a system user with a log directory.
var full = Service{
	Name: "svc", Unit: "svc.service", InitScript: "svc",
	User: "svc", Group: "svc", Gecos: "svc service",
	State: []StatePath{
		{Path: "/var/log/svc", Create: true, Mode: 0o750, Owner: "svc", Group: "adm"},
		{Path: "/run/svc.pid"},
	},
}

func TestScriptsGolden(t *testing.T) {
	deb, err := DebScripts(full)
	if err != nil {
		t.Fatal(err)
	}
	rpm, err := RPMScripts(full)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"deb-postinst": deb.PostInstall, "deb-prerm": deb.PreRemove, "deb-postrm": deb.PostRemove,
		"rpm-pre": rpm.PreInstall, "rpm-post": rpm.PostInstall, "rpm-preun": rpm.PreRemove, "rpm-postun": rpm.PostRemove,
	} {
		golden(t, filepath.Join("testdata", name+".golden"), text)
		checkShell(t, name, text)
	}
	if deb.PreInstall != "" {
		t.Errorf("deb preinst = %q, want none: the user is made in postinst, after adduser is configured", deb.PreInstall)
	}
}

// TestScriptsVariants renders every combination the staging tree can
// produce and holds each to sh -n and shellcheck.
func TestScriptsVariants(t *testing.T) {
	for _, unit := range []string{"", "svc.service"} {
		for _, init := range []string{"", "svc"} {
			for _, user := range []string{"", "svc"} {
				s := Service{Name: "svc", Unit: unit, InitScript: init, User: user, Group: user}
				name := "unit=" + unit + ",init=" + init + ",user=" + user
				deb, err := DebScripts(s)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, text := range []string{deb.PostInstall, deb.PreRemove, deb.PostRemove} {
					checkShell(t, "deb "+name, text)
				}
				rpm, err := RPMScripts(s)
				if unit == "" {
					if err == nil {
						t.Errorf("%s: RPMScripts without a unit succeeded", name)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, text := range []string{rpm.PreInstall, rpm.PostInstall, rpm.PreRemove, rpm.PostRemove} {
					checkShell(t, "rpm "+name, text)
				}
			}
		}
	}
}

func TestScriptsRefuse(t *testing.T) {
	bad := []Service{
		{Name: "svc x"}, {Name: "Svc"}, {Name: "svc;reboot"}, {Name: "s"}, {Name: "-svc"},
		{Name: "svc", Unit: "svc"}, {Name: "svc", Unit: "a b.service"}, {Name: "svc", Unit: `a\x2d.service`},
		{Name: "svc", Unit: "$(reboot).service"}, {Name: "svc", InitScript: "../x"},
		{Name: "svc", InitScript: "a'b"}, {Name: "svc", User: "svc"}, {Name: "svc", User: "a b", Group: "a"},
		{Name: "svc", User: "svc", Group: "svc", Gecos: "a:b"}, {Name: "svc", User: "svc", Group: "svc", Gecos: "a\nb"},
		{Name: "svc", User: "Root", Group: "root"}, {Name: "svc", User: "$x", Group: "x"},
	}
	for _, p := range []string{
		"/", "/var/log", "/var/log/", "/run", "/etc/svc", "/var/log/../etc", "/var/log/./x",
		"/var/log/svc/..", "/var/log/a b", "/var/log/$(x)", "/var/log/'x", "/var/log/x\n/etc", "var/log/x",
		"/var/log//x", "/run/.x", "/var/lib/x/../../../etc",
	} {
		bad = append(bad, Service{Name: "svc", State: []StatePath{{Path: p}}})
	}
	bad = append(bad,
		Service{Name: "svc", State: []StatePath{{Path: "/var/log/svc", Create: true, Mode: 0o750 | os.ModeDir}}},
		Service{Name: "svc", State: []StatePath{{Path: "/var/log/svc", Create: true, Owner: "svc"}}},
	)
	for _, s := range bad {
		if _, err := DebScripts(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("DebScripts(%+v) = %v, want ErrInvalid", s, err)
		}
		if _, err := RPMScripts(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("RPMScripts(%+v) = %v, want ErrInvalid", s, err)
		}
	}
}

// TestShQuote runs each quoted value through a real sh and reads it back.
func TestShQuote(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{
		"", "plain", "a b", "it's", `"q"`, "$HOME", "`id`", "a\nb", "%s", `back\slash`, "\xff\xfe", "*", "-n",
	} {
		out, err := exec.Command(sh, "-c", "printf %s "+shQuote(s)).Output()
		if err != nil {
			t.Errorf("sh -c printf %s: %v", shQuote(s), err)
			continue
		}
		if string(out) != s {
			t.Errorf("shQuote(%q) read back as %q", s, out)
		}
	}
}

// checkShell holds a rendered script to sh -n and, where installed,
// shellcheck (CI installs it: .ci/deps).
func checkShell(t *testing.T, name, text string) {
	t.Helper()
	if !strings.HasPrefix(text, "#!/bin/sh\n") || !strings.Contains(text, "\nset -e\n") {
		t.Errorf("%s: want #!/bin/sh and set -e:\n%s", name, text)
	}
	f := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(f, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sh", "-n", f).CombinedOutput(); err != nil {
		t.Errorf("%s: sh -n: %v\n%s\n%s", name, err, out, text)
	}
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Logf("shellcheck not installed; %s checked with sh -n only", name)
		return
	}
	if out, err := exec.Command(sc, "-s", "sh", f).CombinedOutput(); err != nil {
		t.Errorf("%s: shellcheck: %v\n%s", name, err, out)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
