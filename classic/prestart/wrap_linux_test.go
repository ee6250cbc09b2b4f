//go:build cgo

package prestart

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcdev/svc/classic"
	"github.com/svcdev/svc/ready"
)

// TestDecideWrapped: the constructor takes on a wrapped program only with
// a readiness it judges as Go does, and a program it resolves as Go does;
// the rest is Go's.
func TestDecideWrapped(t *testing.T) {
	dir := privateDir(t)
	pf := filepath.Join(dir, "w.pid")
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep in PATH")
	}
	sleep, _ = filepath.EvalSymlinks(sleep)
	for _, c := range []struct {
		args string // after "svc start --classic --pidfile PF"
		ok   bool   // C launches
		kind int    // 0 none, 1 notify, 2 tcp
		addr string
	}{
		{args: "-- sleep 1", ok: true},
		{args: "sleep 1", ok: true},
		{args: "--exec sleep", ok: true},
		{args: "--exec sleep -- 1 2", ok: true},
		{args: "--exec= -- sleep 1", ok: true},
		{args: "--ready notify -- sleep 1", ok: true, kind: 1},
		{args: "--ready= -- sleep 1", ok: true},
		{args: "--ready tcp:127.0.0.1:8080 -- sleep 1", ok: true, kind: 2, addr: "127.0.0.1:8080"},
		{args: "--ready=tcp:[::1]:080 sleep", ok: true, kind: 2, addr: "[::1]:80"},
		{args: "--log x.log -- sleep", ok: true},
		{args: "--listen :1 -- sleep", ok: true},

		{args: "--ready notify"},                               // Go: --ready is for a wrapped program
		{args: "--ready tcp:localhost:8080 -- sleep"},          // a host name: DNS is Go's
		{args: "--ready tcp:127.0.0.1:http -- sleep"},          // a service name
		{args: "--ready http:http://127.0.0.1:1/ -- sleep"},    // other kinds
		{args: "--ready file:/tmp/x -- sleep"},                 //
		{args: "--ready exec:true -- sleep"},                   //
		{args: "--ready bogus -- sleep"},                       // a usage error
		{args: "-- no-such-program-svc-prestart"},              // not found: Go says so
		{args: "-- " + dir},                                    // a directory
		{args: "--bogus -- sleep"},                             // a program's flag C cannot judge
		{args: "--bogus x -- sleep"},                           //
		{args: "-- ."},                                         //
		{args: "-h -- sleep"},                                  //
		{args: "--ready tcp:127.0.0.1:1 --ready http:x sleep"}, // the last one counts
	} {
		argv := append([]string{"svc", "start", "--classic", "--pidfile", pf}, strings.Fields(c.args)...)
		_, _, ok := decide(argv, nil)
		prog, kind, _, addr, _, wrapped := wrapInfo()
		if ok != c.ok {
			t.Errorf("%s: C launches %v, want %v", c.args, ok, c.ok)
			continue
		}
		if ok && (!wrapped || prog != sleep || kind != c.kind || addr != c.addr) {
			t.Errorf("%s: wrapped %v %q kind %d addr %q, want %q kind %d addr %q", c.args, wrapped, prog, kind, addr, sleep, c.kind, c.addr)
		}
	}
	if _, _, ok := decide([]string{"svc", "start", "--classic", "--pidfile", pf}, nil); !ok {
		t.Fatal("svc's own service: C does not launch")
	}
	if _, _, _, _, _, wrapped := wrapInfo(); wrapped {
		t.Error("svc's own service taken for a wrapped program")
	}
}

