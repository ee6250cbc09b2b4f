//go:build cgo

package prestart

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// decideCases are argv the constructor takes on (timeout > 0) or leaves to
// Go (0): everything Go would refuse or that is not `start --classic`.
var decideCases = []struct {
	args    string // after "svc", split on spaces
	env     string
	timeout time.Duration
	pidfile string
}{
	{args: "start --classic --pidfile p", timeout: 30 * time.Second, pidfile: "p"},
	{args: "start --pidfile=/run/x.pid -classic --timeout 500ms", timeout: 500 * time.Millisecond, pidfile: "/run/x.pid"},
	{args: "start --classic=true --pidfile p -timeout=1m30s", timeout: 90 * time.Second, pidfile: "p"},
	{args: "start --classic=1 --pidfile p --timeout=1.5s --timeout 2s", timeout: 2 * time.Second, pidfile: "p"},
	{args: "start --classic --pidfile p --timeout 0", timeout: 30 * time.Second, pidfile: "p"},   // Options.resolved
	{args: "start --classic --pidfile p --timeout -5s", timeout: 30 * time.Second, pidfile: "p"}, // likewise
	{args: "start --classic --pidfile a --pidfile b --", timeout: 30 * time.Second, pidfile: "b"},
	{args: "start --classic --pidfile -h"}, // a value, not a flag; relative: Go's
	{args: "start --classic --pidfile p --classic=false", timeout: 30 * time.Second, pidfile: "p"},
	{args: "start --classic --pidfile p --test.never-ready --log l --user u --group g --umask 0777 --chdir d --listen :1 --shutdown-delay=2s",
		timeout: 30 * time.Second, pidfile: "p"},
	{args: "start --classic --pidfile p --umask 0", timeout: 30 * time.Second, pidfile: "p"},
	{args: "start --classic --pidfile p", env: "OTHER=1", timeout: 30 * time.Second, pidfile: "p"},

	{args: ""},
	{args: "start"},
	{args: "run --classic --pidfile p"},
	{args: "restart --classic --pidfile p"},
	{args: "start --pidfile p"},
	{args: "start --classic=false --classic --pidfile p"}, // the first decides
	{args: "start -- --classic --pidfile p"},
	{args: "start ---classic --pidfile p"},
	{args: "start --classic=maybe --pidfile p"},
	{args: "start --classic"},
	{args: "start --classic --pidfile="},
	{args: "start --classic --pidfile p -h"},
	{args: "start --classic --pidfile p --help"},
	{args: "start --classic --pidfile p -help"},
	// A flag C does not know is the program's own: the daemon's Go judges.
	{args: "start --classic --pidfile p --bogus", timeout: 30 * time.Second, pidfile: "p"},
	{args: "start --classic --addr :7007 --pidfile p", timeout: 30 * time.Second, pidfile: "p"},
	{args: "start --classic --addr=:7007 --verbose --pidfile p --timeout 1s", timeout: time.Second, pidfile: "p"},
	{args: "start --classic --pidfile p --addr", timeout: 30 * time.Second, pidfile: "p"},
	{args: "start --classic --pidfile p --timeout"},
	{args: "start --classic --pidfile p --timeout soon"},
	{args: "start --classic --pidfile p --timeout 10"},
	{args: "start --classic --pidfile p --shutdown-delay 10"},
	{args: "start --classic --pidfile p --umask 8"},
	{args: "start --classic --pidfile p --umask 1000"},
	{args: "start --classic --pidfile p --umask 0o22"},
	{args: "start --classic --pidfile p --umask="},
	{args: "start --classic --pidfile p --test.never-ready=yes"},
	{args: "start --classic --pidfile p extra"},
	{args: "start --classic --pidfile p -- extra"},
	{args: "start --classic --pidfile p -"},
	{args: "start --classic --pidfile p -=x"},
	{args: "start --classic --pidfile p", env: "SVC_CLASSIC_HANDOFF=daemon:@x"},
	{args: "start --classic --pidfile p", env: "SVC_CLASSIC_HANDOFF="},
}

// TestDecide runs decideCases with their one-letter pidfiles ("p") made
// absolute in a safe directory, as the constructor wants them (a relative
// one, or one in a missing or unsafe directory, is Go's; see
// TestDecidePaths).
func TestDecide(t *testing.T) {
	dir := privateDir(t)
	abs := func(s string) string {
		if len(s) == 1 {
			return filepath.Join(dir, s)
		}
		return s
	}
	for _, c := range decideCases {
		argv := []string{"svc"}
		for i, a := range strings.Fields(c.args) {
			if i > 0 && strings.HasSuffix(argv[len(argv)-1], "pidfile") {
				a = abs(a)
			}
			argv = append(argv, a)
		}
		env := strings.Fields(c.env)
		timeout, pidfile, ok := decide(argv, env)
		c.pidfile = abs(c.pidfile)
		if ok != (c.timeout > 0) || timeout != c.timeout || pidfile != c.pidfile {
			t.Errorf("svc %s (env %q): got %v %q (launch %v), want %v %q", c.args, c.env, timeout, pidfile, ok, c.timeout, c.pidfile)
		}
	}
}

