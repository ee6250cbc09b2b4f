//go:build unix

package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// journal binds a real unixgram socket standing in for journald's and
// returns a handler sending to it and a reader of what arrives there: the
// fields, the raw message, and whether it came as a file (memfd).
func journal(t *testing.T, opts JournalOptions) (*JournalHandler, func() (map[string][]string, []byte, bool)) {
	t.Helper()
	addr := filepath.Join(t.TempDir(), "journal.sock")
	c := listenGram(t, addr)
	h, err := NewJournalHandler(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	next := func() (map[string][]string, []byte, bool) {
		t.Helper()
		msg, files := readGram(t, c)
		raw := []byte(msg)
		if len(files) == 1 { // a message too large for a datagram
			st, err := files[0].Stat()
			if err != nil {
				t.Fatal(err)
			}
			raw = make([]byte, st.Size())
			if _, err := files[0].ReadAt(raw, 0); err != nil {
				t.Fatal(err)
			}
		}
		fields, err := parseNative(raw)
		if err != nil {
			t.Fatalf("%v in %q", err, raw)
		}
		return fields, raw, len(files) == 1
	}
	return h, next
}

func one(t *testing.T, fields map[string][]string, name string) string {
	t.Helper()
	if len(fields[name]) != 1 {
		t.Fatalf("field %s: %q (all: %q)", name, fields[name], fields)
	}
	return fields[name][0]
}

func TestJournalHandlerFields(t *testing.T) {
	h, next := journal(t, JournalOptions{Identifier: "svc-test"})
	log := slog.New(h).With("svc.mode", "systemd").WithGroup("req")
	log.Info("first line\nsecond line", "id", 7, "err", errors.New("boom\nbad"),
		"raw", []byte("\xff\x00ok"), slog.Group("http", "status", 200), "odd", "100% $HOME \"q\"")
	fields, raw, _ := next()
	for name, want := range map[string]string{
		"MESSAGE":           "first line\nsecond line",
		"PRIORITY":          "6",
		"SYSLOG_IDENTIFIER": "svc-test",
		"SVC_MODE":          "systemd",
		"REQ_ID":            "7",
		"REQ_ERR":           "boom\nbad",
		"REQ_RAW":           "\xff\x00ok",
		"REQ_HTTP_STATUS":   "200",
		"REQ_ODD":           "100% $HOME \"q\"",
	} {
		if got := one(t, fields, name); got != want {
			t.Errorf("%s=%q, want %q", name, got, want)
		}
	}
	if len(fields) != 9 {
		t.Errorf("extra fields: %q", fields)
	}
	if !bytes.Contains(raw, []byte("MESSAGE\n\x16\x00\x00\x00\x00\x00\x00\x00first line\nsecond line\n")) {
		t.Errorf("multi-line MESSAGE not in the binary length form: %q", raw)
	}
}

func TestJournalHandlerLevels(t *testing.T) {
	h, next := journal(t, JournalOptions{})
	log := slog.New(h)
	log.Debug("dropped")
	for _, tc := range []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelInfo, "6"}, {slog.LevelInfo + 2, "5"}, {slog.LevelWarn, "4"},
		{slog.LevelError, "3"}, {slog.LevelError + 4, "2"},
	} {
		log.Log(context.Background(), tc.level, "m")
		fields, _, _ := next()
		if got := one(t, fields, "PRIORITY"); got != tc.want {
			t.Errorf("level %v: PRIORITY=%s, want %s", tc.level, got, tc.want)
		}
		if got := one(t, fields, "SYSLOG_IDENTIFIER"); got != filepath.Base(os.Args[0]) {
			t.Errorf("default SYSLOG_IDENTIFIER=%q", got)
		}
	}
	// Debug was dropped: the first datagram read was the Info record.
	h2, next2 := journal(t, JournalOptions{HandlerOptions: slog.HandlerOptions{Level: slog.LevelDebug}})
	slog.New(h2).Debug("kept")
	if fields, _, _ := next2(); one(t, fields, "PRIORITY") != "7" {
		t.Errorf("debug record: %q", fields)
	}
}

