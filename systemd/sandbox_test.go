package systemd

import (
	"strings"
	"testing"
)

// TestSandboxRefuses: every sandbox value either renders as written or is
// refused, naming the directive.
func TestSandboxRefuses(t *testing.T) {
	for _, c := range []struct {
		sb   Sandbox
		want string
	}{
		{Sandbox{LogsDirectory: []string{`a"b`}}, "LogsDirectory"},
		{Sandbox{LogsDirectory: []string{`a\b`}}, "LogsDirectory"},
		{Sandbox{LogsDirectory: []string{"a:b"}}, "LogsDirectory"},
		{Sandbox{StateDirectory: []string{"/abs"}}, "StateDirectory"},
		{Sandbox{StateDirectory: []string{"../up"}}, "StateDirectory"},
		{Sandbox{RuntimeDirectory: []string{"a\nExecStart=/bin/sh"}}, "RuntimeDirectory"},
		{Sandbox{ReadWritePaths: []string{"relative"}}, "ReadWritePaths"},
		{Sandbox{ReadWritePaths: []string{"/a/../b"}}, "ReadWritePaths"},
		{Sandbox{RestrictCapabilities: true, Capabilities: []string{"CAP_X Y"}}, "CapabilityBoundingSet"},
		{Sandbox{Capabilities: []string{"CAP_NET_BIND_SERVICE"}}, "Capabilities"},
		{Sandbox{RestrictAddressFamilies: []string{"AF_INET\n"}}, "RestrictAddressFamilies"},
		{Sandbox{SystemCallFilter: []string{"@system-service;"}}, "SystemCallFilter"},
		{Sandbox{SystemCallDeny: []string{"@privileged"}}, "SystemCallDeny"},
		{Sandbox{SystemCallErrorNumber: "eperm"}, "SystemCallErrorNumber"},
		{Sandbox{ProtectSystem: "very"}, "ProtectSystem"},
		{Sandbox{IPAddressDeny: []string{"any host"}}, "IPAddressDeny"},
	} {
		_, err := Service{ExecStart: []string{"/bin/true"}, Sandbox: c.sb}.Unit()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %s", c.sb, err, c.want)
		}
	}
	if _, err := (Service{ExecStart: []string{"/bin/true"}, User: "svc", Sandbox: Sandbox{DynamicUser: true}}).Unit(); err == nil {
		t.Error("DynamicUser with User= was accepted")
	}
}

// TestSandboxQuotes: blanks are quoted and '%' doubled (the integration
// tests start a unit whose LogsDirectory= is such a path).
func TestSandboxQuotes(t *testing.T) {
	u, err := Service{ExecStart: []string{"/bin/true"}, Sandbox: Sandbox{
		LogsDirectory:  []string{"a b/%h $HOME "},
		ReadWritePaths: []string{"/srv/x y", "/srv/z"},
	}}.Unit()
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"LogsDirectory":  `"a b/%%h $HOME "`,
		"ReadWritePaths": `"/srv/x y" /srv/z`,
	} {
		if got := u.Values("Service", key); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}
