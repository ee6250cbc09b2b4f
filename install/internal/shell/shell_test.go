package shell

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// shells are the real shells the quoted text is checked against.
func shells(t testing.TB) []string {
	var found []string
	for _, sh := range []string{"sh", "dash", "bash"} {
		if p, err := exec.LookPath(sh); err == nil {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		t.Skip("no POSIX shell in PATH")
	}
	return found
}

// roundTrip has each shell print the quoted words NUL-terminated and
// compares the bytes with the input.
func roundTrip(t testing.TB, words []string) {
	t.Helper()
	script := `printf '%s\0' ` + Join(words)
	for _, sh := range shells(t) {
		out, err := exec.Command(sh, "-c", script).Output()
		if err != nil {
			t.Fatalf("%s -c %q: %v", sh, script, err)
		}
		want := strings.Join(words, "\x00") + "\x00"
		if !bytes.Equal(out, []byte(want)) {
			t.Fatalf("%s read %q back as %q", sh, words, out)
		}
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	cases := [][]string{
		{""},
		{"plain", "a b", "it's", `"dq"`, `back\slash`, "$HOME", "${x}", "`id`", "$(id)"},
		{"%h %% 100%", "~", "~root", "a=b", "*", "?", "[a]", "#c", "!", "&;|<>(){}"},
		{"new\nline", "tab\there", "\r", "\x01\x7f", "\xff\xfe not utf-8", "ünï"},
		{`/var/log/a b/%h $HOME "q".log`, "'", "''", `'\''`},
		{"-n", "-e", "--", "-"},
	}
	for _, c := range cases {
		roundTrip(t, c)
	}
}

func TestQuotePlain(t *testing.T) {
	for in, want := range map[string]string{
		"svc":            "svc",
		"/usr/bin/svc":   "/usr/bin/svc",
		"a b":            "'a b'",
		"":               "''",
		"it's":           `'it'\''s'`,
		"--listen=:8080": "'--listen=:8080'",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a b", "'", `\`, "$x", "%h", "\n", "\xff"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.IndexByte(a, 0) >= 0 || strings.IndexByte(b, 0) >= 0 {
			t.Skip("a NUL cannot be in a shell word; callers refuse it")
		}
		roundTrip(t, []string{a, b})
	})
}
