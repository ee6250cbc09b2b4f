package systemd

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.service and *.socket goldens")

// goldens are the representative units: a system daemon, a user unit, a
// classic forking daemon, one whose every field is hostile, and a socket.
// Their binaries exist on any Linux so systemd-analyze verify accepts them.
var goldens = map[string]interface{ Unit() (*Unit, error) }{
	"svc.service": Service{
		Description:           "svc reference service",
		Documentation:         []string{"https://github.com/svcdev/svc", "man:svc(8)"},
		Wants:                 []string{"network-online.target"},
		After:                 []string{"network-online.target"},
		Type:                  "notify",
		ExecStart:             []string{"/bin/true", "run", "--listen", "127.0.0.1:8080"},
		ReloadSignal:          "HUP",
		User:                  "svc",
		Group:                 "svc",
		WorkingDirectory:      "/",
		Environment:           []EnvVar{{"SVC_MODE", "systemd"}},
		UMask:                 "0022",
		TimeoutStartSec:       30 * time.Second,
		TimeoutStopSec:        10 * time.Second,
		WatchdogSec:           30 * time.Second,
		NotifyAccess:          "main",
		StartLimitIntervalSec: time.Minute,
		StartLimitBurst:       5,
		SyslogIdentifier:      "svc",
	},
	"svc-user.service": Service{
		Description:    "svc (user)",
		Type:           "notify",
		ExecStart:      []string{"/bin/true", "run"},
		ExecStop:       []string{"/bin/true", "stop"},
		Restart:        "always",
		RestartSec:     5 * time.Second,
		StandardOutput: "journal",
		StandardError:  "inherit",
		UserUnit:       true,
	},
	"svc-forking.service": Service{
		Description:     "svc (classic)",
		Type:            "forking",
		PIDFile:         "/run/svc/svc.pid",
		ExecStart:       []string{"/bin/true", "start", "--classic", "--pidfile", "/run/svc/svc.pid"},
		ExecStop:        []string{"/bin/true", "stop", "--classic", "--pidfile", "/run/svc/svc.pid"},
		TimeoutStartSec: Infinity,
		RestartSec:      1500 * time.Millisecond,
		StandardOutput:  "append:/var/log/svc 100%.log",
	},
	"nasty.service": Service{
		Description: `nasty: 100% "quoted" \ back\slash`,
		Type:        "oneshot",
		Restart:     "no",
		ExecStart: []string{"/bin/sh", "-c", `printf '%s\n' "$@"`, "sh",
			`/var/log/a b/%h $HOME "q".log`, "back\\slash\ttab", "", ";", `\;`, "$MAINPID", "${HOME}",
			"%%n", "nl\nline\rcr", "\x01\x1b[31m\x7f", "é 日本 \u2028", `'single'`, "#hash", "trailing\\", "-dash"},
		Environment: []EnvVar{
			{"A", `a b "c" \ %h $HOME`},
			{"B", "line1\nline2\ttab"},
			{"EMPTY", ""},
		},
		WorkingDirectory: "/tmp/a dir %i",
		SyslogIdentifier: "nasty %n",
	},
	"svc.socket": Socket{
		Description:        "svc socket",
		ListenStream:       []string{"127.0.0.1:8080", "/run/svc/svc.sock"},
		FileDescriptorName: "http",
		Service:            "svc.service",
		SocketMode:         "0660",
	},
}

func TestGoldens(t *testing.T) {
	for name, spec := range goldens {
		t.Run(name, func(t *testing.T) {
			u, err := spec.Unit()
			if err != nil {
				t.Fatal(err)
			}
			got, err := u.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./systemd -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden (go test ./systemd -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
			}
			back, err := ParseUnit(bytes.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			if !equalUnits(back, u) {
				t.Errorf("ParseUnit(golden) = %+v, want %+v", back, u)
			}
		})
	}
}

// TestGoldensVerify runs systemd's own checker on every golden: any
// message (unknown key, bad escape, unparsable value) fails the test, as
// systemd-analyze exits 0 after mere warnings.
func TestGoldensVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	names, _ := filepath.Glob("testdata/*.service")
	sockets, _ := filepath.Glob("testdata/*.socket")
	names = append(names, sockets...)
	if len(names) < len(goldens) {
		t.Fatalf("found %d goldens, want %d", len(names), len(goldens))
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			args := []string{"verify", "--man=no", name}
			cmd := exec.Command(analyze, args...)
			if strings.Contains(name, "-user.") {
				// The per-user manager wants a runtime directory.
				home := t.TempDir()
				cmd.Args = append([]string{analyze, "--user"}, args...)
				cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+home, "HOME="+home, "XDG_CONFIG_HOME="+home)
			}
			out, err := cmd.CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("%s: %v\n%s", cmd, err, out)
			}
		})
	}
}

