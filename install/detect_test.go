package install_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcdev/svc/install"
)

// fakeRoot makes a root directory holding the given markers (a path ending
// in "/" is a directory; "proc/1/comm" gets its content after "=").
func fakeRoot(t *testing.T, markers ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, m := range markers {
		path, content, _ := strings.Cut(m, "=")
		p := filepath.Join(root, path)
		if strings.HasSuffix(path, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestDetectInit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		goos    string
		markers []string
		want    string
	}{
		{"systemd booted", "linux", []string{"run/systemd/system/", "proc/1/comm=systemd\n"}, "systemd"},
		{"systemd marker only", "linux", []string{"run/systemd/system/"}, "systemd"},
		{"systemd dir is a file", "linux", []string{"run/systemd/system=x"}, ""},
		{"openrc booted", "linux", []string{"run/openrc/softlevel=default", "proc/1/comm=init\n", "etc/init.d/"}, "openrc"},
		{"openrc state but not booted", "linux", []string{"run/openrc/deptree=x"}, ""},
		{"openrc-init", "linux", []string{"proc/1/comm=openrc-init\n"}, "openrc"},
		{"sysvinit", "linux", []string{"proc/1/comm=init\n", "etc/init.d/"}, "sysv"},
		{"init without init.d", "linux", []string{"proc/1/comm=init\n"}, ""},
		{"container", "linux", []string{"proc/1/comm=bash\n"}, ""},
		{"darwin", "darwin", nil, "launchd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := install.DetectInit(fakeRoot(t, tc.markers...), tc.goos)
			if d.Init != tc.want {
				t.Errorf("Init = %q, want %q\n%s", d.Init, tc.want, d.Explain())
			}
			if len(d.Evidence) != 4 {
				t.Errorf("evidence: %v", d.Evidence)
			}
		})
	}
}

func TestHostInstalled(t *testing.T) {
	s := install.Spec{Name: "svc", Binary: "/usr/bin/svc"}
	h := install.Host{Home: "/home/alice"}
	for _, name := range install.Targets() {
		t.Run(name, func(t *testing.T) {
			h.Root = t.TempDir()
			if got := h.Installed(s); got != nil {
				t.Fatalf("Installed on an empty root = %s", got.Name())
			}
			tg, err := h.NewTarget(name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := tg.Plan(s)
			if err != nil {
				t.Fatal(err)
			}
			apply(t, h.Root, p)
			got := h.Installed(s)
			if got == nil || got.Name() != name {
				t.Errorf("Installed = %v, want %s", got, name)
			}
		})
	}
}
