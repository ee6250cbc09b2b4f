// Package ready is svc's one readiness vocabulary for programs that know
// nothing of svc: the --ready SPEC of `svc start --classic -- PROG`,
// `svc run -- PROG` and `svc install --exec PROG`.
//
//	notify           PROG says READY=1 itself (sd_notify(3), from its own pid)
//	tcp:HOST:PORT    a TCP connection to HOST:PORT succeeds
//	http:URL         a GET of URL (http:// or https://) answers 2xx or 3xx
//	file:PATH        PATH (absolute) appears, or is replaced, after PROG started
//	exec:CMD         `/bin/sh -c CMD` exits 0
//
// A probe proves readiness only if it could not have passed without the
// program: Prepare refuses a TCP or HTTP target that already answers
// before the program starts, and a file probe ignores a file left over
// from an earlier run (the same inode and change time as before).
// It is its own small package, not a library's, because no
// well-kept Go library speaks this vocabulary; the probes are net/http
// and net.Dialer.
package ready

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is what readiness means.
type Kind int

// The kinds of readiness.
const (
	None   Kind = iota // no readiness: the program is ready once it runs
	Notify             // sd_notify READY=1 from the program's own pid
	TCP                // a TCP connection succeeds
	HTTP               // an HTTP GET answers 2xx or 3xx
	File               // a file appears
	Exec               // a command exits 0
)

// Spec is a parsed --ready value.
type Spec struct {
	Kind    Kind
	Addr    string // TCP: HOST:PORT
	URL     string // HTTP
	Path    string // File: absolute and clean
	Command string // Exec: run by /bin/sh -c
}

// Parse reads a --ready value; "" is Kind None.
func Parse(s string) (Spec, error) {
	bad := func(format string, a ...any) (Spec, error) {
		return Spec{}, fmt.Errorf("--ready %q: "+format, append([]any{s}, a...)...)
	}
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\n\r") {
		return bad("not one line of UTF-8 text")
	}
	kind, arg, hasArg := strings.Cut(s, ":")
	switch {
	case s == "":
		return Spec{}, nil
	case s == "notify":
		return Spec{Kind: Notify}, nil
	case !hasArg:
		return bad("want notify, tcp:HOST:PORT, http:URL, file:PATH or exec:CMD")
	}
	switch kind {
	case "tcp":
		host, port, err := net.SplitHostPort(arg)
		if err != nil || port == "" {
			return bad("want tcp:HOST:PORT, as in tcp:127.0.0.1:8080 or tcp:[::1]:8080")
		}
		if host == "" {
			return bad("no host: name the address the program listens on, as in tcp:127.0.0.1:%s", port)
		}
		if _, err := net.LookupPort("tcp", port); err != nil {
			return bad("port %q: %v", port, err)
		}
		return Spec{Kind: TCP, Addr: arg}, nil
	case "http":
		u, err := url.Parse(arg)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("want http:URL with an http:// or https:// URL, as in http:http://127.0.0.1:8080/healthz")
		}
		return Spec{Kind: HTTP, URL: arg}, nil
	case "file":
		if !filepath.IsAbs(arg) {
			return bad("want an absolute path after file:")
		}
		if filepath.Clean(arg) != arg {
			return bad("path %q: spell it %q", arg, filepath.Clean(arg))
		}
		return Spec{Kind: File, Path: arg}, nil
	case "exec":
		if strings.TrimSpace(arg) == "" {
			return bad("no command after exec:")
		}
		return Spec{Kind: Exec, Command: arg}, nil
	}
	return bad("unknown kind %q: want notify, tcp, http, file or exec", kind)
}

// String is the canonical text of s: Parse(s.String()) == s.
func (s Spec) String() string {
	switch s.Kind {
	case Notify:
		return "notify"
	case TCP:
		return "tcp:" + s.Addr
	case HTTP:
		return "http:" + s.URL
	case File:
		return "file:" + s.Path
	case Exec:
		return "exec:" + s.Command
	}
	return ""
}

// IsProbe reports whether readiness is checked from outside the program.
func (s Spec) IsProbe() bool { return s.Kind >= TCP }

// Prober checks one Spec's readiness.
type Prober struct {
	spec   Spec
	before os.FileInfo // File: what was at Path before the program started
	client *http.Client
}

// Prepare is called before the program starts. It refuses a TCP or HTTP
// target that already answers, since the probe could not tell the
// program's readiness from someone else's; for a file probe it records
// what was at the path, so that a leftover does not count.
func (s Spec) Prepare() (*Prober, error) {
	if !s.IsProbe() {
		return nil, fmt.Errorf("ready: %q is not a probe", s.String())
	}
	p := &Prober{spec: s}
	if s.Kind == HTTP {
		p.client = &http.Client{
			// A redirect answers: the program is up.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
		}
	}
	switch s.Kind {
	case TCP, HTTP:
		// Anything accepting connections there, whatever it would answer.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		if dial(ctx, s.hostPort()) == nil {
			return nil, fmt.Errorf("--ready %s: something already answers there before the program started, so the probe cannot tell when it is ready", s)
		}
	case File:
		if fi, err := os.Lstat(s.Path); err == nil {
			p.before = fi
		}
	}
	return p, nil
}

// NotReadyError is Wait's error: ctx ended before a check passed.
type NotReadyError struct {
	Spec  Spec
	Cause error // the context's
	Last  error // the last check's failure
}

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("%v (last check of %s: %v)", e.Cause, e.Spec, e.Last)
}

func (e *NotReadyError) Unwrap() error { return e.Cause }

// Wait checks until one check passes, starting 5ms apart and backing off
// to 100ms; ctx bounds it. Its error is a *NotReadyError.
func (p *Prober) Wait(ctx context.Context) error {
	delay := 5 * time.Millisecond
	for {
		err := p.Check(ctx)
		if err == nil {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return &NotReadyError{Spec: p.spec, Cause: context.Cause(ctx), Last: err}
		case <-t.C:
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// checkTimeout bounds one check that ctx does not bound more tightly.
const checkTimeout = 2 * time.Second

// Check runs one check.
func (p *Prober) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	s := p.spec
	switch s.Kind {
	case TCP:
		return dial(ctx, s.Addr)
	case HTTP:
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
		if err != nil {
			return err
		}
		resp, err := p.client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("GET %s: %s", s.URL, resp.Status)
		}
		return nil
	case File:
		fi, err := os.Lstat(s.Path)
		if err != nil {
			return err
		}
		if p.before != nil && os.SameFile(fi, p.before) && fi.ModTime().Equal(p.before.ModTime()) && changed(fi).Equal(changed(p.before)) {
			return fmt.Errorf("%s: still the file from before the program started", s.Path)
		}
		return nil
	case Exec:
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", s.Command)
		out, err := cmd.CombinedOutput()
		if err != nil {
			if msg := strings.TrimSpace(string(out)); msg != "" {
				return fmt.Errorf("%s: %w: %s", s.Command, err, lastLine(msg))
			}
			return fmt.Errorf("%s: %w", s.Command, err)
		}
		return nil
	}
	return errors.New("ready: not a probe")
}

func dial(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// hostPort is where a TCP or HTTP probe connects.
func (s Spec) hostPort() string {
	if s.Kind == TCP {
		return s.Addr
	}
	u, _ := url.Parse(s.URL) // Parse checked it
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
