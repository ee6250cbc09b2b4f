package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/install"
	"github.com/svcdev/svc/internal/proctest"
	"github.com/svcdev/svc/internal/systemdtest"
	"github.com/svcdev/svc/systemd"
)

// systemdResult compares `systemctl start` of svc (Type=notify) with a
// Type=simple unit of a trivial binary, inside a real systemd.
type systemdResult struct {
	svc, simple, own series
	// The unit svc install writes, hardened (the default) and with
	// --harden off: what confinement costs at start.
	hardened, bare series
	bus            series // `svc start` of the svc unit: a D-Bus job
	skipped        string
}

func (s *systemdResult) markdown() string {
	if s.skipped != "" {
		return "skipped: " + s.skipped + "\n"
	}
	target := s.simple.median() + s.own.median()
	return "`systemctl start` timed inside the instance (`date +%s%N` around it), units stopped between rounds.\n\n" +
		"| unit | median |\n|---|---:|\n" +
		"| svc, Type=notify (`systemctl start` returns at READY=1) | " + ms(s.svc.median()) + " |\n" +
		"| `sleep infinity`, Type=simple (returns once forked) | " + ms(s.simple.median()) + " |\n" +
		"| svc's own start-up to READY=1, no systemd | " + ms(s.own.median()) + " |\n\n" +
		"svc / (simple + own start-up): **" + ratio(s.svc.median(), target) + "**\n\n" +
		"The unit `svc install` writes, in the same interleaved rounds:\n\n" +
		"| unit | median | min – max |\n|---|---:|---:|\n" +
		"| hardened (the default: DynamicUser, ProtectSystem=strict, seccomp...) | " + ms(s.hardened.median()) + " | " + span(s.hardened) + " |\n" +
		"| `--harden off` | " + ms(s.bare.median()) + " | " + span(s.bare) + " |\n\n" +
		"hardened / off: **" + ratio(s.hardened.median(), s.bare.median()) + "**\n\n" +
		"The same svc unit started by `svc start` (a D-Bus job on the manager's private socket, waited for) instead of `systemctl start`: " +
		ms(s.bus.median()) + ", **" + ratio(s.bus.median(), s.svc.median()) + "** of `systemctl start`.\n"
}

func span(s series) string {
	lo, hi := minMax(s.samples)
	return ms(lo) + " – " + ms(hi)
}

// installedUnits writes the unit svc install renders for the binary at
// bin inside, hardened as bhard.service and with hardening off as
// boff.service. The binary is copied in: a dynamic user cannot reach the
// host's temporary directory.
func installedUnits(t *testing.T, m *systemdtest.Machine, host string) {
	bin, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	const inside = "/usr/local/bin/bsvc"
	if err := m.WriteFile(inside, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, level := range map[string]install.Hardening{"bhard": install.HardenDefault, "boff": install.HardenOff} {
		unit, err := install.SystemdUnit(install.Spec{Name: name, Binary: inside, Args: []string{"--listen", "127.0.0.1:8081"}, Harden: level})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.WriteFile("/etc/systemd/system/"+name+".service", unit, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func benchSystemd(t *testing.T, b bins, rounds int) *systemdResult {
	r := &systemdResult{}
	if os.Getuid() != 0 {
		r.skipped = "needs root to boot systemd"
		return r
	}
	r.own = ownStartup(t, b.svc, rounds)
	ok := t.Run("systemd", func(t *testing.T) {
		m := systemdtest.Boot(t, systemdtest.Bind(filepath.Dir(b.svc)))
		writeUnit(t, m, "bsvc.service", systemd.Service{
			Description: "svc under bench", Type: "notify",
			ExecStart: []string{b.svc, "run", "--listen", "127.0.0.1:8080"},
		})
		writeUnit(t, m, "bsimple.service", systemd.Service{
			Description: "trivial", ExecStart: []string{"/usr/bin/sleep", "infinity"},
		})
		installedUnits(t, m, b.svc)
		ctx := context.Background()
		if _, err := m.Run(ctx, "systemctl", "daemon-reload"); err != nil {
			t.Fatal(err)
		}
		script := fmt.Sprintf(`for i in $(seq %d); do
  order="bsvc bsimple bhard boff"; [ $((i %% 2)) = 0 ] && order="bsvc bsimple boff bhard"
  for u in $order; do
    t0=$(date +%%s%%N); systemctl start $u; t1=$(date +%%s%%N)
    echo "$u $((t1 - t0))"; systemctl stop $u
  done
  t0=$(date +%%s%%N); "$0" start --init systemd --name bsvc; t1=$(date +%%s%%N)
  echo "bus $((t1 - t0))"; systemctl stop bsvc
done`, rounds)
		out, err := m.Run(ctx, "sh", "-c", script, b.svc)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Fields(l)
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[0] {
			case "bsvc":
				r.svc.add(time.Duration(ns))
			case "bsimple":
				r.simple.add(time.Duration(ns))
			case "bus":
				r.bus.add(time.Duration(ns))
			case "bhard":
				r.hardened.add(time.Duration(ns))
			case "boff":
				r.bare.add(time.Duration(ns))
			}
		}
	})
	if !ok || len(r.svc.samples) == 0 {
		r.skipped = "the systemd instance did not run (see the test log)"
	}
	return r
}

func writeUnit(t *testing.T, m *systemdtest.Machine, name string, s systemd.Service) {
	u, err := s.Unit()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := u.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile("/etc/systemd/system/"+name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ownStartup times `svc run` from spawn to its READY=1 on a notify socket
// of ours: svc's start-up with no manager in between.
func ownStartup(t *testing.T, bin string, rounds int) series {
	s := series{name: "svc run to READY=1"}
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 4096)
	for i := 0; i < rounds; i++ {
		cmd := exec.Command(bin, "run", "--listen", proctest.FreeAddr(t))
		cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for {
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatalf("waiting for READY=1: %v", err)
			}
			if strings.Contains("\n"+string(buf[:n])+"\n", "\nREADY=1\n") {
				break
			}
		}
		s.add(time.Since(t0))
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	return s
}
