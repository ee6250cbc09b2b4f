package systemd

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuoteExec(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"/bin/true"}, `/bin/true`},
		{[]string{"/usr/bin/svc", "run", "--listen", "127.0.0.1:8080"}, `/usr/bin/svc run --listen 127.0.0.1:8080`},
		{[]string{"/opt/my app/bin/svc", "a b"}, `"/opt/my app/bin/svc" "a b"`},
		{[]string{"/bin/x", ""}, `/bin/x ""`},
		{[]string{"/bin/x", "100%"}, `/bin/x 100%%`},
		{[]string{"/bin/x", "%h"}, `/bin/x %%h`},
		{[]string{"/opt/50%/x"}, `/opt/50%%/x`},
		{[]string{"/bin/x", "$HOME", "${HOME}", "$$"}, `/bin/x $$HOME "$${HOME}" $$$$`},
		{[]string{"/bin/x", `say "hi"`}, `/bin/x "say \"hi\""`},
		{[]string{"/bin/x", `back\slash`}, `/bin/x "back\\slash"`},
		{[]string{"/bin/x", "tab\there", "nl\nhere", "cr\r", "\x01\x1b\x7f"}, `/bin/x "tab\there" "nl\nhere" "cr\r" "\x01\x1b\x7f"`},
		{[]string{"/bin/x", ";"}, `/bin/x ";"`},
		{[]string{"/bin/x", `\;`}, `/bin/x "\\;"`},
		{[]string{"/bin/x", "'single'"}, `/bin/x "'single'"`},
		{[]string{"/bin/x", "#not-a-comment"}, `/bin/x "#not-a-comment"`},
		{[]string{"/bin/x", "日本語"}, `/bin/x "日本語"`},
		{[]string{"/bin/x", "trailing\\"}, `/bin/x "trailing\\"`},
		{[]string{"/bin/x", `/var/log/a b/%h $HOME "q".log`}, `/bin/x "/var/log/a b/%%h $$HOME \"q\".log"`},
	}
	for _, tt := range tests {
		got, err := QuoteExec(tt.argv)
		if err != nil {
			t.Errorf("QuoteExec(%q): %v", tt.argv, err)
			continue
		}
		if got != tt.want {
			t.Errorf("QuoteExec(%q)\n got %s\nwant %s", tt.argv, got, tt.want)
		}
		back, err := UnquoteExec(got)
		if err != nil || !slices.Equal(back, tt.argv) {
			t.Errorf("UnquoteExec(%s) = %q, %v; want %q", got, back, err, tt.argv)
		}
	}
}

func TestQuoteExecRefuses(t *testing.T) {
	tests := []struct {
		argv []string
		want string // in the error
	}{
		{nil, "empty argv"},
		{[]string{""}, "empty executable"},
		{[]string{"svc"}, "not an absolute path"},
		{[]string{"./svc"}, "not an absolute path"},
		{[]string{"/bin/"}, "not normalized"},
		{[]string{"/bin//true"}, "not normalized"},
		{[]string{"/bin/./true"}, "not normalized"},
		{[]string{"/opt/a$b/x"}, "'$'"},
		{[]string{`/opt/"q"/x`}, "quote"},
		{[]string{`/opt/back\slash`}, "backslash"},
		{[]string{"/opt/tab\tx"}, "control character"},
		{[]string{"/opt/\xff"}, "UTF-8"},
		{[]string{"/" + strings.Repeat("a", 256)}, "NAME_MAX"},
		{[]string{"/bin/x", "nul\x00byte"}, "argument 1: contains a NUL"},
		{[]string{"/bin/x", "ok", "\xffbad"}, "argument 2: \"\\xffbad\" is not valid UTF-8"},
	}
	for _, tt := range tests {
		got, err := QuoteExec(tt.argv)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("QuoteExec(%q) = %q, %v; want error with %q", tt.argv, got, err, tt.want)
		}
	}
}

