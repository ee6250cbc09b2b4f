//go:build unix

package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests run the real svc binary under a stand-in for systemd made
// of real parts: a unixgram notify socket, a listening socket passed as
// fd 3 with LISTEN_* (LISTEN_PID set by the shell that execs svc), and the
// watchdog variables.

// TestSvcUnderManager builds svc once and runs it in each subtest.
func TestSvcUnderManager(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "svc")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/svcdev/svc/cmd/svc").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("serve reload stop", func(t *testing.T) { testRunUnderManager(t, bin) })
	t.Run("failure", func(t *testing.T) { testRunFailureUnderManager(t, bin) })
	t.Run("detect", func(t *testing.T) { testDetectRealProcess(t, bin) })
}

// manager is the notify socket, drained as systemd drains it.
type manager struct {
	t    *testing.T
	addr string
	got  chan string
}

func newManager(t *testing.T) *manager {
	addr := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	m := &manager{t: t, addr: addr, got: make(chan string, 1024)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			m.got <- string(buf[:n])
		}
	}()
	return m
}

// expect waits for a datagram matching pattern, counting and skipping
// watchdog pings and any other datagram listed in skip.
func (m *manager) expect(pattern string, pings *int, skip ...string) string {
	m.t.Helper()
	re := regexp.MustCompile(`^(?:` + pattern + `)$`)
	for {
		select {
		case d := <-m.got:
			switch {
			case re.MatchString(d):
				return d
			case d == "WATCHDOG=1":
				*pings++
			case !contains(skip, d):
				m.t.Fatalf("datagram %q while waiting for %q", d, pattern)
			}
		case <-time.After(30 * time.Second):
			m.t.Fatalf("no datagram %q", pattern)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LISTEN_") || strings.HasPrefix(k, "WATCHDOG_") || k == "NOTIFY_SOCKET" ||
			k == "INVOCATION_ID" || k == "JOURNAL_STREAM" || k == "SVC_MODE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// startSvc runs `svc run args...` as a systemd service would be run.
func startSvc(t *testing.T, bin string, m *manager, files []*os.File, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	script := `WATCHDOG_PID=$$ exec "$0" "$@"`
	env := childEnv("NOTIFY_SOCKET="+m.addr, "WATCHDOG_USEC=200000", "INVOCATION_ID=0123456789abcdef")
	if len(files) > 0 {
		script = fmt.Sprintf(`LISTEN_PID=$$ LISTEN_FDS=%d `, len(files)) + script
		env = append(env, "LISTEN_FDNAMES=http")
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, bin, "run"}, args...)...)
	cmd.Env = env
	cmd.ExtraFiles = files
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &stderr
}

type state struct {
	Mode    string `json:"mode"`
	PID     int    `json:"pid"`
	Reloads int64  `json:"reloads"`
	Ready   bool   `json:"ready"`
}

func getState(t *testing.T, addr string) state {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st state
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// testRunUnderManager: svc serves on the socket it was handed (its own
// --listen would fail), says READY, reloads with RELOADING=1 +
// MONOTONIC_USEC then READY=1, pings the watchdog unasked, says STOPPING=1
// on SIGTERM and exits 0, logging "<N>"-prefixed lines on stderr.
func testRunUnderManager(t *testing.T, bin string) {
	m := newManager(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	addr := ln.Addr().String()
	cmd, stderr := startSvc(t, bin, m, []*os.File{f}, "--listen", "127.0.0.1:1")
	f.Close()

	pings := 0
	m.expect(regexp.QuoteMeta("STATUS=serving on "+addr), &pings)
	m.expect("READY=1", &pings)
	st := getState(t, addr)
	if st.Mode != "systemd" || st.PID != cmd.Process.Pid || !st.Ready {
		t.Fatalf("state %+v; want mode systemd, pid %d, ready", st, cmd.Process.Pid)
	}

	cmd.Process.Signal(unix.SIGHUP)
	m.expect(`RELOADING=1\nMONOTONIC_USEC=\d+`, &pings)
	m.expect("READY=1", &pings)
	if st := getState(t, addr); st.Reloads != 1 {
		t.Fatalf("reloads %d after one SIGHUP", st.Reloads)
	}

	cmd.Process.Signal(unix.SIGTERM)
	m.expect("STOPPING=1", &pings)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("svc exited: %v\n%s", err, stderr)
	}
	if pings == 0 {
		t.Error("no WATCHDOG=1 with WATCHDOG_USEC set")
	}
	log := stderr.String()
	for _, want := range []string{
		fmt.Sprintf("<6>msg=ready addr=%s mode=systemd pid=%d\n", addr, cmd.Process.Pid),
		"<6>msg=reloaded reloads=1\n", "<6>msg=stopping ", "<6>msg=stopped\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if !regexp.MustCompile(`^<[0-7]>msg=`).MatchString(line) {
			t.Errorf("stderr line without a priority prefix: %q", line)
		}
	}
}

// testRunFailureUnderManager: a bind error reaches the manager as STATUS=
// and ERRNO= and the log as an error-priority line, and svc exits 1.
func testRunFailureUnderManager(t *testing.T, bin string) {
	m := newManager(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cmd, stderr := startSvc(t, bin, m, nil, "--listen", busy.Addr().String())
	pings := 0
	want := fmt.Sprintf("listen tcp %s: bind: address already in use", busy.Addr())
	m.expect(regexp.QuoteMeta(fmt.Sprintf("STATUS=%s\nERRNO=%d", want, int(unix.EADDRINUSE))), &pings)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("svc exited %v, want status 1", err)
	}
	if got := stderr.String(); got != fmt.Sprintf("<3>msg=\"svc run: %s\"\n", want) {
		t.Errorf("stderr %q", got)
	}
}

// testDetectRealProcess: svc detect reads a real process's facts;
// LISTEN_PID is its own pid because the shell that sets it execs svc.
func testDetectRealProcess(t *testing.T, bin string) {
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" detect --explain`, bin)
	cmd.Env = childEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "mode: systemd\n") || !strings.Contains(string(out), "  YES LISTEN_PID") {
		t.Fatalf("svc detect under LISTEN_PID=$$:\n%s", out)
	}
	cmd = exec.Command(bin, "detect")
	cmd.Env = childEnv(fmt.Sprintf("LISTEN_PID=%d", os.Getpid()))
	if out, err := cmd.Output(); err != nil || string(out) != "foreground\n" {
		t.Fatalf("svc detect with another process's LISTEN_PID: %q, %v", out, err)
	}
}
