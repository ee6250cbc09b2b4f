package install_test

import (
	"context"
	"errors"
	"testing"

	"github.com/svcdev/svc/install"
	"github.com/svcdev/svc/ready"
)

// maxExposure is the score the default unit must not exceed.
const maxExposure = 1.5

func exposure(t *testing.T, s install.Spec) install.Exposure {
	t.Helper()
	unit, err := install.SystemdUnit(s)
	if err != nil {
		t.Fatal(err)
	}
	e, err := install.UnitExposure(context.Background(), s.Name+".service", unit)
	if errors.Is(err, install.ErrNoAnalyzer) {
		t.Skip("systemd-analyze not installed (apt-get install systemd, or run .ci/deps)")
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestDefaultUnitExposure scores the default unit offline, as
// systemd-analyze security scores it installed: the reference service,
// with a log file, as a static user; and strict below default, off far
// above.
func TestDefaultUnitExposure(t *testing.T) {
	base := install.Spec{Name: "svc", Binary: "/usr/local/bin/svc", Args: []string{"--listen", "127.0.0.1:8080"}}
	withLog := base
	withLog.LogFile = "/var/log/svc/svc.log"
	static := withLog
	static.User, static.Group = "svc", "svc"
	for name, s := range map[string]install.Spec{"reference": base, "log": withLog, "static user": static} {
		if e := exposure(t, s); e.Score > maxExposure {
			t.Errorf("%s: exposure %v, want at most %.1f", name, e, maxExposure)
		} else {
			t.Logf("%s: %v", name, e)
		}
	}
	def := exposure(t, base)
	strict := base
	strict.Harden = install.HardenStrict
	if e := exposure(t, strict); e.Score > def.Score {
		t.Errorf("strict scores %v, above default's %v", e, def)
	}
	off := base
	off.Harden = install.HardenOff
	if e := exposure(t, off); e.Score < 9 {
		t.Errorf("hardening off scores %v; want the bare unit's 9+ (is something still confined?)", e)
	}
}

// TestOptOutExposure: each opt-out raises the score by no more than what
// it gives away.
func TestOptOutExposure(t *testing.T) {
	base := install.Spec{Name: "svc", Binary: "/usr/local/bin/svc"}
	def := exposure(t, base)
	for _, c := range []struct {
		name  string
		set   func(*install.Spec)
		raise float64 // at most
	}{
		// The capability, and PrivateUsers= that would void it.
		{"capability", func(s *install.Spec) { s.Capabilities = []string{"CAP_NET_BIND_SERVICE"} }, 0.4},
		{"address family", func(s *install.Spec) { s.AddressFamilies = []string{"AF_NETLINK"} }, 0.1},
		{"writable path", func(s *install.Spec) { s.Writable = []string{"/srv/data"} }, 0},
		{"static user", func(s *install.Spec) { s.User = "svc" }, 0},
	} {
		s := base
		c.set(&s)
		e := exposure(t, s)
		if e.Score-def.Score > c.raise+1e-9 {
			t.Errorf("%s: %v, up from %v: more than %.1f", c.name, e, def, c.raise)
		}
		t.Logf("%s: %v (default %v)", c.name, e, def)
	}
}

// TestWrappedUnitExposure: a wrapped program's unit is confined as svc's
// own, with each readiness and with a log file (the manager's append:).
func TestWrappedUnitExposure(t *testing.T) {
	def := exposure(t, install.Spec{Name: "svc", Binary: "/usr/local/bin/svc"})
	for _, r := range []string{"", "notify", "tcp:127.0.0.1:8000"} {
		rs, err := ready.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		s := install.Spec{Name: "web", Binary: "/usr/local/bin/svc", Exec: "/usr/bin/python3", Args: []string{"-m", "http.server"}, Ready: rs}
		logged := s
		logged.LogFile = "/var/log/web.log"
		for name, s := range map[string]install.Spec{"journal": s, "log file": logged} {
			if e := exposure(t, s); e.Score > def.Score {
				t.Errorf("ready %q, %s: exposure %v, above svc's own %v", r, name, e, def)
			} else {
				t.Logf("ready %q, %s: %v", r, name, e)
			}
		}
	}
}
