package systemd

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// FuzzServiceNoInjection: whatever a field's value, Unit either refuses it
// or renders a file that systemd's line rules (ParseUnit) read back with
// exactly the sections and keys the spec asked for, in order, and every
// value decodes to the input: no value can add a directive or a section,
// or lose a byte. Each field is fuzzed on its own, so one refused field
// does not hide the others.
func FuzzServiceNoInjection(f *testing.F) {
	for _, v := range injectionSeeds {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, c := range fuzzCases {
			spec, want := c(v)
			checkNoInjection(t, spec, want)
		}
	})
}

var injectionSeeds = []string{"svc", "a\nExecStartPre=/bin/evil", "x\ry", "1\n[Service]\nUser=root",
	`100% "q" \`, `$HOME %h "\`, "~", "/srv/a b %i", "0022", "file:/a%b", "b@i.service", "[::1]:80",
	"a\x00b", "\xff", "\uFEFF", "x\\", "\t", "on-failure", "notify", "man:x(1)",
	"a b/%h $HOME ", "a:b", "CAP_NET_BIND_SERVICE", "AF_NETLINK"}

// TestInjectionCasesRender keeps the fuzz test honest: every case renders
// for some seed, so its checks do run.
func TestInjectionCasesRender(t *testing.T) {
	for i, c := range fuzzCases {
		rendered := 0
		for _, v := range injectionSeeds {
			spec, want := c(v)
			if checkNoInjection(t, spec, want) {
				rendered++
			}
		}
		if rendered == 0 {
			t.Errorf("fuzz case %d: no seed renders", i)
		}
	}
}

// renderOrder is the order of keys in a rendered unit.
var renderOrder = []string{"Unit/Description", "Unit/Documentation", "Unit/After",
	"Service/Type", "Service/PIDFile", "Service/User", "Service/Group", "Service/WorkingDirectory",
	"Service/UMask", "Service/Environment", "Service/ExecStart", "Service/ExecStop", "Service/Restart",
	"Service/RestartSec", "Service/StandardOutput", "Service/SyslogIdentifier",
	"Service/LogsDirectory", "Service/ReadWritePaths", "Service/CapabilityBoundingSet",
	"Service/AmbientCapabilities", "Service/RestrictAddressFamilies",
	"Socket/ListenStream", "Socket/FileDescriptorName", "Socket/Service", "Socket/SocketUser",
	"Install/WantedBy"}

// serviceCase puts v in one field of a minimal valid Service.
func serviceCase(set func(*Service, string), fields ...field) func(string) (spec, []field) {
	return func(v string) (spec, []field) {
		s := Service{ExecStart: []string{"/bin/true"}}
		set(&s, v)
		want := []field{
			{"Service", "ExecStart", "/bin/true", decodeExec, nil},
			{"Service", "Restart", "on-failure", decodeRaw, nil},
			{"Service", "RestartSec", "1s", decodeRaw, nil},
			{"Install", "WantedBy", "multi-user.target", decodeRaw, nil},
		}
		return s, overlay(want, v, fields)
	}
}

type spec interface{ Unit() (*Unit, error) }

var fuzzCases = []func(string) (spec, []field){
	serviceCase(func(s *Service, v string) { s.Description = v }, field{"Unit", "Description", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.Documentation = []string{v} }, field{"Unit", "Documentation", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.After = []string{v} }, field{"Unit", "After", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.Type = v }, field{"Service", "Type", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.PIDFile = v }, field{"Service", "PIDFile", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.User = v }, field{"Service", "User", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.Group = v }, field{"Service", "Group", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.WorkingDirectory = v }, field{"Service", "WorkingDirectory", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.UMask = v }, field{"Service", "UMask", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.Environment = []EnvVar{{"N", v}} }, field{"Service", "Environment", "", decodeQuoted, func(v string) string { return "N=" + v }}),
	serviceCase(func(s *Service, v string) { s.Environment = []EnvVar{{v, "x"}} }, field{"Service", "Environment", "", decodeQuoted, func(v string) string { return v + "=x" }}),
	serviceCase(func(s *Service, v string) { s.ExecStart = []string{v} }, field{"Service", "ExecStart", "", decodeExec, nil}),
	serviceCase(func(s *Service, v string) { s.ExecStart = []string{"/bin/true", v, v} },
		field{"Service", "ExecStart", "", decodeExec, func(v string) string { return "/bin/true\x00" + v + "\x00" + v }}),
	serviceCase(func(s *Service, v string) { s.ExecStop = []string{"/bin/true", v} },
		field{"Service", "ExecStop", "", decodeExec, func(v string) string { return "/bin/true\x00" + v }}),
	serviceCase(func(s *Service, v string) { s.StandardOutput = v }, field{"Service", "StandardOutput", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.SyslogIdentifier = v }, field{"Service", "SyslogIdentifier", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.WantedBy = []string{v} }, field{"Install", "WantedBy", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.Sandbox.LogsDirectory = []string{v} }, field{"Service", "LogsDirectory", "", decodeQuoted, nil}),
	serviceCase(func(s *Service, v string) { s.Sandbox.ReadWritePaths = []string{v} }, field{"Service", "ReadWritePaths", "", decodeQuoted, nil}),
	serviceCase(func(s *Service, v string) { s.Sandbox.RestrictCapabilities, s.Sandbox.Capabilities = true, []string{v} },
		field{"Service", "CapabilityBoundingSet", "", decodeRaw, nil}, field{"Service", "AmbientCapabilities", "", decodeRaw, nil}),
	serviceCase(func(s *Service, v string) { s.Sandbox.RestrictAddressFamilies = []string{v} },
		field{"Service", "RestrictAddressFamilies", "", decodeRaw, nil}),
	socketCase(func(s *Socket, v string) { s.Description = v }, field{"Unit", "Description", "", decodeRaw, nil}),
	socketCase(func(s *Socket, v string) { s.ListenStream = []string{v} }, field{"Socket", "ListenStream", "", decodeRaw, nil}),
	socketCase(func(s *Socket, v string) { s.FileDescriptorName = v }, field{"Socket", "FileDescriptorName", "", decodeRaw, nil}),
	socketCase(func(s *Socket, v string) { s.Service = v }, field{"Socket", "Service", "", decodeRaw, nil}),
	socketCase(func(s *Socket, v string) { s.SocketUser = v }, field{"Socket", "SocketUser", "", decodeRaw, nil}),
}