// TestResolveExecAsGo: where C resolves a program, it is to the path
// classic.ResolveExec gives; where it does not, Go decides.
func TestResolveExecAsGo(t *testing.T) {
	dir := privateDir(t)
	bin := filepath.Join(dir, "bin")
	real := filepath.Join(dir, "real")
	for _, d := range []string{bin, real, filepath.Join(real, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string, mode os.FileMode) {
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(real, "prog"), 0o755)
	write(filepath.Join(real, "sub", "prog"), 0o755)
	write(filepath.Join(bin, "plain"), 0o644)
	os.Symlink(filepath.Join(real, "prog"), filepath.Join(bin, "linked"))
	os.Symlink(filepath.Join(real, "sub"), filepath.Join(dir, "sublink"))
	os.Symlink("../real/sub/prog", filepath.Join(bin, "rel link"))
	os.Mkdir(filepath.Join(bin, "adir"), 0o755)
	t.Chdir(filepath.Join(real, "sub"))

	served := 0
	for _, c := range []struct {
		path, pwd string
		progs     []string
	}{
		{bin, "", []string{"linked", "rel link", "plain", "adir", "absent", "prog", "sleep"}},
		{bin + ":" + real, "", []string{"prog", "plain", "linked"}},
		{"/nonexistent:" + bin + "/:" + real + "/sub/..", "", []string{"prog", "linked"}},
		{"relative:" + bin, "", []string{"linked", "prog"}},
		{":" + bin, "", []string{"linked", "prog"}},
		{"", "", []string{"linked", "sleep"}},
		{bin, filepath.Join(dir, "sublink"), []string{"./prog", "../prog", "../sub/prog", "prog/..", "." + "/" + "prog"}},
		{bin, "", []string{"./prog", "../prog", "../../real/prog", filepath.Join(dir, "sublink", "..", "real", "prog"), filepath.Join(dir, "sublink", "prog"), ".", "..", ""}},
	} {
		t.Setenv("PATH", c.path)
		if c.pwd != "" {
			t.Setenv("PWD", c.pwd)
		} else {
			t.Setenv("PWD", filepath.Join(real, "sub"))
		}
		for _, prog := range c.progs {
			want, err := classic.ResolveExec(prog)
			got, ok := resolveExec(prog)
			switch {
			case ok && err != nil:
				t.Errorf("PATH=%q PWD=%q %q: C resolves %q, Go refuses: %v", c.path, c.pwd, prog, got, err)
			case ok && got != string(want):
				t.Errorf("PATH=%q PWD=%q %q: C resolves %q, Go %q", c.path, c.pwd, prog, got, want)
			case ok:
				served++
			}
		}
	}
	if served < 10 {
		t.Errorf("C resolved only %d programs: the fast path would hardly serve", served)
	}
}

// TestReadyAsGo: C reads a --ready value only as ready.Parse does, and
// spells a tcp: address as Go's dial error does.
func TestReadyAsGo(t *testing.T) {
	served := 0
	for _, s := range []string{
		"", "notify", "tcp:127.0.0.1:8080", "tcp:10.1.2.3:1", "tcp:255.255.255.255:65535", "tcp:127.0.0.1:080",
		"tcp:[::1]:80", "tcp:[0:0:0:0:0:0:0:1]:80", "tcp:[2001:DB8:0:0:1:0:0:1]:8080", "tcp:[1:0:0:1:0:0:0:1]:1",
		"tcp:[1:0:0:1:0:0:1:1]:1", "tcp:[0:1:0:1:0:1:0:1]:1", "tcp:[1::]:1", "tcp:[::102:304]:1", "tcp:[fe80::1]:1",
		"tcp:[abcd:ef01:2345:6789:abcd:ef01:2345:6789]:9",
		// Go's: a name, a zone, IPv4 in IPv6, leading zeros, unspecified, odd ports, other kinds.
		"tcp:localhost:80", "tcp:[fe80::1%lo]:1", "tcp:[::ffff:127.0.0.1]:80", "tcp:[::1.2.3.4]:80", "tcp:127.0.0.01:80",
		"tcp:0.0.0.0:80", "tcp:[::]:80", "tcp:127.0.0.1:0", "tcp:127.0.0.1:65536", "tcp:127.0.0.1:+80", "tcp:127.0.0.1:",
		"tcp::80", "tcp:127.0.0.1", "tcp:[::1]80", "tcp:[1.2.3.4]:80", "tcp:1.2.3:80", "tcp:1.2.3.4.5:80", "tcp:256.1.1.1:1",
		"http:http://127.0.0.1/", "file:/x", "exec:true", "notify ", "Notify", "tcp:127.0.0.1:8080\n",
	} {
		kind, spec, addr, ok := parseReady(s)
		if !ok {
			continue
		}
		served++
		want, err := ready.Parse(s)
		if err != nil {
			t.Errorf("%q: C reads kind %d, Go refuses: %v", s, kind, err)
			continue
		}
		if int(want.Kind) != kind {
			t.Errorf("%q: C reads kind %d, Go %d", s, kind, want.Kind)
		}
		if kind != int(ready.TCP) {
			continue
		}
		if spec != want.String() {
			t.Errorf("%q: C spec %q, Go %q", s, spec, want.String())
		}
		ta, err := net.ResolveTCPAddr("tcp", want.Addr)
		if err != nil || ta.String() != addr {
			t.Errorf("%q: C spells the address %q, Go %v (%v)", s, addr, ta, err)
		}
	}
	if served < 15 {
		t.Errorf("C read only %d values", served)
	}
}