func TestServiceDefaults(t *testing.T) {
	u, err := Service{ExecStart: []string{"/usr/bin/svc", "run"}}.Unit()
	if err != nil {
		t.Fatal(err)
	}
	want := "[Service]\nExecStart=/usr/bin/svc run\nRestart=on-failure\nRestartSec=1s\n\n[Install]\nWantedBy=multi-user.target\n"
	if got := u.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	u, err = Service{ExecStart: []string{"/x"}, Restart: "no", UserUnit: true, WantedBy: []string{"a.target", "b.target"}}.Unit()
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Values("Service", "RestartSec"); got != nil {
		t.Errorf("Restart=no rendered RestartSec=%q", got)
	}
	if got := u.Values("Install", "WantedBy"); !slices.Equal(got, []string{"a.target b.target"}) {
		t.Errorf("WantedBy = %q", got)
	}
}

func TestServiceReloadSignal(t *testing.T) {
	for typ, want := range map[string][2]string{
		"notify":        {"ExecReload", "/bin/kill -s HUP $MAINPID"},
		"notify-reload": {"ReloadSignal", "SIGHUP"},
	} {
		u, err := Service{Type: typ, ExecStart: []string{"/x"}, ReloadSignal: "SIGHUP"}.Unit()
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Values("Service", want[0]); !slices.Equal(got, []string{want[1]}) {
			t.Errorf("Type=%s: %s = %q, want %q", typ, want[0], got, want[1])
		}
	}
	u, err := Service{ExecStart: []string{"/x"}, ExecReload: []string{"/bin/kill", "-HUP", "$MAINPID"}}.Unit()
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Values("Service", "ExecReload"); !slices.Equal(got, []string{"/bin/kill -HUP $$MAINPID"}) {
		t.Errorf("ExecReload argv is not literal: %q", got)
	}
}

func TestDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Microsecond:       "1us",
		100 * time.Millisecond: "100ms",
		90 * time.Second:       "1min 30s",
		26*time.Hour + 2*time.Second + time.Microsecond: "26h 2s 1us",
	} {
		if got, err := formatSpan(d, false); err != nil || got != want {
			t.Errorf("formatSpan(%v) = %q, %v; want %q", d, got, err, want)
		}
	}
	for _, d := range []time.Duration{-time.Second, time.Nanosecond, time.Second + 500} {
		if got, err := formatSpan(d, true); err == nil {
			t.Errorf("formatSpan(%v) = %q, want an error", d, got)
		}
	}
}

