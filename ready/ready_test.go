package ready

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
)

func TestParseRoundTrip(t *testing.T) {
	for _, s := range []string{"", "notify", "tcp:127.0.0.1:8080", "tcp:[::1]:80", "tcp:localhost:http",
		"http:http://127.0.0.1:8080/healthz?x=1", "http:https://example.org/", "file:/run/x y/ready",
		"exec:test -S '/run/a b.sock' && echo $HOME %i"} {
		sp, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if sp.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, sp.String())
		}
		if again, _ := Parse(sp.String()); again != sp {
			t.Errorf("%q does not round-trip: %+v vs %+v", s, again, sp)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for s, want := range map[string]string{
		"tcp":                 "want notify",
		"tcp:8080":            "tcp:HOST:PORT",
		"tcp::8080":           "no host",
		"tcp:h:nosuchport-zz": "port",
		"http:ftp://x/":       "http:// or https://",
		"http:/healthz":       "http:// or https://",
		"file:run/ready":      "absolute",
		"file:/run//ready":    "spell it",
		"exec:  ":             "no command",
		"grpc:x":              "unknown kind",
		"exec:a\nb":           "one line",
		"file:/\xff":          "one line",
		"Notify":              "want notify",
	} {
		_, err := Parse(s)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--ready") {
			t.Errorf("Parse(%q) = %v, want an error naming --ready and %q", s, err, want)
		}
	}
}

func mustPrepare(t *testing.T, s string) *Prober {
	t.Helper()
	sp, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sp.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

func TestTCPWaitsForListener(t *testing.T) {
	addr := proctest.FreeAddr(t) // free now: the probe must wait for it
	p := mustPrepare(t, "tcp:"+addr)
	if err := p.Check(ctx(t, time.Second)); err == nil {
		t.Fatal("check passed with nothing listening")
	}
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx(t, 30*time.Second)) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v before anything listened", err)
	default:
	}
	l2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	defer l2.Close()
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestPrepareRefusesAnAnsweringTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sp, _ := Parse("tcp:" + l.Addr().String())
	if _, err := sp.Prepare(); err == nil || !strings.Contains(err.Error(), "already answers") {
		t.Fatalf("Prepare with a listener already there = %v", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	sp, _ = Parse("http:" + srv.URL + "/")
	if _, err := sp.Prepare(); err == nil || !strings.Contains(err.Error(), "already answers") {
		t.Fatalf("Prepare with an HTTP server already there (even one answering 404) = %v", err)
	}
}

func TestHTTPStatus(t *testing.T) {
	var code = http.StatusServiceUnavailable
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/nowhere", http.StatusFound) })
	addr := proctest.FreeAddr(t)
	url := "http://" + addr
	p := mustPrepare(t, "http:"+url+"/healthz")
	pm := mustPrepare(t, "http:"+url+"/moved")
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port taken meanwhile: %v", err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	defer srv.Close()
	if err := p.Check(ctx(t, 5*time.Second)); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("503 counted as ready: %v", err)
	}
	if err := pm.Check(ctx(t, 5*time.Second)); err != nil {
		t.Fatalf("a redirect is an answer: %v", err)
	}
	code = http.StatusNoContent
	if err := p.Wait(ctx(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestFileIgnoresLeftover(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ready")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := mustPrepare(t, "file:"+path)
	if err := p.Check(ctx(t, time.Second)); err == nil {
		t.Fatal("a leftover file counted as ready")
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(ctx(t, time.Second)); err != nil {
		t.Fatalf("a replaced file: %v", err)
	}
	fresh := mustPrepare(t, "file:"+filepath.Join(t.TempDir(), "absent"))
	if err := fresh.Check(ctx(t, time.Second)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("absent file: %v", err)
	}
}

func TestExecAndTimeout(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "it's $up")
	p := mustPrepare(t, "exec:test -e '"+strings.ReplaceAll(flag, "'", `'\''`)+"' || { echo not yet >&2; exit 1; }")
	err := p.Wait(ctx(t, 100*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "not yet") {
		t.Fatalf("Wait before the flag = %v, want the deadline and the command's last words", err)
	}
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(ctx(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
}