// TestUnquoteExecSyntax covers the parts of systemd's command line syntax
// QuoteExec never writes but hand-written units use.
func TestUnquoteExecSyntax(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`  /bin/x   a  b  `, []string{"/bin/x", "a", "b"}},
		{`/bin/x a"b c"d`, []string{"/bin/x", "ab cd"}},
		{`/bin/x 'single "quoted"'`, []string{"/bin/x", `single "quoted"`}},
		{`/bin/x \; ";"`, []string{"/bin/x", ";", ";"}},
		{`/bin/x a\sb \x41\101\u00e9\U0001F600`, []string{"/bin/x", "a b", "AAé😀"}},
		{`/bin/x "\a\b\f\v\'"`, []string{"/bin/x", "\a\b\f\v'"}},
		{"/bin/x\ta\tb", []string{"/bin/x", "a", "b"}},
	}
	for _, tt := range tests {
		got, err := UnquoteExec(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("UnquoteExec(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{``, "empty"},
		{`/bin/x "open`, "unbalanced"},
		{`/bin/x a\`, "trailing backslash"},
		{`/bin/x \q`, "unknown escape"},
		{`/bin/x \x00`, "bad escape"},
		{`/bin/x \000`, "bad escape"},
		{`/bin/x \uD800`, "bad escape"},
		{`/bin/x ; /bin/y`, "several commands"},
		{`-/bin/x`, "prefix"},
		{`@/bin/x y`, "prefix"},
		{`/bin/x %h`, "specifier"},
		{`/bin/x $HOME`, "environment reference"},
		{`/bin/x ${HOME}`, "environment reference"},
		{`x`, "not an absolute path"},
	}
	for _, tt := range bad {
		got, err := UnquoteExec(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("UnquoteExec(%s) = %q, %v; want error with %q", tt.in, got, err, tt.want)
		}
	}
}

func TestEscapeSpecifiers(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "%": "%%", "%h%%": "%%h%%%%"} {
		if got := EscapeSpecifiers(in); got != want {
			t.Errorf("EscapeSpecifiers(%q) = %q, want %q", in, got, want)
		}
		if back, err := unescapeSpecifiers(want); err != nil || back != in {
			t.Errorf("unescapeSpecifiers(%q) = %q, %v", want, back, err)
		}
	}
}

// FuzzQuoteExec: an argv either is refused or comes back exactly, and the
// command line is one line of valid UTF-8 whatever the input.
func FuzzQuoteExec(f *testing.F) {
	f.Add("/bin/true", "a b", `"q" \ %h $HOME`)
	f.Add("/opt/x y/z", "\t\n\r\x01", ";")
	f.Add("/x", "", "\xff")
	f.Add("/x", `\;`, "日本\u2028")
	f.Fuzz(func(t *testing.T, a0, a1, a2 string) {
		argv := []string{a0, a1, a2}
		line, err := QuoteExec(argv)
		if err != nil {
			return
		}
		if strings.ContainsAny(line, "\n\r\x00") || !utf8.ValidString(line) || checkLine(line) != nil {
			t.Fatalf("QuoteExec(%q) = %q: not one clean line", argv, line)
		}
		back, err := UnquoteExec(line)
		if err != nil {
			t.Fatalf("UnquoteExec(QuoteExec(%q) = %s): %v", argv, line, err)
		}
		if !slices.Equal(back, argv) {
			t.Fatalf("round trip of %q via %s gave %q", argv, line, back)
		}
	})
}

// FuzzUnquoteExec: any input parses or errors without panicking, and what
// parses quotes back to an equivalent line.
func FuzzUnquoteExec(f *testing.F) {
	f.Add(`/bin/x "a b" \; ';' \x41 %% $$`)
	f.Add(`/bin/x a"b`)
	f.Fuzz(func(t *testing.T, s string) {
		argv, err := UnquoteExec(s)
		if err != nil {
			return
		}
		line, err := QuoteExec(argv)
		if err != nil {
			return // e.g. \xff decodes to a byte QuoteExec refuses
		}
		again, err := UnquoteExec(line)
		if err != nil || !slices.Equal(again, argv) {
			t.Fatalf("%s -> %q -> %s -> %q, %v", s, argv, line, again, err)
		}
	})
}
