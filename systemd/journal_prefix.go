package systemd

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
)

// PrefixHandler writes one text line per record, prefixed with the
// record's syslog priority as sd-daemon(3) describes ("<6>msg=ready
// addr=..."): what journald understands on a service's stderr when the
// native protocol is not available. Time and level are left out; journald
// stamps the time and the prefix is the level.
type PrefixHandler struct {
	inner slog.Handler
	w     *prefixWriter
}

// NewPrefixHandler returns a PrefixHandler writing to w. opts as for
// slog.NewTextHandler; nil means Info and above.
func NewPrefixHandler(w io.Writer, opts *slog.HandlerOptions) *PrefixHandler {
	var o slog.HandlerOptions
	if opts != nil {
		o = *opts
	}
	user := o.ReplaceAttr
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
			return slog.Attr{}
		}
		if user != nil {
			return user(groups, a)
		}
		return a
	}
	pw := &prefixWriter{w: w}
	return &PrefixHandler{inner: slog.NewTextHandler(pw, &o), w: pw}
}

// prefixWriter puts the current record's prefix before the line the text
// handler writes, in a single Write so lines from concurrent loggers
// sharing the fd do not interleave.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(append(p.buf[:0], p.prefix...), b...)
	if _, err := p.w.Write(p.buf); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Enabled implements slog.Handler.
func (h *PrefixHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *PrefixHandler) Handle(ctx context.Context, r slog.Record) error {
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	h.w.prefix = "<" + strconv.Itoa(Priority(r.Level)) + ">"
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *PrefixHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &PrefixHandler{inner: h.inner.WithAttrs(as), w: h.w}
}

// WithGroup implements slog.Handler.
func (h *PrefixHandler) WithGroup(name string) slog.Handler {
	return &PrefixHandler{inner: h.inner.WithGroup(name), w: h.w}
}

// LogHandler picks how a service under systemd logs to f, its stderr: when
// f is the stream JOURNAL_STREAM (read through getenv) names, natively to
// journald at JournalSocket, with records journald refuses written as
// prefixed lines to f; otherwise prefixed lines to f (PrefixHandler).
func LogHandler(getenv func(string) string, f *os.File, opts JournalOptions) slog.Handler {
	prefixed := NewPrefixHandler(f, &opts.HandlerOptions)
	if ok, _ := IsJournalStream(getenv("JOURNAL_STREAM"), f); !ok {
		return prefixed
	}
	if opts.Fallback == nil {
		opts.Fallback = prefixed
	}
	h, err := NewJournalHandler(JournalSocket, opts)
	if err != nil {
		return prefixed
	}
	return h
}
