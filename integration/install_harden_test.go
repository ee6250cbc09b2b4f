//go:build linux

package integration

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maxExposure is the most `systemd-analyze security` may score the unit
// svc install writes by default.
const maxExposure = 1.5

// exposure scores an installed unit as systemd-analyze security does.
func (m *machine) exposure(unit string) float64 {
	m.t.Helper()
	out := m.run("systemd-analyze", "security", "--no-pager", unit)
	_, rest, ok := strings.Cut(out, "Overall exposure level for "+unit+": ")
	if !ok {
		m.t.Fatalf("systemd-analyze security %s: no overall level in:\n%s", unit, out)
	}
	f := strings.Fields(rest)
	score, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		m.t.Fatalf("systemd-analyze security %s: %q: %v", unit, rest, err)
	}
	m.t.Logf("%s: exposure %s", unit, strings.Join(f[:2], " "))
	return score
}

// procStatus returns the fields of /proc/PID/status inside.
func (m *machine) procStatus(pid int) map[string]string {
	m.t.Helper()
	b, err := m.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		m.t.Fatal(err)
	}
	st := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			st[k] = strings.TrimSpace(v)
		}
	}
	return st
}

// checkConfined fails unless unit's main process runs as a non-root user
// with no capabilities, no new privileges and a seccomp filter.
func (m *machine) checkConfined(unit string, capEff string) {
	m.t.Helper()
	pid := m.mainPID(unit)
	st := m.procStatus(pid)
	uid := strings.Fields(st["Uid"])
	if len(uid) == 0 || uid[0] == "0" {
		m.t.Errorf("%s runs as uid %q", unit, st["Uid"])
	}
	want := map[string]string{"NoNewPrivs": "1", "Seccomp": "2", "CapEff": capEff, "CapBnd": capEff}
	for k, v := range want {
		if st[k] != v {
			m.t.Errorf("%s (pid %d): %s = %q, want %q", unit, pid, k, st[k], v)
		}
	}
}

