package cli

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/svcdev/svc"
)

// testProgram is a Program named svc with one flag of its own, run
// in-process by the tests that need no service.
func testProgram() *Program {
	fs := flag.NewFlagSet("svc", flag.ContinueOnError)
	fs.String("listen", "127.0.0.1:8080", "TCP `ADDR`")
	return &Program{
		Name: "svc", Description: "test program", Flags: fs,
		Run: func(ctx context.Context, n *svc.Notifier) error { n.Ready(); <-ctx.Done(); return nil },
	}
}

// run runs p's Main in-process with args.
func run(p *Program, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = p.Main(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// TestHelpAndVersion: help COMMAND shows that command's flags (both
// forms of the init verbs), help contract the contract, --version the
// version, all in the program's name and with exit 0.
func TestHelpAndVersion(t *testing.T) {
	p := testProgram()
	p.Name, p.Version = "echod", "1.2.3"
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, []string{"echod: test program", "usage: echod COMMAND", "  install "}},
		{[]string{"--help"}, []string{"usage: echod COMMAND"}},
		{[]string{"help", "start"}, []string{"Usage of echod start:", "-name NAME", "With --classic (echod start --classic --pidfile P ...)", "-pidfile P", "-listen ADDR"}},
		{[]string{"help", "status"}, []string{"-pidfile P", "-init string"}},
		{[]string{"help", "run"}, []string{"Usage of echod run:", "-log FILE", "-listen ADDR"}},
		{[]string{"help", "install"}, []string{"-binary BINARY", "-name NAME", `(default "echod")`}},
		{[]string{"help", "contract"}, []string{Contract + "\n", "echod start --classic --pidfile P"}},
		{[]string{"version"}, []string{"echod 1.2.3 "}},
		{[]string{"--version"}, []string{"echod 1.2.3 "}},
	} {
		code, out, errOut := run(p, c.args...)
		if code != 0 || errOut != "" {
			t.Errorf("echod %q: exit %d, stderr %q; want 0 and nothing", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("echod %q: stdout lacks %q:\n%s", c.args, w, out)
			}
		}
	}
	if code, _, errOut := run(p, "help", "nosuch"); code != exitUsage || !strings.Contains(errOut, `echod help: unknown command "nosuch"`) {
		t.Errorf("help nosuch: exit %d: %s", code, errOut)
	}
}

// TestEveryHelpExitsZero: -h is a request, not an error, in every form
// of every command (status --classic -h used to exit 4).
func TestEveryHelpExitsZero(t *testing.T) {
	for name := range commands {
		for _, args := range [][]string{{name, "-h"}, {name, "--classic", "-h"}} {
			if name == "help" {
				continue
			}
			if args[1] == "--classic" && !strings.Contains("start stop restart reload status", name) {
				continue
			}
			if code, _, _ := run(testProgram(), args...); code != 0 {
				t.Errorf("svc %q: exit %d, want 0", args, code)
			}
		}
	}
}

// TestClassicFlagHint: a classic-only flag without --classic names the
// form that takes it.
func TestClassicFlagHint(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"start", "--pidfile", "/run/x.pid"}, exitUsage, "echod start: --pidfile belongs to the classic form: echod start --classic --pidfile P ...\n"},
		{[]string{"start", "--listen", ":1"}, exitUsage, "echod start: --listen belongs to the classic form"},
		{[]string{"stop", "--timeout", "1s"}, exitUsage, "echod stop: --timeout belongs to the classic form"},
		{[]string{"status", "--pidfile", "/run/x.pid"}, lsbUnknown, "echod status: --pidfile belongs to the classic form"},
	} {
		p := testProgram()
		p.Name = "echod"
		code, _, errOut := run(p, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("echod %q: exit %d, stderr:\n%s\nwant exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if code, _, errOut := run(testProgram(), "start", "--bogus"); code != exitUsage || strings.Contains(errOut, "classic form") {
		t.Errorf("start --bogus: exit %d, stderr %s; want no hint", code, errOut)
	}
}

// TestProgramChecked: a Program that cannot be served is refused before
// any command runs, naming the field.
func TestProgramChecked(t *testing.T) {
	clash := flag.NewFlagSet("x", flag.ContinueOnError)
	clash.String("pidfile", "", "")
	clash.Bool("log", false, "")
	for _, c := range []struct {
		p    Program
		want string
	}{
		{Program{Name: "a b", Run: testProgram().Run}, "cli.Program.Name"},
		{Program{Name: "x"}, "cli.Program.Run is nil"},
		{Program{Name: "x", Run: testProgram().Run, Flags: clash}, "cli.Program.Flags defines -log, -pidfile, which the init contract uses"},
	} {
		code, _, errOut := run(&c.p, "version")
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%+v: exit %d, stderr %q; want 2 and %q", c.p, code, errOut, c.want)
		}
	}
}

// TestInstallFlagHint: the service's own flag before -- is refused with
// the way to pass it.
func TestInstallFlagHint(t *testing.T) {
	code, _, errOut := run(testProgram(), "install", "--dry-run", "--listen", ":1")
	if want := "svc install: --listen is the service's own flag; it goes after --: svc install [FLAGS] -- --listen ...\n"; code != exitUsage || !strings.HasSuffix(errOut, want) {
		t.Errorf("install --listen: exit %d, stderr:\n%s\nwant 2 and %q", code, errOut, want)
	}
}

// TestInstallCarriesOwnFlags: the program's own flags after -- reach
// every init's file, quoted for it, for this very binary.
func TestInstallCarriesOwnFlags(t *testing.T) {
	const weird = `a b $x %h "q" 'sq'`
	for _, c := range []struct{ init, want string }{
		{"systemd", ` run --listen "a b $$x %%h \"q\" 'sq'"` + "\n"},
		{"sysv", ` --chdir / --umask 077 --no-new-privs --listen 'a b $x %h "q" '\''sq'\'''` + "\n"},
		{"openrc", ` --chdir / --umask 077 --no-new-privs --listen 'a b $x %h "q" '\''sq'\'''` + "\n"},
		{"launchd", "<string>--listen</string>\n\t\t\t<string>a b $x %h &#34;q&#34; &#39;sq&#39;</string>"},
	} {
		code, out, errOut := run(testProgram(), "install", "--dry-run", "--init", c.init, "--", "--listen", weird)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, stderr %q; output lacks %q:\n%s", c.init, code, errOut, c.want, out)
		}
	}
}
