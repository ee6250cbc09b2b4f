package install_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/svcdev/svc/install"
)

func apply(t *testing.T, root string, p install.Plan) {
	t.Helper()
	if _, err := install.Apply(context.Background(), p, install.ApplyOptions{Root: root}); err != nil {
		t.Fatal(err)
	}
}

func status(t *testing.T, tg install.Target) func(int, []byte) install.State {
	t.Helper()
	c, err := tg.Control(install.Spec{Name: "svc"}, install.Status)
	if err != nil {
		t.Fatal(err)
	}
	return c.State
}

// TestSystemdStates maps every ActiveState systemd has (unit_active_state
// in systemd 252) to an LSB code, none of them "unknown".
func TestSystemdStates(t *testing.T) {
	st := status(t, install.Systemd{})
	for _, tc := range []struct {
		props string
		code  int
		word  string
	}{
		{"LoadState=loaded\nActiveState=active\nSubState=running\n", 0, "running"},
		{"LoadState=loaded\nActiveState=reloading\nSubState=reload\n", 0, "reloading"},
		{"LoadState=loaded\nActiveState=activating\nSubState=start\n", 3, "starting"},
		{"LoadState=loaded\nActiveState=activating\nSubState=auto-restart\n", 3, "starting"},
		{"LoadState=loaded\nActiveState=deactivating\nSubState=stop-sigterm\n", 3, "stopping"},
		{"LoadState=loaded\nActiveState=failed\nSubState=failed\nResult=exit-code\n", 1, "failed"},
		{"LoadState=loaded\nActiveState=inactive\nSubState=dead\n", 3, "stopped"},
		{"LoadState=not-found\nActiveState=inactive\nSubState=dead\n", 4, "not-installed"},
	} {
		got := st(0, []byte(tc.props))
		if got.Code != tc.code || got.Word != tc.word {
			t.Errorf("%q -> %+v, want %d %s", tc.props, got, tc.code, tc.word)
		}
	}
	if got := st(1, nil); got.Code != 4 {
		t.Errorf("failed systemctl -> %+v", got)
	}
}

func TestOpenRCStates(t *testing.T) {
	st := status(t, install.OpenRC{})
	for exit, want := range map[int]string{0: "running", 3: "stopped", 4: "stopping", 8: "starting", 16: "stopped", 32: "failed", 64: "failed", 1: "failed", 2: "unknown"} {
		if got := st(exit, nil); got.Word != want {
			t.Errorf("rc-service status exit %d -> %+v, want %s", exit, got, want)
		}
	}
}

func TestSysVStates(t *testing.T) {
	st := status(t, install.SysV{})
	for exit, want := range map[int]int{0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 150: 4} {
		if got := st(exit, nil); got.Code != want {
			t.Errorf("status exit %d -> %+v, want code %d", exit, got, want)
		}
	}
}

// TestLaunchdStates reads launchctl print output (the shape macOS 13
// prints; launchctl is not run off darwin).
func TestLaunchdStates(t *testing.T) {
	st := status(t, install.Launchd{})
	running := "system/svc = {\n\tactive count = 1\n\tpath = /Library/LaunchDaemons/svc.plist\n\tstate = running\n\n\tprogram = /usr/local/bin/svc\n\targuments = {\n\t\t/usr/local/bin/svc\n\t\trun\n\t}\n\n\tpid = 4242\n\tlast exit code = (never exited)\n}\n"
	crashed := "system/svc = {\n\tstate = not running\n\tlast exit code = 1\n}\n"
	stopped := "system/svc = {\n\tstate = not running\n\tlast exit code = 0\n}\n"
	for _, tc := range []struct {
		exit int
		out  string
		code int
		word string
	}{
		{0, running, 0, "running"},
		{0, crashed, 1, "failed"},
		{0, stopped, 3, "stopped"},
		{113, "Could not find service \"svc\" in domain for system\n", 3, "stopped"},
	} {
		got := st(tc.exit, []byte(tc.out))
		if got.Code != tc.code || got.Word != tc.word {
			t.Errorf("exit %d %q -> %+v", tc.exit, tc.out, got)
		}
	}
	if got := st(0, []byte(running)); !strings.Contains(got.Detail, "4242") {
		t.Errorf("pid lost: %+v", got)
	}
}

func TestSpecValidate(t *testing.T) {
	ok := install.Spec{Name: "svc", Binary: "/usr/bin/svc"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mod  func(*install.Spec)
		want string
	}{
		{func(s *install.Spec) { s.Name = "" }, "the service name is empty"},
		{func(s *install.Spec) { s.Name = "a b" }, "whitespace"},
		{func(s *install.Spec) { s.Name = "a/b" }, "'/'"},
		{func(s *install.Spec) { s.Name = "-a" }, "starts with '-'"},
		{func(s *install.Spec) { s.Name = "a\x01" }, "control character"},
		{func(s *install.Spec) { s.Binary = "svc" }, "not an absolute path"},
		{func(s *install.Spec) { s.Binary = "/usr/../bin/svc" }, "not a clean path"},
		{func(s *install.Spec) { s.Args = []string{"a\x00b"} }, "NUL"},
		{func(s *install.Spec) { s.Environment = []install.EnvVar{{Name: "1X"}} }, "not a shell variable name"},
		{func(s *install.Spec) { s.Environment = []install.EnvVar{{Name: "X"}, {Name: "X"}} }, "set twice"},
		{func(s *install.Spec) { s.User = "-root" }, "user"},
		{func(s *install.Spec) { s.Scope = install.User; s.User = "root" }, "runs as its user"},
		{func(s *install.Spec) { s.Restart = "sometimes" }, "restart policy"},
		{func(s *install.Spec) { s.Description = "two\nlines" }, "one line"},
		{func(s *install.Spec) { s.LogFile = "/var/log/x\n" }, "line break"},
		{func(s *install.Spec) { s.Documentation = []string{"svc(1)"} }, "want an http(s)://, file:, info: or man: URI"},
		{func(s *install.Spec) { s.Documentation = []string{"man:"} }, "want an http(s)://"},
		{func(s *install.Spec) { s.Documentation = []string{"man:svc(1) man:x(8)"} }, "without spaces"},
		{func(s *install.Spec) { s.Documentation = []string{"man:svc(1)\nExecStartPre=/bin/sh"} }, "without spaces"},
		{func(s *install.Spec) { s.Documentation = []string{`https://x/"q"`} }, "quotes"},
		{func(s *install.Spec) { s.Documentation = []string{"https://x/\xff"} }, "printable ASCII"},
	} {
		s := ok
		tc.mod(&s)
		err := s.Validate()
		if !errors.Is(err, install.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want ErrInvalid mentioning %q", s, err, tc.want)
		}
	}
}

// TestDependencies maps systemd targets to LSB facilities and OpenRC
// services, and refuses a target with no equivalent.
func TestDependencies(t *testing.T) {
	s := install.Spec{Name: "svc", Binary: "/usr/bin/svc", After: []string{"network-online.target", "postgresql.service"}, Requires: []string{"remote-fs.target"}}
	script, err := install.SysVScript(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Required-Start:    $remote_fs $syslog\n", "# Should-Start:      $network postgresql\n"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("LSB header lacks %q", want)
		}
	}
	orc, err := install.OpenRCScript(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(orc), "\tneed netmount\n\tafter net postgresql\n") {
		t.Errorf("depend() wrong:\n%s", orc)
	}
	s.After = []string{"graphical.target"}
	if _, err := install.SysVScript(s); !errors.Is(err, install.ErrInvalid) {
		t.Errorf("an unknown target: %v", err)
	}
}
