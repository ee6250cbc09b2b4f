//go:build unix

package svc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// cleanEnv is this process's environment without anything that would
// steer detection (the tests may themselves run under systemd).
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "NOTIFY_SOCKET", "INVOCATION_ID", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
			"JOURNAL_STREAM", "SVC_MODE", "XPC_SERVICE_NAME", "WATCHDOG_USEC", "WATCHDOG_PID", helperEnv:
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// detectIn runs FromProcess+Detect in a real child whose stderr is stderr,
// started through sh so that "$$" in script is the child's own pid.
func detectIn(t *testing.T, stderr *os.File, script string, env ...string) string {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script+` exec "$0"`, os.Args[0])
	cmd.Env = cleanEnv(append(env, helperEnv+"=detect")...)
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("detect helper: %v\n%s", err, out)
	}
	return string(out)
}

func devIno(t *testing.T, f *os.File) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

func TestDetectFromProcess(t *testing.T) {
	dir := t.TempDir()
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	other, err := os.Create(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, tc := range []struct {
		name, script string
		env          []string
		mode         Mode
		evidence     string
	}{
		{name: "plain", mode: ModeForeground, evidence: "no  stderr tty"},
		{name: "journal stream is our stderr", env: []string{"JOURNAL_STREAM=" + devIno(t, stderr)}, mode: ModeSystemd, evidence: "YES JOURNAL_STREAM"},
		{name: "journal stream elsewhere", env: []string{"JOURNAL_STREAM=" + devIno(t, other)}, mode: ModeForeground, evidence: "no  JOURNAL_STREAM"},
		{name: "listen pid is ours", script: "LISTEN_PID=$$ LISTEN_FDS=0", mode: ModeSystemd, evidence: "YES LISTEN_PID"},
		{name: "listen pid is the parent's", env: []string{fmt.Sprintf("LISTEN_PID=%d", os.Getpid())}, mode: ModeForeground, evidence: "no  LISTEN_PID"},
		{name: "notify socket", env: []string{"NOTIFY_SOCKET=/run/systemd/notify"}, mode: ModeSystemd, evidence: "YES NOTIFY_SOCKET"},
		{name: "SVC_MODE", env: []string{"SVC_MODE=container", "NOTIFY_SOCKET=/x"}, mode: ModeContainer, evidence: "YES SVC_MODE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := detectIn(t, stderr, tc.script, tc.env...)
			if !strings.HasPrefix(out, fmt.Sprintf("mode: %s\n", tc.mode)) || !strings.Contains(out, "  "+tc.evidence) {
				t.Fatalf("want mode %s with %q, got\n%s", tc.mode, tc.evidence, out)
			}
		})
	}
}

func TestDetectFromProcessBadSVCMode(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = cleanEnv(helperEnv+"=detect", "SVC_MODE=bogus")
	out, err := cmd.Output()
	if err == nil || !strings.Contains(string(out), `unknown mode "bogus"`) {
		t.Fatalf("err %v, output %q", err, out)
	}
}
