package install_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/install"
	"github.com/svcdev/svc/launchd"
	"github.com/svcdev/svc/ready"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenSpecs are rendered by every target into testdata/SPEC/TARGET/.
var goldenSpecs = map[string]install.Spec{
	"minimal": {Name: "svc", Binary: "/usr/local/bin/svc"},
	"full": {
		Name:          "web-api",
		Description:   "Reference web service (svc)",
		Binary:        "/opt/svc/bin/svc",
		Args:          []string{"--listen", "127.0.0.1:8080"},
		Documentation: []string{"man:svc(1)", "https://example.com/web-api/docs?page=1&x=%41"},
		User:          "www-data",
		Group:         "www-data",
		WorkingDir:    "/srv/web",
		Environment:   []install.EnvVar{{Name: "GOMAXPROCS", Value: "2"}, {Name: "GREETING", Value: "hello, $USER: 100% \"sure\""}},
		LogFile:       "/var/log/web-api.log",
		After:         []string{"network-online.target"},
		Wants:         []string{"network-online.target"},
		Requires:      []string{"postgresql"},
		Restart:       install.RestartAlways,
		RestartSec:    5 * time.Second,
	},
	"tricky": {
		Name:   "svc",
		Binary: "/usr/local/bin/svc",
		Args:   []string{"--log", `/var/log/a b/%h $HOME "q".log`, `back\slash`, "it's", "two  spaces"},
		Environment: []install.EnvVar{
			{Name: "Q", Value: `"dq" 'sq' \back $dollar ${brace} %pct`},
			{Name: "EMPTY", Value: ""},
		},
	},
	// Hardening loosened by each opt-out, tightened to strict.
	"strict": {
		Name: "web", Binary: "/usr/local/bin/svc", LogFile: "/var/log/web/a b%.log",
		Harden: install.HardenStrict, Capabilities: []string{"CAP_NET_BIND_SERVICE"},
		Writable: []string{"/srv/web data", "/home/web/cache"}, AddressFamilies: []string{"AF_NETLINK"},
	},
	"off":   {Name: "web", Binary: "/usr/local/bin/svc", LogFile: "/var/log/web/web.log", Harden: install.HardenOff},
	"never": {Name: "oneshot-ish", Binary: "/usr/local/sbin/svc", Restart: install.RestartNever},
	"user":  {Name: "svc", Binary: "/home/alice/bin/svc", Args: []string{"--listen", "127.0.0.1:8081"}, Scope: install.User},

	// Wrapped programs, one per readiness: none, notify, each probe.
	"exec": {Name: "web", Binary: "/usr/local/bin/svc", Exec: "/usr/local/bin/web-app", Args: []string{"--port", "8000"}},
	"exec-notify": {
		Name: "web", Binary: "/usr/local/bin/svc", Exec: "/usr/local/bin/web-app", Ready: mustReady("notify"),
		LogFile: "/var/log/web/web.log", Restart: install.RestartNever,
	},
	"exec-tcp": {
		Name: "http", Binary: "/usr/local/bin/svc", Exec: "/usr/bin/python3", Args: []string{"-m", "http.server", "8000", "--bind", "127.0.0.1"},
		Ready: mustReady("tcp:127.0.0.1:8000"), User: "www-data", Group: "www-data", WorkingDir: "/srv/www", LogFile: "/var/log/http.log",
	},
	"exec-http": {
		Name: "api", Binary: "/usr/local/bin/svc", Exec: "/opt/api/bin/api",
		Ready: mustReady("http:https://127.0.0.1:8443/healthz?a=%41&b=$x"), Harden: install.HardenStrict,
	},
	"exec-file": {Name: "worker", Binary: "/usr/local/bin/svc", Exec: "/opt/worker/worker", Ready: mustReady("file:/run/worker/ready"), Harden: install.HardenOff},
	"exec-exec": {
		Name: "db", Binary: "/usr/local/bin/svc", Exec: "/usr/local/sbin/db",
		Ready: mustReady(`exec:pg_isready -q -h '/run/db' && test "$(cat /run/db/x)" = 100%`),
	},
	// A reload signal: the unit kills the main process with it (svc run
	// forwards it), the scripts' reload sends it with --signal.
	"exec-reload": {
		Name: "web", Binary: "/usr/local/bin/svc", Exec: "/usr/local/sbin/nginx", Args: []string{"-g", "daemon off;"},
		Ready: mustReady("tcp:127.0.0.1:80"), ReloadSignal: "HUP",
	},
	"exec-reload-direct": {Name: "web", Binary: "/usr/local/bin/svc", Exec: "/usr/local/bin/web-app", ReloadSignal: "USR2"},
	// A path with a blank and a '%', arguments with everything.
	"exec-tricky": {
		Name: "app", Binary: "/usr/local/bin/svc", Exec: "/opt/my app/bin/app 100%", Ready: mustReady("tcp:[::1]:8080"),
		Args:        []string{"--log", `/var/log/a b/%h $HOME "q".log`, `back\slash`, "it's", "two  spaces", "--", "$(id)", "new\nline"},
		Environment: []install.EnvVar{{Name: "Q", Value: `"dq" 'sq' \back $dollar ${brace} %pct`}},
	},
	// The path as ExecStart='s first word.
	"exec-tricky-direct": {Name: "app", Exec: "/opt/my app/bin/app 100%", Args: []string{"%h", "$HOME", "a\tb"}},
	// No runner: only the targets that run the program directly take it.
	"exec-direct": {Name: "web", Exec: "/usr/local/bin/web-app"},
	"exec-user": {
		Name: "web", Binary: "/home/alice/bin/svc", Exec: "/home/alice/bin/web-app", Ready: mustReady("http:http://127.0.0.1:8081/"),
		LogFile: "/home/alice/.local/state/web/web.log", Scope: install.User,
	},
}