// TestDecidePaths: the constructor takes only a pidfile Go would spell the
// same (pidfile.Clean) in a directory that exists and is safe; Go finds
// and reports the rest before it forks.
func TestDecidePaths(t *testing.T) {
	dir := privateDir(t)
	open := filepath.Join(dir, "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o777)
	for _, c := range []struct {
		pidfile string
		ok      bool
	}{
		{filepath.Join(dir, "x.pid"), true},
		{"x.pid", false},
		{dir + "/x.pid/", false},
		{dir + "//x.pid", false},
		{dir + "/./x.pid", false},
		{dir + "/../x.pid", false},
		{filepath.Join(dir, "missing", "x.pid"), false},
		{filepath.Join(open, "x.pid"), false},
	} {
		_, pf, ok := decide([]string{"svc", "start", "--classic", "--pidfile", c.pidfile}, nil)
		if ok != c.ok || (ok && pf != c.pidfile) {
			t.Errorf("--pidfile %q: C launches %v (%q), want %v", c.pidfile, ok, pf, c.ok)
		}
	}
	for _, u := range []string{"--user=", "--group="} {
		if _, _, ok := decide([]string{"svc", "start", "--classic", "--pidfile", filepath.Join(dir, "x.pid"), u}, nil); ok {
			t.Errorf("%s: C launches; Go refuses an empty one", u)
		}
	}
}

// TestFlagsAsGo checks the C side's flags against those `svc start
// --classic -h` lists: a flag it does not know would leave every start
// using it to the slow path; one it knows wrong would misparse argv.
func TestFlagsAsGo(t *testing.T) {
	res := runSvc(t, svcBinary(t, true), "start", "--classic", "-h")
	if res.code != 0 {
		t.Fatalf("start --classic -h: %+v", res)
	}
	usage := regexp.MustCompile(`(?m)^  -(\S+)( \S+)?$`).FindAllStringSubmatch(res.stderr, -1)
	if len(usage) < 5 {
		t.Fatalf("start --classic -h lists %d flags:\n%s", len(usage), res.stderr)
	}
	c := flags("start")
	shown := map[string]bool{}
	for _, m := range usage {
		name, takesValue := m[1], m[2] != ""
		shown[name] = true
		if v, ok := c[name]; !ok || v != takesValue {
			t.Errorf("flag -%s (takes a value: %v): C knows it %v, as taking a value %v", name, takesValue, ok, v)
		}
		if takesValue && name != "pidfile" { // a pidfile Go takes would start a daemon
			valuesAsGo(t, name)
		}
	}
	for name := range c {
		if !shown[name] && name != "test.never-ready" { // hidden from -h
			t.Errorf("C knows flag -%s, which svc start --classic -h does not list", name)
		}
	}
	// The hidden flag is a boolean: "=x" must be refused by Go too.
	res = runSvc(t, svcBinary(t, false), "start", "--classic", "--pidfile", "p", "--test.never-ready=x")
	if res.code != 2 {
		t.Errorf("--test.never-ready=x: %+v, want a usage error", res)
	}
}

// valuesAsGo checks that C launches with a value of flag name exactly
// when Go does: Go refuses a value it cannot use with a usage error (exit
// 2); one it takes starts a launch, which fails (exit 1) in the daemon,
// whose pidfile's name is taken by a directory.
func valuesAsGo(t *testing.T, name string) {
	dir := privateDir(t) // where a relative --log lands
	pidfile := filepath.Join(dir, "svc.pid")
	if err := os.Mkdir(pidfile, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"soon", "0", "1s", "077", ""} {
		args := []string{"start", "--classic", "--pidfile", pidfile, "-" + name, v}
		_, _, cTakes := decide(append([]string{"svc"}, args...), nil)
		cmd := exec.Command(svcBinary(t, false), args...)
		cmd.Dir = dir
		res := runCmd(t, cmd)
		if goTakes := res.code != 2; cTakes != goTakes {
			t.Errorf("-%s %q: C launches %v, Go %v (%+v)", name, v, cTakes, goTakes, res)
		}
	}
}
