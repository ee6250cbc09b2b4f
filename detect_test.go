package svc

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	const pid = 4242
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Mode
		// mods adjust the Env beyond its variables.
		goos, stderr string
		tty, scm     bool
		pid          int
		mode         Mode
		evidence     string // a line Explain must hold
	}{
		{name: "nothing", want: ModeForeground},
		{name: "terminal", tty: true, want: ModeForeground, evidence: "YES stderr tty"},
		{name: "notify socket", env: map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify"}, want: ModeSystemd, evidence: "YES NOTIFY_SOCKET"},
		{name: "invocation id", env: map[string]string{"INVOCATION_ID": "0123abcd"}, want: ModeSystemd, evidence: "YES INVOCATION_ID"},
		{name: "listen pid ours", env: map[string]string{"LISTEN_PID": "4242"}, want: ModeSystemd, evidence: "YES LISTEN_PID"},
		{name: "listen pid not ours", env: map[string]string{"LISTEN_PID": "4243"}, want: ModeForeground, evidence: "no  LISTEN_PID"},
		{name: "journal stream ours", env: map[string]string{"JOURNAL_STREAM": "8:1234"}, stderr: "8:1234", want: ModeSystemd, evidence: "YES JOURNAL_STREAM"},
		{name: "journal stream inherited", env: map[string]string{"JOURNAL_STREAM": "8:1234"}, stderr: "8:99", tty: true, want: ModeForeground},
		{name: "systemd beats terminal", env: map[string]string{"NOTIFY_SOCKET": "@x"}, tty: true, want: ModeSystemd},
		{name: "systemd beats pid 1", env: map[string]string{"INVOCATION_ID": "x"}, pid: 1, want: ModeSystemd},
		{name: "container", pid: 1, tty: true, want: ModeContainer, evidence: "YES pid"},
		{name: "launchd by XPC", goos: "darwin", env: map[string]string{"XPC_SERVICE_NAME": "dev.svc"}, want: ModeLaunchd},
		{name: "XPC 0 is a terminal", goos: "darwin", env: map[string]string{"XPC_SERVICE_NAME": "0"}, want: ModeForeground},
		{name: "XPC ignored off darwin", env: map[string]string{"XPC_SERVICE_NAME": "dev.svc"}, want: ModeForeground},
		{name: "windows scm", goos: "windows", scm: true, want: ModeWindows},
		{name: "SVC_MODE wins", env: map[string]string{"SVC_MODE": "container", "NOTIFY_SOCKET": "/x"}, want: ModeContainer, evidence: "YES SVC_MODE"},
		{name: "SVC_MODE auto detects", env: map[string]string{"SVC_MODE": "auto", "NOTIFY_SOCKET": "/x"}, want: ModeSystemd},
		{name: "--mode beats SVC_MODE", env: map[string]string{"SVC_MODE": "container"}, mode: ModeForeground, want: ModeForeground, evidence: "YES --mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := Env{
				Getenv: func(k string) string { return tc.env[k] }, PID: pid, GOOS: "linux",
				StderrDevIno: tc.stderr, StderrIsTTY: tc.tty, WindowsSCM: tc.scm,
			}
			if tc.goos != "" {
				env.GOOS = tc.goos
			}
			if tc.pid != 0 {
				env.PID = tc.pid
			}
			d, err := Detect(env, tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			if d.Mode != tc.want {
				t.Errorf("mode %s, want %s\n%s", d.Mode, tc.want, d.Explain())
			}
			if tc.evidence != "" && !strings.Contains(d.Explain(), "  "+tc.evidence) {
				t.Errorf("no %q in\n%s", tc.evidence, d.Explain())
			}
		})
	}
}

func TestDetectBadSVCMode(t *testing.T) {
	_, err := Detect(Env{Getenv: func(k string) string {
		if k == "SVC_MODE" {
			return "daemon please"
		}
		return ""
	}}, ModeAuto)
	if err == nil || !strings.Contains(err.Error(), `"daemon please"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAuto, "auto": ModeAuto, " systemd ": ModeSystemd, "classic": ModeClassic} {
		if got, err := ParseMode(in); got != want || err != nil {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseMode("Systemd"); err == nil {
		t.Error("ParseMode is case-sensitive; Systemd accepted")
	}
}
