package launchd_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/svcdev/svc/launchd"
)

func TestEncodeRoundTrip(t *testing.T) {
	f, tr := false, true
	for _, j := range []*launchd.Job{
		{Label: "a", ProgramArguments: []string{"/bin/x"}},
		{Label: "com.example.web", ProgramArguments: []string{"/usr/local/bin/svc", "run", `a b "q" 'q' \ $HOME %h & < >`, "new\nline\ttab\rcr", "ünï"},
			UserName: "www", GroupName: "www", WorkingDirectory: "/srv",
			EnvironmentVariables: map[string]string{"A": "1 2", "B": "<&>"},
			StandardOutPath:      "/var/log/x", StandardErrorPath: "/var/log/y",
			RunAtLoad: true, KeepAlive: &launchd.KeepAlive{SuccessfulExit: &f, Crashed: &tr},
			ThrottleInterval: 5, ExitTimeOut: 30, ProcessType: "Background"},
		{Label: "b", ProgramArguments: []string{"/bin/x"}, KeepAlive: &launchd.KeepAlive{Always: true}},
	} {
		data, err := j.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := launchd.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, j) {
			t.Errorf("round trip:\n got %+v\nwant %+v\n%s", got, j, data)
		}
		plistutilAgrees(t, data, j)
	}
}

// plistutilAgrees has libplist's plistutil convert data to the binary
// format; the binary plist must decode to the same job.
func plistutilAgrees(t *testing.T, data []byte, want *launchd.Job) {
	t.Helper()
	if _, err := exec.LookPath("plistutil"); err != nil {
		t.Log("plistutil not installed: skipping its check")
		return
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.plist"), filepath.Join(dir, "out.bplist")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("plistutil", "-i", in, "-o", out, "-f", "bin").CombinedOutput(); err != nil {
		t.Fatalf("plistutil: %v: %s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := launchd.Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plistutil's binary plist decodes to %+v", got)
	}
}

func TestEncodeRefuses(t *testing.T) {
	for _, j := range []*launchd.Job{
		{ProgramArguments: []string{"/bin/x"}},
		{Label: "a"},
		{Label: "a", ProgramArguments: []string{"x"}},
		{Label: "a", ProgramArguments: []string{"/bin/x", "\x01"}},
		{Label: "a", ProgramArguments: []string{"/bin/x", "\xff"}},
		{Label: "a", ProgramArguments: []string{"/bin/x", "\x00"}},
		{Label: "a", ProgramArguments: []string{"/bin/x"}, EnvironmentVariables: map[string]string{"A": "\x1b[0m"}},
		{Label: "a\x7f"[:1] + "\x08", ProgramArguments: []string{"/bin/x"}},
	} {
		if _, err := j.Encode(); !errors.Is(err, launchd.ErrInvalid) {
			t.Errorf("%+v: %v; want ErrInvalid", j, err)
		}
	}
}

func TestLaunchctl(t *testing.T) {
	for _, tc := range []struct{ got, want []string }{
		{launchd.Bootstrap(launchd.System, "/Library/LaunchDaemons/x.plist"), []string{"launchctl", "bootstrap", "system", "/Library/LaunchDaemons/x.plist"}},
		{launchd.Bootout(launchd.GUI(501), "x"), []string{"launchctl", "bootout", "gui/501/x"}},
		{launchd.Enable(launchd.System, "x"), []string{"launchctl", "enable", "system/x"}},
		{launchd.Kickstart(launchd.System, "x", true), []string{"launchctl", "kickstart", "-k", "system/x"}},
		{launchd.Kill(launchd.System, "x", "SIGHUP"), []string{"launchctl", "kill", "SIGHUP", "system/x"}},
		{launchd.Print(launchd.GUI(0), "x"), []string{"launchctl", "print", "gui/0/x"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestParsePrint(t *testing.T) {
	out := "system/x = {\n\tactive count = 1\n\tstate = running\n\targuments = {\n\t\tstate = nested\n\t}\n\tpid = 77\n\tlast exit code = (never exited)\n}\n"
	got := launchd.ParsePrint([]byte(out))
	want := launchd.Info{State: "running", PID: 77, LastExitCode: "(never exited)"}
	if got != want {
		t.Errorf("ParsePrint = %+v, want %+v", got, want)
	}
}