// overlay puts fields, their input v (wrapped if they say so), in place
// of the defaults of the same key in want.
func overlay(want []field, v string, fields []field) []field {
	for _, f := range fields {
		f.input = v
		if f.wrap != nil {
			f.input = f.wrap(v)
		}
		want = slices.DeleteFunc(want, func(w field) bool { return w.key == f.key })
		want = append(want, f)
	}
	return want
}

func socketCase(set func(*Socket, string), fields ...field) func(string) (spec, []field) {
	return func(v string) (spec, []field) {
		s := Socket{ListenStream: []string{"8080"}}
		set(&s, v)
		want := []field{
			{"Socket", "ListenStream", "8080", decodeRaw, nil},
			{"Install", "WantedBy", "sockets.target", decodeRaw, nil},
		}
		return s, overlay(want, v, fields)
	}
}

// field is one expected entry: its input and how to decode the value.
type field struct {
	section, key, input string
	decode              func(string) (string, error)
	wrap                func(v string) string // input from the fuzzed value; nil: v itself
}

// checkNoInjection reports whether sp rendered (and so was checked).
func checkNoInjection(t *testing.T, sp spec, want []field) bool {
	t.Helper()
	u, err := sp.Unit()
	if err != nil {
		return false
	}
	text, err := u.MarshalText()
	if err != nil {
		t.Fatalf("Unit() gave a unit MarshalText refuses: %v", err)
	}
	got, err := ParseUnit(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("ParseUnit of rendered unit: %v\n%s", err, text)
	}
	want = slices.DeleteFunc(slices.Clone(want), func(f field) bool { return f.input == "" })
	slices.SortStableFunc(want, func(a, b field) int {
		return slices.Index(renderOrder, a.section+"/"+a.key) - slices.Index(renderOrder, b.section+"/"+b.key)
	})
	var gotKeys, wantKeys []string
	for _, s := range got.Sections {
		for _, e := range s.Entries {
			gotKeys = append(gotKeys, s.Name+"/"+e.Key)
		}
	}
	for _, f := range want {
		wantKeys = append(wantKeys, f.section+"/"+f.key)
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Fatalf("keys %q, want %q\n%s", gotKeys, wantKeys, text)
	}
	if len(got.Sections) != len(u.Sections) {
		t.Fatalf("%d sections read back, %d rendered\n%s", len(got.Sections), len(u.Sections), text)
	}
	for _, f := range want {
		v := got.Values(f.section, f.key)
		dec, err := f.decode(v[0])
		if err != nil || dec != f.input {
			t.Fatalf("[%s] %s=%s decodes to %q, %v; want %q", f.section, f.key, v[0], dec, err, f.input)
		}
	}
	return true
}

func decodeRaw(v string) (string, error) { return unescapeSpecifiers(v) }

// decodeQuoted reads one quoted word, as Environment= does.
func decodeQuoted(v string) (string, error) {
	words, err := splitExecWords(v)
	if err != nil || len(words) != 1 {
		return "", fmt.Errorf("%d words, %v", len(words), err)
	}
	return unescapeSpecifiers(words[0])
}

func decodeExec(v string) (string, error) {
	argv, err := UnquoteExec(v)
	return strings.Join(argv, "\x00"), err
}

// FuzzParseUnit: any input parses or errors without panicking, and a
// parsed unit that validates writes back to text that parses to itself.
func FuzzParseUnit(f *testing.F) {
	f.Add("[Unit]\nDescription=x\\\ny\n# c\n[Service]\r\nExecStart=/bin/x \"a b\"\x00K=v")
	f.Add("\uFEFF[A]\n K = v \\\\\n")
	f.Fuzz(func(t *testing.T, in string) {
		u, err := ParseUnit(strings.NewReader(in))
		if err != nil {
			return
		}
		text, err := u.MarshalText()
		if err != nil {
			return
		}
		back, err := ParseUnit(bytes.NewReader(text))
		if err != nil || !equalUnits(back, u) {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", in, u, text, back, err)
		}
	})
}