// goldenTargets are the targets, with fixed host facts, by directory name.
var goldenTargets = map[string]install.Target{
	"systemd": install.Systemd{Home: "/home/alice"},
	// A package's staging: the unit in the vendor directory.
	"systemd-vendor": install.Systemd{Home: "/home/alice", UnitDir: "/lib/systemd/system"},
	"sysv":           install.SysV{Enable: install.EnableUpdateRCD, Systemd: true},
	"sysv-links":     install.SysV{},
	"openrc":         install.OpenRC{},
	"launchd":        install.Launchd{Home: "/Users/alice", UID: 501},
}

// checkGolden compares got with testdata/name, rewriting it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

func TestGolden(t *testing.T) {
	for sname, spec := range goldenSpecs {
		for tname, target := range goldenTargets {
			t.Run(sname+"/"+tname, func(t *testing.T) {
				goldenTarget(t, sname+"/"+tname, target, spec)
			})
		}
	}
}

// goldenTarget writes each rendered file, the dry-run of install and of
// uninstall, and the control argv, or the error when the target refuses.
func goldenTarget(t *testing.T, dir string, target install.Target, spec install.Spec) {
	p, err := target.Plan(spec)
	if err != nil {
		checkGolden(t, dir+".error", []byte(err.Error()+"\n"))
		return
	}
	for _, f := range p.Files {
		checkGolden(t, dir+"/"+path.Base(f.Path), f.Content)
	}
	checkGolden(t, dir+"/install.dryrun", []byte(p.String()))
	u, err := target.Uninstall(spec)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, dir+"/uninstall.dryrun", []byte(u.String()))
	var b strings.Builder
	for _, v := range []install.Verb{install.Start, install.Stop, install.Restart, install.Reload, install.Status} {
		c, err := target.Control(spec, v)
		if err != nil {
			t.Fatal(err)
		}
		for _, pre := range c.Before {
			fmt.Fprintf(&b, "%s: %s || true\n", v, pre)
		}
		fmt.Fprintf(&b, "%s: %s\n", v, install.Command{Argv: c.Argv})
	}
	checkGolden(t, dir+"/control", []byte(b.String()))
}

// TestGoldenPlistDecodes re-parses each golden plist with howett.net/plist
// and compares it with the job it was rendered from.
func TestGoldenPlistDecodes(t *testing.T) {
	for sname, spec := range goldenSpecs {
		want, err := goldenTargets["launchd"].(install.Launchd).Job(spec)
		if err != nil {
			if _, gerr := os.Stat(filepath.Join("testdata", sname, "launchd.error")); gerr != nil {
				t.Errorf("%s: %v, and no launchd.error golden: %v", sname, err, gerr)
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata", sname, "launchd", spec.Name+".plist"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := launchd.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded %+v\nwant %+v", sname, got, want)
		}
	}
}

// mustReady parses a --ready value of a golden spec.
func mustReady(s string) ready.Spec {
	r, err := ready.Parse(s)
	if err != nil {
		panic(err)
	}
	return r
}
