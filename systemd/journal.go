package systemd

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// JournalSocket is where journald takes native-protocol datagrams.
const JournalSocket = "/run/systemd/journal/socket"

// maxFieldName is journald's limit on a field name's length.
const maxFieldName = 64

// JournalOptions configure a JournalHandler. The zero value logs Info and
// above under the program's base name.
type JournalOptions struct {
	// Level, AddSource (as CODE_FILE, CODE_LINE, CODE_FUNC) and ReplaceAttr
	// (called for the record's own attributes, not for MESSAGE/PRIORITY).
	slog.HandlerOptions
	// Identifier is SYSLOG_IDENTIFIER (journalctl -t); "" means the base
	// name of os.Args[0].
	Identifier string
	// Fallback handles the records journald could not take (socket gone,
	// message too large); nil drops them and Handle returns the error.
	Fallback slog.Handler
}

// JournalHandler is a slog.Handler speaking journald's native protocol
// (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): one datagram per record
// with MESSAGE=, PRIORITY=, SYSLOG_IDENTIFIER= and every attribute as a
// field of its own, its key upper-cased and joined to its groups with "_"
// ("http.status" in group "req" is REQ_HTTP_STATUS=). Values holding a
// newline use the protocol's binary length form, so any bytes survive.
type JournalHandler struct {
	out      *journalOut
	opts     JournalOptions
	prefix   string   // open groups as a field-name prefix, "REQ_"
	groups   []string // open groups as given, for ReplaceAttr
	fields   []byte   // fields pre-encoded by WithAttrs
	fallback slog.Handler
}

// journalOut is the socket shared by a handler and those derived from it.
type journalOut struct {
	addr string
	conn sender
}

// NewJournalHandler returns a handler that sends to the journald socket at
// addr (JournalSocket on a real system).
func NewJournalHandler(addr string, opts JournalOptions) (*JournalHandler, error) {
	c, err := newSender()
	if err != nil {
		return nil, fmt.Errorf("systemd: journal %s: %w", addr, err)
	}
	if opts.Identifier == "" {
		opts.Identifier = filepath.Base(os.Args[0])
	}
	return &JournalHandler{out: &journalOut{addr: addr, conn: c}, opts: opts, fallback: opts.Fallback}, nil
}

// Close releases the socket, shared with the handlers derived from h;
// later records go to the fallback.
func (h *JournalHandler) Close() error { return h.out.conn.close() }

// Enabled implements slog.Handler.
func (h *JournalHandler) Enabled(_ context.Context, l slog.Level) bool {
	floor := slog.LevelInfo
	if h.opts.Level != nil {
		floor = h.opts.Level.Level()
	}
	return l >= floor
}

// WithAttrs implements slog.Handler.
func (h *JournalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.fields = append([]byte(nil), h.fields...)
	for _, a := range as {
		h2.fields = h2.appendAttr(h2.fields, h.prefix, h.groups, a)
	}
	if h.fallback != nil {
		h2.fallback = h.fallback.WithAttrs(as)
	}
	return &h2
}

// WithGroup implements slog.Handler.
func (h *JournalHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + fieldName(name) + "_"
	h2.groups = append(h.groups[:len(h.groups):len(h.groups)], name)
	if h.fallback != nil {
		h2.fallback = h.fallback.WithGroup(name)
	}
	return &h2
}

// Handle implements slog.Handler: one datagram, or a sealed memfd carrying
// it when it is too large for one (Linux).
func (h *JournalHandler) Handle(ctx context.Context, r slog.Record) error {
	b := h.encode(r)
	err := h.out.send(b)
	if err == nil {
		return nil
	}
	if h.fallback != nil {
		return h.fallback.Handle(ctx, r)
	}
	return fmt.Errorf("systemd: journal %s: %w", h.out.addr, err)
}

func (o *journalOut) send(b []byte) error {
	err := o.conn.send(o.addr, b, nil)
	if err != nil && isTooLarge(err) {
		err = sendAsFile(o.conn, o.addr, b)
	}
	return err
}

// encode renders r as one native-protocol message.
func (h *JournalHandler) encode(r slog.Record) []byte {
	b := make([]byte, 0, 256+len(r.Message)+len(h.fields))
	b = AppendJournalField(b, "MESSAGE", r.Message)
	b = AppendJournalField(b, "PRIORITY", strconv.Itoa(Priority(r.Level)))
	b = AppendJournalField(b, "SYSLOG_IDENTIFIER", h.opts.Identifier)
	if h.opts.AddSource && r.PC != 0 {
		fs := runtime.CallersFrames([]uintptr{r.PC})
		f, _ := fs.Next()
		b = AppendJournalField(b, "CODE_FILE", f.File)
		b = AppendJournalField(b, "CODE_LINE", strconv.Itoa(f.Line))
		b = AppendJournalField(b, "CODE_FUNC", f.Function)
	}
	b = append(b, h.fields...)
	r.Attrs(func(a slog.Attr) bool {
		b = h.appendAttr(b, h.prefix, h.groups, a)
		return true
	})
	return b
}

// appendAttr encodes a, flattening groups into the field name.
func (h *JournalHandler) appendAttr(b []byte, prefix string, groups []string, a slog.Attr) []byte {
	if rep := h.opts.ReplaceAttr; rep != nil && a.Value.Kind() != slog.KindGroup {
		a = rep(groups, a)
	}
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		sub := prefix
		if a.Key != "" {
			sub = prefix + fieldName(a.Key) + "_"
			groups = append(groups[:len(groups):len(groups)], a.Key)
		}
		for _, ga := range a.Value.Group() {
			b = h.appendAttr(b, sub, groups, ga)
		}
		return b
	}
	if a.Key == "" {
		return b
	}
	return AppendJournalField(b, truncName(prefix+fieldName(a.Key)), valueText(a.Value))
}

func valueText(v slog.Value) string {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return x.Error()
		case []byte:
			return string(x)
		}
	}
	return v.String()
}

// AppendJournalField appends one native-protocol field: NAME=value and a
// newline, or, when value holds a newline, NAME, a newline, the length as
// a little-endian uint64, the value and a newline. name must already be a
// valid field name (see JournalField).
func AppendJournalField(b []byte, name, value string) []byte {
	if !strings.ContainsRune(value, '\n') {
		b = append(b, name...)
		b = append(b, '=')
		b = append(b, value...)
		return append(b, '\n')
	}
	b = append(b, name...)
	b = append(b, '\n')
	b = binary.LittleEndian.AppendUint64(b, uint64(len(value)))
	b = append(b, value...)
	return append(b, '\n')
}

// JournalField turns an attribute key into a journald field name: ASCII
// letters upper-cased, anything but [A-Z0-9_] made "_", no leading "_"
// (journald keeps those for trusted fields) or digit, at most 64 bytes.
func JournalField(key string) string { return truncName(fieldName(key)) }

func fieldName(key string) string {
	b := []byte(key)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		default:
			b[i] = '_'
		}
	}
	s := strings.TrimLeft(string(b), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "F_" + s
	}
	return s
}

func truncName(s string) string {
	if len(s) > maxFieldName {
		return s[:maxFieldName]
	}
	return s
}

// Priority maps a slog level to a syslog priority: Debug 7, Info 6,
// Info+2 5 (notice), Warn 4, Error 3, Error+4 and above 2 (crit).
func Priority(l slog.Level) int {
	switch {
	case l < slog.LevelInfo:
		return 7
	case l < slog.LevelInfo+2:
		return 6
	case l < slog.LevelWarn:
		return 5
	case l < slog.LevelError:
		return 4
	case l < slog.LevelError+4:
		return 3
	}
	return 2
}