// TestServiceRefuses shows each field refusing what it cannot carry, with
// the field named in the error.
func TestServiceRefuses(t *testing.T) {
	ok := func(s Service) Service {
		if s.ExecStart == nil {
			s.ExecStart = []string{"/bin/true"}
		}
		return s
	}
	tests := []struct {
		s    Service
		want string
	}{
		{Service{}, "ExecStart: required"},
		{ok(Service{Description: "a\nExecStartPre=/bin/evil"}), "Description"},
		{ok(Service{Description: "a\rUser=root"}), "Description"},
		{ok(Service{Description: "nul\x00"}), "Description"},
		{ok(Service{Description: "trailing\\"}), "Description: \"trailing\\\\\" ends in a backslash"},
		{ok(Service{Description: " padded"}), "Description"},
		{ok(Service{Description: "bad \xff"}), "Description: not valid UTF-8"},
		{ok(Service{Documentation: []string{"javascript:alert(1)"}}), "Documentation"},
		{ok(Service{Documentation: []string{"https://x/a b"}}), "Documentation"},
		{ok(Service{After: []string{"network.target\nUser=root"}}), "After"},
		{ok(Service{After: []string{"foo"}}), "After: unit name \"foo\": no known unit type"},
		{ok(Service{Wants: []string{"a b.service"}}), "Wants"},
		{ok(Service{Requires: []string{"tmpl@.service"}}), "Requires"},
		{ok(Service{Before: []string{"%n.service"}}), "Before"},
		{ok(Service{WantedBy: []string{"multi-user.target "}}), "WantedBy"},
		{ok(Service{Type: "notify\nUser=root"}), "Type"},
		{ok(Service{Type: "bogus"}), "Type"},
		{ok(Service{Restart: "sometimes"}), "Restart"},
		{ok(Service{Type: "oneshot", Restart: "always"}), "Restart"},
		{ok(Service{NotifyAccess: "everyone"}), "NotifyAccess"},
		{Service{ExecStart: []string{"relative"}}, "ExecStart"},
		{ok(Service{ExecStop: []string{"/bin/x", "\x00"}}), "ExecStop"},
		{ok(Service{ExecReload: []string{"/bin/x"}, ReloadSignal: "HUP"}), "ReloadSignal"},
		{ok(Service{ReloadSignal: "KILL"}), "ReloadSignal"},
		{ok(Service{PIDFile: "run/x.pid"}), "PIDFile"},
		{ok(Service{PIDFile: "/run/../x.pid"}), "PIDFile"},
		{ok(Service{WorkingDirectory: "/srv/x\n"}), "WorkingDirectory"},
		{ok(Service{User: "root\nGroup=root"}), "User"},
		{ok(Service{User: "a b"}), "User"},
		{ok(Service{User: "-x"}), "User"},
		{ok(Service{Group: "4294967295"}), "Group"},
		{ok(Service{User: "svc", UserUnit: true}), "User"},
		{ok(Service{UMask: "0999"}), "UMask"},
		{ok(Service{UMask: "7777"}), "UMask"},
		{ok(Service{Environment: []EnvVar{{"1X", "v"}}}), "Environment"},
		{ok(Service{Environment: []EnvVar{{"A=B", "v"}}}), "Environment"},
		{ok(Service{Environment: []EnvVar{{"A", "\xff"}}}), "Environment: A: value is not valid UTF-8"},
		{ok(Service{Environment: []EnvVar{{"A", "x\x00"}}}), "Environment"},
		{ok(Service{Environment: []EnvVar{{"A", "1"}, {"A", "2"}}}), "Environment: A: set twice"},
		{ok(Service{RestartSec: -time.Second}), "RestartSec"},
		{ok(Service{RestartSec: Infinity}), "RestartSec"},
		{ok(Service{WatchdogSec: time.Nanosecond}), "WatchdogSec"},
		{ok(Service{StartLimitBurst: -1}), "StartLimitBurst"},
		{ok(Service{StandardOutput: "file:relative"}), "StandardOutput"},
		{ok(Service{StandardError: "fd:a:b"}), "StandardError"},
		{ok(Service{StandardError: "syslog\n"}), "StandardError"},
		{ok(Service{SyslogIdentifier: "x\\"}), "SyslogIdentifier"},
		{Service{ExecStart: []string{"/bin/x", strings.Repeat("a", maxLine)}}, "ExecStart: line longer than"},
	}
	for _, tt := range tests {
		u, err := tt.s.Unit()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "systemd: ") {
			t.Errorf("%+v: got %v, %v; want an error with %q", tt.s, u, err, tt.want)
		}
	}
}

func TestSocketRefuses(t *testing.T) {
	tests := []struct {
		s    Socket
		want string
	}{
		{Socket{}, "ListenStream: at least one"},
		{Socket{ListenStream: []string{"localhost:80"}}, "numeric IP"},
		{Socket{ListenStream: []string{"0"}}, "ListenStream"},
		{Socket{ListenStream: []string{"70000"}}, "ListenStream"},
		{Socket{ListenStream: []string{"/run/" + strings.Repeat("s", 103)}}, "longer than 107"},
		{Socket{ListenDatagram: []string{"/run/x\n[Service]"}}, "ListenDatagram"},
		{Socket{ListenStream: []string{"80"}, FileDescriptorName: "a:b"}, "FileDescriptorName"},
		{Socket{ListenStream: []string{"80"}, Service: "x.socket"}, "Service"},
		{Socket{ListenStream: []string{"80"}, Service: "x.service", Accept: true}, "Service"},
		{Socket{ListenStream: []string{"80"}, SocketUser: "x", UserUnit: true}, "SocketUser"},
		{Socket{ListenStream: []string{"80"}, SocketMode: "rw"}, "SocketMode"},
	}
	for _, tt := range tests {
		u, err := tt.s.Unit()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "systemd: socket: ") {
			t.Errorf("%+v: got %v, %v; want an error with %q", tt.s, u, err, tt.want)
		}
	}
	u, err := Socket{ListenStream: []string{"[::1]:80", "@abstract %i"}, Accept: true, UserUnit: true}.Unit()
	if err != nil {
		t.Fatal(err)
	}
	want := "[Socket]\nListenStream=[::1]:80\nListenStream=@abstract %%i\nAccept=yes\n\n[Install]\nWantedBy=sockets.target\n"
	if got := u.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCheckUnitName(t *testing.T) {
	for _, n := range []string{"a.service", "network-online.target", "getty@tty1.service", `dev-disk-by\x2duuid.device`, "a:b_c.d.socket"} {
		if err := CheckUnitName(n); err != nil {
			t.Errorf("CheckUnitName(%q): %v", n, err)
		}
	}
	for _, n := range []string{"", ".service", "a", "a.bogus", "a@.service", "a b.service", "é.service", "a%i.service", "a/b.service", strings.Repeat("a", 248) + ".service"} {
		if err := CheckUnitName(n); err == nil {
			t.Errorf("CheckUnitName(%q) accepted", n)
		}
	}
}

