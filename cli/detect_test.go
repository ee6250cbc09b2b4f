package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// clearDetectEnv empties what would steer detection in this process (the
// tests may run under systemd themselves).
func clearDetectEnv(t *testing.T) {
	for _, k := range []string{"NOTIFY_SOCKET", "INVOCATION_ID", "LISTEN_PID", "JOURNAL_STREAM", "SVC_MODE", "XPC_SERVICE_NAME"} {
		t.Setenv(k, "")
	}
}

func TestDetectCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string // lines stdout must hold
	}{
		{"systemd", map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify"}, []string{"--explain"}, exitOK,
			[]string{"mode: systemd", "  YES NOTIFY_SOCKET    /run/systemd/notify"}},
		{"plain", nil, nil, exitOK, []string{"foreground"}},
		{"flag wins", map[string]string{"NOTIFY_SOCKET": "/x", "SVC_MODE": "launchd"}, []string{"--explain", "--mode", "container"}, exitOK,
			[]string{"mode: container", "  YES --mode"}},
		{"SVC_MODE", map[string]string{"SVC_MODE": "container"}, nil, exitOK, []string{"container"}},
		{"bad SVC_MODE", map[string]string{"SVC_MODE": "daemon"}, nil, exitFail, nil},
		{"bad flag", nil, []string{"--mode", "daemon"}, exitFail, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearDetectEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := testProgram().Main(context.Background(), append([]string{"detect"}, tc.args...), &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			lines := strings.Split(stdout.String(), "\n")
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					found = found || strings.HasPrefix(l, w)
				}
				if !found {
					t.Errorf("no line starting %q in\n%s", w, stdout.String())
				}
			}
			if tc.code != exitOK && !strings.HasPrefix(stderr.String(), "svc detect: ") {
				t.Errorf("stderr %q", stderr.String())
			}
		})
	}
}
