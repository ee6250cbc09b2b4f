package systemd

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// parseNative decodes journald's native protocol the way journald does:
// "NAME=value\n", or "NAME\n" + little-endian uint64 length + value + "\n".
func parseNative(b []byte) (map[string][]string, error) {
	fields := map[string][]string{}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil, fmt.Errorf("unterminated field %q", b)
		}
		line := b[:i]
		if eq := bytes.IndexByte(line, '='); eq >= 0 {
			k := string(line[:eq])
			fields[k] = append(fields[k], string(line[eq+1:]))
			b = b[i+1:]
			continue
		}
		name := string(line)
		b = b[i+1:]
		if len(b) < 8 {
			return nil, fmt.Errorf("field %s: short length", name)
		}
		n := binary.LittleEndian.Uint64(b)
		b = b[8:]
		if uint64(len(b)) < n+1 || b[n] != '\n' {
			return nil, fmt.Errorf("field %s: bad binary value", name)
		}
		fields[name] = append(fields[name], string(b[:n]))
		b = b[n+1:]
	}
	return fields, nil
}

var validField = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_]*$`)

func TestJournalField(t *testing.T) {
	for key, want := range map[string]string{
		"msg":                   "MSG",
		"http.status":           "HTTP_STATUS",
		"_private":              "PRIVATE",
		"1st":                   "F_1ST",
		"":                      "F_",
		"a b-c":                 "A_B_C",
		"caf\u00e9":             "CAF__",
		strings.Repeat("k", 70): strings.Repeat("K", 64),
	} {
		if got := JournalField(key); got != want {
			t.Errorf("JournalField(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestAppendJournalFieldForms(t *testing.T) {
	if got := string(AppendJournalField(nil, "A", "one line = fine")); got != "A=one line = fine\n" {
		t.Errorf("plain form %q", got)
	}
	got := AppendJournalField(nil, "MESSAGE", "two\nlines")
	want := append([]byte("MESSAGE\n\x09\x00\x00\x00\x00\x00\x00\x00"), "two\nlines\n"...)
	if !bytes.Equal(got, want) {
		t.Errorf("binary form %q, want %q", got, want)
	}
}

// FuzzJournalField: any key becomes a name journald accepts, and any value
// (newlines, NULs, non-UTF-8) comes back exactly.
func FuzzJournalField(f *testing.F) {
	for _, s := range []string{"", "x", "a\nb", "\n", "=\n=", "\xff\x00", "100% $HOME \"q\""} {
		f.Add("key."+s, s)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		name := JournalField(key)
		if len(name) > maxFieldName || !validField.MatchString(name) || name[0] >= '0' && name[0] <= '9' {
			t.Fatalf("JournalField(%q) = %q: journald would refuse it", key, name)
		}
		got, err := parseNative(AppendJournalField(AppendJournalField(nil, name, value), "NEXT", "1"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got[name]) != 1 || got[name][0] != value || got["NEXT"][0] != "1" {
			t.Fatalf("value %q came back as %q", value, got)
		}
	})
}