func TestJournalHandlerSourceAndReplace(t *testing.T) {
	drop := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "secret" {
			return slog.Attr{}
		}
		return a
	}
	h, next := journal(t, JournalOptions{HandlerOptions: slog.HandlerOptions{AddSource: true, ReplaceAttr: drop}})
	slog.New(h).Info("m", "secret", "x", "kept", "y")
	fields, _, _ := next()
	if f := one(t, fields, "CODE_FILE"); filepath.Base(f) != "journal_unix_test.go" {
		t.Errorf("CODE_FILE=%q", f)
	}
	if _, err := strconv.Atoi(one(t, fields, "CODE_LINE")); err != nil {
		t.Errorf("CODE_LINE: %v", err)
	}
	if f := one(t, fields, "CODE_FUNC"); !strings.HasSuffix(f, "TestJournalHandlerSourceAndReplace") {
		t.Errorf("CODE_FUNC=%q", f)
	}
	if fields["SECRET"] != nil || one(t, fields, "KEPT") != "y" {
		t.Errorf("ReplaceAttr not applied: %q", fields)
	}
}

func TestJournalHandlerFallback(t *testing.T) {
	var buf bytes.Buffer
	addr := filepath.Join(t.TempDir(), "no-journald")
	h, err := NewJournalHandler(addr, JournalOptions{Fallback: NewPrefixHandler(&buf, nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	slog.New(h).With("a", 1).Error("journald is gone", "b", "two words")
	if got, want := buf.String(), "<3>msg=\"journald is gone\" a=1 b=\"two words\"\n"; got != want {
		t.Errorf("fallback wrote %q, want %q", got, want)
	}
	bare, err := NewJournalHandler(addr, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	err = bare.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0))
	if !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), addr) {
		t.Errorf("Handle without fallback: %v", err)
	}
}

func TestPrefixHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewPrefixHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Info("ready", "addr", "127.0.0.1:80")
	log.Warn("two\nlines")
	log.Debug("d")
	log.WithGroup("g").With("k", "v").Error("e", "n", 1)
	want := "<6>msg=ready addr=127.0.0.1:80\n" +
		"<4>msg=\"two\\nlines\"\n" +
		"<7>msg=d\n" +
		"<3>msg=e g.k=v g.n=1\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

// TestPrefixHandlerConcurrent: handlers derived from one another share a
// writer; every line keeps its own prefix.
func TestPrefixHandlerConcurrent(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(NewPrefixHandler(&buf, nil))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log := base.With("g", g)
			for i := range 100 {
				if g%2 == 0 {
					log.Info("even", "i", i)
				} else {
					log.Error("odd", "i", i)
				}
			}
		}()
	}
	wg.Wait()
	line := regexp.MustCompile(`^(<6>msg=even g=[0246]|<3>msg=odd g=[1357]) i=\d+$`)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Fatalf("bad line %q", l)
		}
	}
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
}

func TestIsJournalStream(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	other, err := os.Create(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	js := fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	for _, tc := range []struct {
		value   string
		f       *os.File
		want    bool
		wantErr bool
	}{
		{js, f, true, false}, {js, other, false, false}, {"", f, false, false}, {"garbage", f, false, true},
	} {
		got, err := IsJournalStream(tc.value, tc.f)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("IsJournalStream(%q, %s) = %v, %v", tc.value, tc.f.Name(), got, err)
		}
	}
	getenv := func(string) string { return js }
	if _, ok := LogHandler(getenv, f, JournalOptions{}).(*JournalHandler); !ok {
		t.Error("LogHandler on the journal stream is not a JournalHandler")
	}
	if _, ok := LogHandler(getenv, other, JournalOptions{}).(*PrefixHandler); !ok {
		t.Error("LogHandler off the journal stream is not a PrefixHandler")
	}
}
