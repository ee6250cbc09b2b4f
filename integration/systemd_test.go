package integration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/systemd"
)

// TestNotifyServiceLifecycle drives one Type=notify svc unit through start,
// status, reload, its journal and stop, under a real systemd.
func TestNotifyServiceLifecycle(t *testing.T) {
	t.Parallel()
	const unit, addr = "svc-life.service", "127.0.0.1:8081"
	m := bootWithSvc(t)
	svc := svcService("--listen", addr)
	svc.ReloadSignal = "HUP" // Type=notify: ExecReload=/bin/kill -s HUP $MAINPID (252 has no notify-reload)
	m.installUnit(unit, svc)
	// Enabled, as an installed service is: multi-user.target then refers
	// to it, so systemd keeps it loaded after stop and `show` reports the
	// last run's Result and exit status instead of a fresh unit's.
	m.run("systemctl", "enable", unit)

	var pid int
	ok := t.Run("start blocks until ready", func(t *testing.T) {
		m := m.with(t)
		m.run("systemctl", "start", unit)
		// No retry: systemctl returned, so READY=1 came, and svc sends it
		// only once it listens.
		if body, err := m.get("http://" + addr + "/healthz"); err != nil || body != "ok" {
			t.Fatalf("GET /healthz right after systemctl start: %q, %v", body, err)
		}
		p := m.props(unit, "ActiveState", "SubState", "Type", "MainPID")
		if p["ActiveState"] != "active" || p["SubState"] != "running" || p["Type"] != "notify" {
			t.Errorf("after start: %s", describe(p))
		}
		st := m.state(addr)
		if strconv.Itoa(st.PID) != p["MainPID"] {
			t.Errorf("MainPID=%s, but the daemon answering is pid %d", p["MainPID"], st.PID)
		}
		if st.Mode != "systemd" || !st.Ready {
			t.Errorf("svc says mode %q, ready %v; want systemd, true", st.Mode, st.Ready)
		}
		pid = st.PID
	})
	if !ok {
		t.FailNow()
	}
	// From now on the manager logs each sd_notify datagram it gets. Not
	// before start: at debug level the child systemd forks logs before it
	// execs svc, and journald, which caches sender metadata by pid, then
	// files svc's first records under init.scope instead of the unit.
	m.run("systemctl", "log-level", "debug")

	t.Run("status text", func(t *testing.T) {
		m := m.with(t)
		want := "serving on " + addr
		if got := m.show(unit, "StatusText"); got != want {
			t.Errorf("StatusText = %q, want %q", got, want)
		}
		if out := m.run("systemctl", "status", "--no-pager", "--full", unit); !strings.Contains(out, `Status: "`+want+`"`) {
			t.Errorf("systemctl status lacks Status: %q:\n%s", want, out)
		}
	})

	t.Run("reload", func(t *testing.T) {
		m := m.with(t)
		before := m.state(addr).Reloads
		m.run("systemctl", "reload", unit) // completes: exit 0
		// 252 finishes a Type=notify reload when ExecReload's kill exits,
		// maybe before svc handled SIGHUP: wait for svc to count it.
		m.waitFor("reloaded once", 30*time.Second, func() (bool, string) {
			s := m.state(addr)
			return s.Reloads == before+1, "reloads " + strconv.FormatInt(s.Reloads, 10)
		})
		m.waitFor("seen RELOADING=1, then READY=1", 30*time.Second, func() (bool, string) {
			n := m.notifications(unit, pid)
			i := slices.IndexFunc(n, func(d string) bool { return slices.Contains(strings.Split(d, ", "), "RELOADING=1") })
			return i >= 0 && slices.ContainsFunc(n[i+1:], func(d string) bool { return slices.Contains(strings.Split(d, ", "), "READY=1") }),
				fmt.Sprintf("the manager logged from pid %d: %q", pid, n)
		})
		p := m.props(unit, "ActiveState", "SubState", "MainPID")
		if p["ActiveState"] != "active" || p["SubState"] != "running" || p["MainPID"] != strconv.Itoa(pid) {
			t.Errorf("after reload: %s (want active running, MainPID %d)", describe(p), pid)
		}
	})

	t.Run("journal", func(t *testing.T) {
		m := m.with(t)
		var ready journalEntry
		m.waitFor("in the journal", 30*time.Second, func() (bool, string) {
			for _, e := range m.journal(unit) {
				if e["_PID"] == strconv.Itoa(pid) && e["MESSAGE"] == "ready" {
					ready = e
					return true, ""
				}
			}
			return false, fmt.Sprintf("no record MESSAGE=ready from pid %d; the unit's other records: %s", pid, m.serviceRecords(unit))
		})
		// Native protocol (the slog journald handler), not a stderr line:
		// the level is PRIORITY, attributes are fields.
		if ready["PRIORITY"] != "6" || ready["_TRANSPORT"] != "journal" || ready["ADDR"] != addr {
			t.Errorf("record of svc's ready line: PRIORITY=%q _TRANSPORT=%q ADDR=%q; want 6, journal, %s",
				ready["PRIORITY"], ready["_TRANSPORT"], ready["ADDR"], addr)
		}
		for _, e := range m.journal(unit) {
			if e["_PID"] == strconv.Itoa(pid) && e["PRIORITY"] == "" {
				t.Errorf("record without PRIORITY: %q", e["MESSAGE"])
			}
		}
	})

	t.Run("stop", func(t *testing.T) {
		m := m.with(t)
		m.run("systemctl", "stop", unit)
		p := m.props(unit, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus")
		// ExecMainCode 1 is CLD_EXITED: svc exited (0), it was not killed.
		if p["ActiveState"] != "inactive" || p["Result"] != "success" || p["ExecMainCode"] != "1" || p["ExecMainStatus"] != "0" {
			t.Errorf("after stop: %s; want inactive, success, exited 0", describe(p))
		}
		m.waitFor("seen exit status 0", 30*time.Second, func() (bool, string) {
			var msgs []string
			for _, e := range m.journal(unit) {
				if e["_PID"] == "1" && strings.Contains(e["MESSAGE"], "Main process exited") {
					msgs = append(msgs, e["MESSAGE"])
				}
			}
			return slices.ContainsFunc(msgs, func(s string) bool { return strings.Contains(s, "code=exited, status=0/SUCCESS") }),
				fmt.Sprintf("the manager logged %q", msgs)
		})
		m.waitFor("logged stopped", 30*time.Second, func() (bool, string) {
			var msgs []string
			for _, e := range m.journal(unit) {
				if e["_PID"] == strconv.Itoa(pid) {
					msgs = append(msgs, e["MESSAGE"])
				}
			}
			return slices.Contains(msgs, "stopping") && slices.Contains(msgs, "stopped"), "svc logged " + strings.Join(msgs, " | ")
		})
		m.waitFor("seen STOPPING=1", 30*time.Second, func() (bool, string) { return m.hasNotification(unit, pid, "STOPPING=1") })
	})
}

// TestNotifyStartWaitsForReady is the control for "start blocks until
// READY": the same unit with svc forced to foreground mode, which never
// sends READY=1, does not start; systemctl start fails at TimeoutStartSec.
func TestNotifyStartWaitsForReady(t *testing.T) {
	t.Parallel()
	const unit, addr = "svc-noready.service", "127.0.0.1:8084"
	m := bootWithSvc(t)
	svc := svcService("--listen", addr, "--mode", "foreground")
	svc.TimeoutStartSec = 2 * time.Second
	svc.Restart = "no"
	m.installUnit(unit, svc)
	if out, err := m.try("systemctl", "start", unit); err == nil {
		t.Fatalf("systemctl start of a service that never says READY=1 succeeded: %s", out)
	}
	if p := m.props(unit, "ActiveState", "Result"); p["Result"] != "timeout" || p["ActiveState"] != "failed" {
		t.Errorf("after start: %s; want failed, timeout", describe(p))
	}
}

// TestWatchdog: with WatchdogSec=, svc pings by itself and stays up for
// several intervals; when it stops pinging (SIGSTOP), systemd's watchdog
// kills it and Restart=on-watchdog starts a new one.
func TestWatchdog(t *testing.T) {
	t.Parallel()
	const unit, addr = "svc-wd.service", "127.0.0.1:8085"
	const wd = 2 * time.Second
	m := bootWithSvc(t)
	svc := svcService("--listen", addr)
	svc.WatchdogSec = wd
	svc.Restart = "on-watchdog" // only a watchdog timeout restarts it
	svc.TimeoutStopSec = 5 * time.Second
	m.installUnit(unit, svc)
	m.run("systemctl", "start", unit)
	if got := m.show(unit, "WatchdogUSec"); got != "2s" {
		t.Fatalf("WatchdogUSec = %q, want 2s", got)
	}
	pid := m.mainPID(unit)

	// Sample the time of the last ping over three intervals: it must keep
	// moving, and nothing may restart.
	pings := map[string]bool{}
	for range 3 * int(wd/time.Second) {
		pings[m.show(unit, "WatchdogTimestampMonotonic")] = true
		time.Sleep(time.Second)
	}
	p := m.props(unit, "ActiveState", "NRestarts", "MainPID")
	if p["ActiveState"] != "active" || p["NRestarts"] != "0" || p["MainPID"] != strconv.Itoa(pid) {
		t.Fatalf("after %v of WatchdogSec=%v: %s; want active, no restart, MainPID %d", 3*wd, wd, describe(p), pid)
	}
	if len(pings) < 3 {
		t.Fatalf("WatchdogTimestampMonotonic took %d values over %v; svc does not ping every WatchdogSec/2", len(pings), 3*wd)
	}

	m.run("kill", "-STOP", strconv.Itoa(pid)) // alive, but pings no more
	m.waitFor("restarted by the watchdog", 60*time.Second, func() (bool, string) {
		p := m.props(unit, "ActiveState", "NRestarts", "MainPID")
		return p["NRestarts"] == "1" && p["ActiveState"] == "active" && p["MainPID"] != strconv.Itoa(pid) && p["MainPID"] != "0",
			describe(p)
	})
	if st := m.state(addr); st.PID == pid || !st.Ready {
		t.Errorf("after the restart svc answers as pid %d (ready %v); the old one was %d", st.PID, st.Ready, pid)
	}
	found := false
	for _, e := range m.journal(unit) {
		found = found || strings.Contains(e["MESSAGE"], "Watchdog timeout")
	}
	if !found {
		t.Error(`no "Watchdog timeout" in the unit's journal`)
	}
}

// TestSocketActivation: the .socket unit owns the port; the first
// connection starts svc, which serves on the inherited socket (it never
// binds its own --listen address).
func TestSocketActivation(t *testing.T) {
	t.Parallel()
	const socketAddr, ownAddr = "127.0.0.1:8082", "127.0.0.1:8083"
	m := bootWithSvc(t)
	m.installUnit("svc-sock.socket", systemd.Socket{
		Description:        "svc under test, activation socket",
		ListenStream:       []string{socketAddr},
		FileDescriptorName: "http",
	})
	m.installUnit("svc-sock.service", svcService("--listen", ownAddr))
	m.run("systemctl", "start", "svc-sock.socket")
	if got := m.show("svc-sock.service", "ActiveState"); got != "inactive" {
		t.Fatalf("before any connection svc-sock.service is %s, want inactive", got)
	}

	if body, err := m.get("http://" + socketAddr + "/healthz"); err != nil || body != "ok" {
		t.Fatalf("first GET /healthz on the activation socket: %q, %v", body, err)
	}
	p := m.props("svc-sock.service", "ActiveState", "MainPID", "StatusText")
	st := m.state(socketAddr)
	if p["ActiveState"] != "active" || p["MainPID"] != strconv.Itoa(st.PID) {
		t.Errorf("after the first connection: %s; the daemon answering is pid %d", describe(p), st.PID)
	}
	if want := "serving on " + socketAddr; p["StatusText"] != want {
		t.Errorf("StatusText = %q, want %q", p["StatusText"], want)
	}
	if body, err := m.get("http://" + ownAddr + "/healthz"); err == nil {
		t.Errorf("svc also bound its --listen address %s (%q): it ignored the socket it was handed", ownAddr, body)
	}
}

// TestStartFailureReported: a service that cannot start tells systemd why
// (STATUS=, ERRNO=), and its error reaches the journal at error priority.
func TestStartFailureReported(t *testing.T) {
	t.Parallel()
	const unit = "svc-fail.service"
	m := bootWithSvc(t)
	svc := svcService("--listen", "192.0.2.1:80") // TEST-NET-1: not an address of the instance
	svc.Restart = "no"
	m.installUnit(unit, svc)
	if _, err := m.try("systemctl", "start", unit); err == nil {
		t.Fatal("systemctl start succeeded; svc cannot bind 192.0.2.1:80")
	}
	p := m.props(unit, "ActiveState", "Result", "StatusText", "StatusErrno", "ExecMainStatus")
	if p["ActiveState"] != "failed" || p["Result"] != "exit-code" || p["ExecMainStatus"] == "0" {
		t.Errorf("after the failed start: %s; want failed, exit-code", describe(p))
	}
	if !strings.Contains(p["StatusText"], "cannot assign requested address") || p["StatusErrno"] != "99" {
		t.Errorf("StatusText=%q StatusErrno=%q; want the bind error and EADDRNOTAVAIL (99)", p["StatusText"], p["StatusErrno"])
	}
	m.waitFor("in the journal at priority err or worse", 30*time.Second, func() (bool, string) {
		var seen []string
		for _, e := range m.journal(unit) {
			if e["_PID"] == "" || e["_PID"] == "1" || !strings.Contains(e["MESSAGE"], "cannot assign requested address") {
				continue
			}
			if prio, err := strconv.Atoi(e["PRIORITY"]); err == nil && prio <= 3 {
				return true, ""
			}
			seen = append(seen, "PRIORITY="+e["PRIORITY"]+" "+e["MESSAGE"])
		}
		return false, "svc's records of the error: " + strings.Join(seen, " | ")
	})
}
