package integration

// Shared helpers of the integration tests (any file of this package may use
// them):
//
//   - bootWithSvc(t) boots a real, throwaway systemd (internal/systemdtest:
//     skips unless root, systemd, cgroup2 and overlayfs are there) and
//     installs the svc binary TestMain built at svcPath inside it.
//   - machine wraps systemdtest.Machine with test-fatal conveniences: run,
//     try, show, props, mainPID, installUnit, get, state, journal,
//     serviceRecords, notifications, hasNotification, waitFor; with(t)
//     rebinds it to a subtest.
//   - svcService returns the Type=notify unit model for `svc run ARGS`.
//
// The instance's network namespace holds only its own lo, so fixed port
// numbers cannot collide with anything: each test picks its own constants,
// and every HTTP request runs inside the instance (curl).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/systemdtest"
	"github.com/svcdev/svc/systemd"
)

// svcPath is where bootWithSvc installs svc inside the instance.
const svcPath = "/usr/local/bin/svc"

// cmdTimeout bounds each command run inside.
const cmdTimeout = 2 * time.Minute

// machine is a booted instance bound to the test that owns it.
type machine struct {
	*systemdtest.Machine
	t *testing.T
}

// bootWithSvc boots an instance and copies svc into it at svcPath. It
// skips the test if curl is missing: the tests reach svc over HTTP from
// inside the instance.
func bootWithSvc(t *testing.T, opts ...systemdtest.Option) *machine {
	t.Helper()
	opts = append(opts, hideHostServices(t))
	m := &machine{Machine: systemdtest.Boot(t, opts...), t: t}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on the host (the instance uses the host's /usr): apt-get install curl, or run .ci/deps")
	}
	bin, err := os.ReadFile(svcBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(svcPath, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return m
}

// testServices are the service names the tests install inside an
// instance: "svc" on purpose (the default), so a host that installed svc
// (its .deb, or by hand) has units, scripts and links of the same names.
var testServices = []string{"svc", "svcv"}

// hideHostServices hides, inside the instance, whatever the host has
// installed under the names of testServices: otherwise
// `uninstall leaves nothing` sees the host's svc.service and fails.
func hideHostServices(t *testing.T) systemdtest.Option {
	t.Helper()
	var paths []string
	for _, n := range testServices {
		for _, p := range []string{
			"/etc/systemd/system/" + n + ".service", "/usr/lib/systemd/system/" + n + ".service",
			"/lib/systemd/system/" + n + ".service", "/etc/systemd/user/" + n + ".service",
			"/usr/lib/systemd/user/" + n + ".service", "/usr/lib/systemd/system-preset/90-" + n + ".preset",
			"/etc/init.d/" + n,
		} {
			if _, err := os.Lstat(p); err == nil {
				paths = append(paths, p)
			}
		}
		rc, _ := filepath.Glob("/etc/rc[0-6S].d/[SK][0-9][0-9]" + n)
		paths = append(paths, rc...)
	}
	if len(paths) > 0 {
		t.Logf("hiding the host's %q inside the instance", paths)
	}
	return systemdtest.Hide(paths...)
}

// with returns m bound to t (a subtest), so its helpers fail t.
func (m *machine) with(t *testing.T) *machine { return &machine{Machine: m.Machine, t: t} }

// svcService is the unit model for `svc run ARGS` as a Type=notify
// service; tests adjust the fields they exercise.
func svcService(args ...string) systemd.Service {
	return systemd.Service{
		Description: "svc under test",
		Type:        "notify",
		ExecStart:   append([]string{svcPath, "run"}, args...),
	}
}

// try runs argv inside and returns its trimmed standard output and error.
func (m *machine) try(argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(m.t.Context(), cmdTimeout)
	defer cancel()
	out, err := m.Run(ctx, argv...)
	return strings.TrimSpace(out), err
}

// run is try that fails the test on error.
func (m *machine) run(argv ...string) string {
	m.t.Helper()
	out, err := m.try(argv...)
	if err != nil {
		m.t.Fatal(err)
	}
	return out
}

// show returns one property of unit: systemctl show -p PROP --value UNIT.
func (m *machine) show(unit, prop string) string {
	m.t.Helper()
	return m.run("systemctl", "show", "-p", prop, "--value", unit)
}

// installUnit renders r (a systemd.Service, systemd.Socket...) with the
// project's renderer, writes it to /etc/systemd/system/NAME inside and
// reloads systemd.
func (m *machine) installUnit(name string, r interface {
	Unit() (*systemd.Unit, error)
}) {
	m.t.Helper()
	u, err := r.Unit()
	if err != nil {
		m.t.Fatalf("render %s: %v", name, err)
	}
	var b bytes.Buffer
	if _, err := u.WriteTo(&b); err != nil {
		m.t.Fatalf("render %s: %v", name, err)
	}
	if err := m.WriteFile("/etc/systemd/system/"+name, b.Bytes(), 0o644); err != nil {
		m.t.Fatal(err)
	}
	m.run("systemctl", "daemon-reload")
}

// get fetches url from inside the instance; a non-2xx answer is an error.
func (m *machine) get(url string) (string, error) {
	return m.try("curl", "--silent", "--show-error", "--fail", "--max-time", "10", url)
}

// svcState is svc's GET / answer.
type svcState struct {
	Mode    string `json:"mode"`
	PID     int    `json:"pid"`
	Reloads int64  `json:"reloads"`
	Ready   bool   `json:"ready"`
}

// state GETs / of the svc serving on addr (host:port).
func (m *machine) state(addr string) svcState {
	m.t.Helper()
	body, err := m.get("http://" + addr + "/")
	if err != nil {
		m.t.Fatal(err)
	}
	var s svcState
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		m.t.Fatalf("GET http://%s/: %v in %q", addr, err, body)
	}
	return s
}

// journalEntry is one journal record, every field as a string (binary
// fields decoded, repeated fields joined with "\n").
type journalEntry map[string]string

// journal returns the records journalctl -u UNIT shows: the service's own
// and the manager's about it.
func (m *machine) journal(unit string) []journalEntry {
	m.t.Helper()
	out := m.run("journalctl", "-u", unit, "-o", "json", "--no-pager")
	var entries []journalEntry
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			m.t.Fatalf("journalctl -o json: %v", err)
		}
		e := journalEntry{}
		for k, v := range raw {
			e[k] = journalValue(v)
		}
		entries = append(entries, e)
	}
	return entries
}