// TestInstallHardenedServes: the unit svc install writes by default scores
// at most maxExposure in the instance's own systemd-analyze, and the
// service still starts with readiness, serves, reloads, logs to --log
// through LogsDirectory=, pings the watchdog, takes an activation socket
// and stops. Each opt-out then raises the score by no more than it gives
// away, and the service still works with it.
func TestInstallHardenedServes(t *testing.T) {
	t.Parallel()
	const name, addr, sockAddr = "hsvc", "127.0.0.1:8191", "127.0.0.1:8192"
	const logFile = "/var/log/hsvc/hsvc.log"
	unit := name + ".service"
	m := bootWithSvc(t)

	m.run(svcPath, "install", "--name", name, "--", "--listen", addr, "--log", logFile)
	def := m.exposure(unit)
	if def > maxExposure {
		t.Errorf("default unit: exposure %.1f, want at most %.1f", def, maxExposure)
	}
	m.run("systemctl", "start", unit)
	if st := m.state(addr); st.Mode != "systemd" || !st.Ready {
		t.Fatalf("GET / = %+v; want mode systemd, ready", st)
	}
	m.checkConfined(unit, "0000000000000000")
	if p := m.props(unit, "DynamicUser", "LogsDirectory"); p["DynamicUser"] != "yes" || p["LogsDirectory"] != name {
		t.Errorf("unit: %s", describe(p))
	}

	t.Run("reload and log", func(t *testing.T) {
		m := m.with(t)
		m.expect(0, nil, svcPath, "reload", "--name", name)
		m.waitFor("reloaded", 30*time.Second, func() (bool, string) {
			st := m.state(addr)
			return st.Reloads == 1, fmt.Sprint(st)
		})
		b, err := m.ReadFile(logFile)
		if err != nil || !strings.Contains(string(b), "msg=ready") {
			t.Errorf("%s: %v\n%s", logFile, err, b)
		}
		// The dynamic user owns it; nobody else may read it (UMask=0077).
		if got := m.run("stat", "-L", "-c", "%a %U", logFile); !strings.HasPrefix(got, "600 ") || strings.HasSuffix(got, " root") {
			t.Errorf("%s: mode and owner %q, want 600 and the service's user", logFile, got)
		}
	})

	t.Run("watchdog", func(t *testing.T) {
		m := m.with(t)
		m.run("mkdir", "-p", "/etc/systemd/system/"+unit+".d")
		if err := m.WriteFile("/etc/systemd/system/"+unit+".d/watchdog.conf", []byte("[Service]\nWatchdogSec=1s\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		m.run("systemctl", "daemon-reload")
		m.run("systemctl", "restart", unit)
		pid := m.mainPID(unit)
		pings := map[string]bool{}
		for range 4 {
			pings[m.show(unit, "WatchdogTimestampMonotonic")] = true
			time.Sleep(time.Second)
		}
		p := m.props(unit, "ActiveState", "NRestarts", "MainPID")
		if p["ActiveState"] != "active" || p["MainPID"] != strconv.Itoa(pid) || len(pings) < 3 {
			t.Errorf("after 4s of WatchdogSec=1s: %s, %d distinct pings; want active, MainPID %d, pings", describe(p), len(pings), pid)
		}
		m.run("rm", "-r", "/etc/systemd/system/"+unit+".d")
		m.run("systemctl", "daemon-reload")
	})

	t.Run("socket activation", func(t *testing.T) {
		m := m.with(t)
		m.run("systemctl", "stop", unit)
		if err := m.WriteFile("/etc/systemd/system/"+name+".socket", []byte("[Socket]\nListenStream="+sockAddr+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		m.run("systemctl", "daemon-reload")
		m.run("systemctl", "start", name+".socket")
		if body, err := m.get("http://" + sockAddr + "/healthz"); err != nil || body != "ok" {
			t.Fatalf("GET /healthz on the activation socket: %q, %v\n%s", body, err, m.serviceRecords(unit))
		}
		m.checkConfined(unit, "0000000000000000")
		m.run("systemctl", "stop", name+".socket", unit)
		m.run("rm", "/etc/systemd/system/"+name+".socket")
		m.run("systemctl", "daemon-reload")
	})

	t.Run("stop", func(t *testing.T) {
		m := m.with(t)
		m.expect(0, nil, svcPath, "start", "--name", name)
		m.state(addr)
		m.expect(0, nil, svcPath, "stop", "--name", name)
		if p := m.props(unit, "ActiveState", "Result"); p["ActiveState"] != "inactive" || p["Result"] != "success" {
			t.Errorf("after stop: %s", describe(p))
		}
	})

	// A privileged port: CAP_NET_BIND_SERVICE alone, for a dynamic user.
	t.Run("opt-out capability", func(t *testing.T) {
		m := m.with(t)
		m.run(svcPath, "install", "--name", name, "--", "--listen", "127.0.0.1:81")
		if got := m.exposure(unit); got-def > 0.4+1e-9 {
			t.Errorf("with CAP_NET_BIND_SERVICE: exposure %.1f, up from %.1f: more than 0.4", got, def)
		}
		m.run("systemctl", "start", unit)
		if st := m.state("127.0.0.1:81"); !st.Ready {
			t.Errorf("GET / on port 81 = %+v", st)
		}
		m.checkConfined(unit, "0000000000000400") // bit 10: CAP_NET_BIND_SERVICE
	})

	t.Run("strict", func(t *testing.T) {
		m := m.with(t)
		m.run(svcPath, "install", "--name", name, "--harden", "strict", "--", "--listen", addr)
		if got := m.exposure(unit); got > def {
			t.Errorf("strict: exposure %.1f, above default's %.1f", got, def)
		}
		m.run("systemctl", "restart", unit)
		if st := m.state(addr); !st.Ready {
			t.Errorf("strict: GET / = %+v", st)
		}
		m.checkConfined(unit, "0000000000000000")
	})

	t.Run("uninstall", func(t *testing.T) {
		m := m.with(t)
		m.run(svcPath, "uninstall", "--name", name)
		if got := m.show(unit, "LoadState"); got != "not-found" {
			t.Errorf("LoadState after uninstall = %q", got)
		}
	})
}

// TestInstallHardenedUserUnit: a --user unit under the manager of an
// unprivileged user (a throwaway account made inside the instance) gets
// what works there without privileges, and still starts and serves:
// no_new_privs and the seccomp filters.
func TestInstallHardenedUserUnit(t *testing.T) {
	t.Parallel()
	const account, addr = "svc-hardened-u", "127.0.0.1:8193"
	m := bootWithSvc(t)
	m.run("useradd", "--create-home", account)
	uid := m.run("id", "-u", account)
	if _, err := m.try("systemctl", "start", "user@"+uid+".service"); err != nil {
		t.Skipf("no systemd --user manager for %s: %v", account, err)
	}
	as := func(argv ...string) string {
		t.Helper()
		return m.run(append([]string{"runuser", "-u", account, "--", "env",
			"XDG_RUNTIME_DIR=/run/user/" + uid, "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/" + uid + "/bus"}, argv...)...)
	}
	as(svcPath, "install", "--user", "--", "--listen", addr)
	as(svcPath, "start", "--user")
	if st := m.state(addr); st.Mode != "systemd" || !st.Ready {
		t.Fatalf("GET / = %+v", st)
	}
	pid, err := strconv.Atoi(as("systemctl", "--user", "show", "-p", "MainPID", "--value", "svc.service"))
	if err != nil {
		t.Fatal(err)
	}
	st := m.procStatus(pid)
	if !strings.HasPrefix(st["Uid"], uid+"\t") || st["NoNewPrivs"] != "1" || st["Seccomp"] != "2" {
		t.Errorf("user service: Uid %q, NoNewPrivs %q, Seccomp %q; want %s, 1, 2", st["Uid"], st["NoNewPrivs"], st["Seccomp"], uid)
	}
	as(svcPath, "uninstall", "--user")
}