func TestWriteToRefuses(t *testing.T) {
	for _, u := range []Unit{
		{Sections: []Section{{Name: "Unit]\n[Service"}}},
		{Sections: []Section{{Name: ""}}},
		{Sections: []Section{{Name: "Service", Entries: []Entry{{"Exec=Start", "x"}}}}},
		{Sections: []Section{{Name: "Service", Entries: []Entry{{"#Key", "x"}}}}},
		{Sections: []Section{{Name: "Service", Entries: []Entry{{"Key", "x\ny=z"}}}}},
		{Sections: []Section{{Name: "Service", Entries: []Entry{{"Key", "x\\"}}}}},
		{Sections: []Section{{Name: "Service", Entries: []Entry{{"Key", strings.Repeat("x", maxLine)}}}}},
	} {
		var b bytes.Buffer
		if n, err := u.WriteTo(&b); err == nil || n != 0 || b.Len() != 0 {
			t.Errorf("WriteTo(%+v) = %d, %v; wrote %q", u, n, err, b.String())
		}
		if s := u.String(); s != "" {
			t.Errorf("String() of an invalid unit = %q", s)
		}
	}
}

// TestParseUnit follows systemd's line reader: see config_parse and
// read_line_full in systemd's src/shared/conf-parser.c, src/basic/fileio.c.
func TestParseUnit(t *testing.T) {
	in := "# comment\n" +
		"\uFEFF[Unit]\r\n" + // the first byte-order mark is dropped, wherever it is

		"Description = spaced out \t\n" +
		"  ; indented comment\n" +
		"After=a.target \\\n" +
		"# a comment inside a continuation is skipped\n" +
		"  b.target\n" +
		"Even=a\\\\\n" +
		"Odd=a\\\\\\\n" +
		"\n" +
		"[Service]\rExecStart=/bin/x\x00Empty=\n\r" +
		"Last=continued\\"
	u, err := ParseUnit(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Unit{Sections: []Section{
		{"Unit", []Entry{{"Description", "spaced out"}, {"After", "a.target    b.target"}, {"Even", `a\\`}, {"Odd", `a\\`}}},
		{"Service", []Entry{{"ExecStart", "/bin/x"}, {"Empty", ""}, {"Last", "continued"}}},
	}}
	if !equalUnits(u, want) {
		t.Errorf("got  %q\nwant %q", u, want)
	}
	for _, bad := range []string{"Key=before section\n", "[Unit]\nno equals\n", "[Unit\n", "[Unit]\n=v\n", "[Unit]\nK=\xff\n"} {
		if u, err := ParseUnit(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseUnit(%q) = %+v, want an error", bad, u)
		}
	}
}

func equalUnits(a, b *Unit) bool {
	return slices.EqualFunc(a.Sections, b.Sections, func(x, y Section) bool {
		return x.Name == y.Name && slices.Equal(x.Entries, y.Entries)
	})
}

// TestParseUnitLineEnds: \r\n and \n\r are one line end, \n\n and a NUL
// followed by anything are two, which decides where a continuation stops.
func TestParseUnitLineEnds(t *testing.T) {
	for in, want := range map[string][]Entry{
		"[A]\nK=a\\\r\nb\n":        {{"K", "a b"}},
		"[A]\nK=a\\\n\rb\n":        {{"K", "a b"}},
		"[A]\nK=a\\\n\nb=c\n":      {{"K", "a"}, {"b", "c"}},
		"[A]\nK=a\\\r\rb=c\n":      {{"K", "a"}, {"b", "c"}},
		"[A]\nK=a\\\x00\nb=c\n":    {{"K", "a"}, {"b", "c"}},
		"[A]\nK=a\\\n\r\x00b\n":    {{"K", "a b"}},
		"[A]\nK=a\\\n; comment\nb": {{"K", "a b"}},
	} {
		u, err := ParseUnit(strings.NewReader(in))
		if err != nil {
			t.Errorf("ParseUnit(%q): %v", in, err)
			continue
		}
		if got := u.Sections[0].Entries; !slices.Equal(got, want) {
			t.Errorf("ParseUnit(%q) = %q, want %q", in, got, want)
		}
	}
}