// journalValue decodes journalctl's JSON for one field: a string, an array
// of byte values (not UTF-8 or too long), or an array of those (the field
// repeats).
func journalValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var bs []byte
	var nums []int
	if json.Unmarshal(v, &nums) == nil {
		for _, n := range nums {
			bs = append(bs, byte(n))
		}
		return string(bs)
	}
	var many []json.RawMessage
	if json.Unmarshal(v, &many) == nil {
		var parts []string
		for _, p := range many {
			parts = append(parts, journalValue(p))
		}
		return strings.Join(parts, "\n")
	}
	return string(v)
}

// serviceRecords summarizes the records of unit not from the manager, for
// failure messages: "[pid] PRIORITY=6 message | ...".
func (m *machine) serviceRecords(unit string) string {
	m.t.Helper()
	var rs []string
	for _, e := range m.journal(unit) {
		if e["_PID"] != "1" {
			rs = append(rs, fmt.Sprintf("[%s] PRIORITY=%s %s", e["_PID"], e["PRIORITY"], e["MESSAGE"]))
		}
	}
	return strings.Join(rs, " | ")
}

// notificationRE matches the manager's debug line for an sd_notify
// datagram, "UNIT: Got notification message from PID N (A=1, B=2)"
// (systemd must log at debug: `systemctl log-level debug`).
var notificationRE = regexp.MustCompile(`^[^ ]+: Got notification message from PID (\d+) \((.*)\)$`)

// notifications returns the sd_notify datagrams the manager logged for
// unit from pid, each as its comma-separated assignments. journald may not
// have written the latest yet: poll with waitFor.
func (m *machine) notifications(unit string, pid int) []string {
	m.t.Helper()
	var got []string
	for _, e := range m.journal(unit) {
		if sm := notificationRE.FindStringSubmatch(e["MESSAGE"]); sm != nil && sm[1] == strconv.Itoa(pid) {
			got = append(got, sm[2])
		}
	}
	return got
}

// hasNotification reports whether the manager logged a datagram from pid
// for unit holding the assignment field ("READY=1"), and what it logged.
func (m *machine) hasNotification(unit string, pid int, field string) (bool, string) {
	m.t.Helper()
	n := m.notifications(unit, pid)
	for _, d := range n {
		if slices.Contains(strings.Split(d, ", "), field) {
			return true, ""
		}
	}
	return false, fmt.Sprintf("the manager logged from pid %d: %q", pid, n)
}

// waitFor polls cond until it holds or timeout passes, then fails the test
// with what, and cond's last word on why not. It bounds waits for things
// that happen asynchronously (journald, restarts); it never measures time.
func (m *machine) waitFor(what string, timeout time.Duration, cond func() (bool, string)) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("after %v, still not %s: %s", timeout, what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mainPID returns unit's MainPID (0 when it has none).
func (m *machine) mainPID(unit string) int {
	m.t.Helper()
	s := m.show(unit, "MainPID")
	pid, err := strconv.Atoi(s)
	if err != nil {
		m.t.Fatalf("MainPID of %s = %q", unit, s)
	}
	return pid
}

// props returns several properties of unit as a map.
func (m *machine) props(unit string, names ...string) map[string]string {
	m.t.Helper()
	out := m.run("systemctl", "show", "-p", strings.Join(names, ","), unit)
	p := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			p[k] = v
		}
	}
	return p
}

// describe formats props for a failure message.
func describe(p map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(p)) {
		fmt.Fprintf(&b, "%s=%s ", k, p[k])
	}
	return strings.TrimSpace(b.String())
}
