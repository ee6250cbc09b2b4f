package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/svcdev/svc/systemd"
)

// TestForkingNotOurChild: a Type=forking unit with PIDFile= over `svc
// start --classic` (what systemd-sysv-generator makes of the LSB script)
// must not make systemd log "Supervising process N which is not our
// child": the launcher exits only after the middle process is reaped, so
// the daemon has been re-parented when systemd reads the pidfile. 50
// starts each, for the cgo build (the C launcher) and the pure-Go one.
func TestForkingNotOurChild(t *testing.T) {
	t.Parallel()
	pure := filepath.Join(t.TempDir(), "svc-purego")
	build := exec.Command("go", "build", "-o", pure, "github.com/svcdev/svc/cmd/svc")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	m := bootWithSvc(t)
	b, err := os.ReadFile(pure)
	if err != nil {
		t.Fatal(err)
	}
	const purePath = "/usr/local/bin/svc-purego"
	if err := m.WriteFile(purePath, b, 0o755); err != nil {
		t.Fatal(err)
	}
	const starts = 50
	for i, bin := range []string{svcPath, purePath} {
		unit := "svc-forking-" + strconv.Itoa(i) + ".service"
		pidfile := "/run/svc-forking-" + strconv.Itoa(i) + ".pid"
		addr := "127.0.0.1:" + strconv.Itoa(8093+i)
		m.installUnit(unit, systemd.Service{
			Description: "svc classic under Type=forking",
			Type:        "forking",
			PIDFile:     pidfile,
			ExecStart:   []string{bin, "start", "--classic", "--pidfile", pidfile, "--listen", addr},
			ExecStop:    []string{bin, "stop", "--classic", "--pidfile", pidfile},
		})
		for n := range starts {
			m.run("systemctl", "start", unit)
			if p := m.props(unit, "ActiveState", "MainPID"); p["ActiveState"] != "active" || p["MainPID"] == "0" {
				t.Fatalf("%s, start %d: %s", bin, n+1, describe(p))
			}
			m.run("systemctl", "stop", unit)
		}
		journal := m.run("journalctl", "--no-pager", "-o", "cat", "-u", unit)
		if n := strings.Count(journal, "which is not our child"); n != 0 {
			t.Errorf("%s: %d of %d starts logged \"not our child\":\n%s", bin, n, starts, journal)
		}
		if n := strings.Count(journal, "Started "); n < starts {
			t.Errorf("%s: the journal shows %d starts of %d; did it keep them all?\n%s", bin, n, starts, journal)
		}
	}
}
