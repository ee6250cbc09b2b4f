package refsvc

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// start runs a Service on a real loopback listener and waits until it
// answers /healthz.
func start(t *testing.T, cfg Config) (*Service, string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listener = ln
	s := New(cfg)
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, new(svc.Notifier)) }()
	deadline := time.Now().Add(5 * time.Second)
	for !s.ready.Load() {
		if time.Now().After(deadline) {
			t.Fatal("service never became ready")
		}
		time.Sleep(time.Millisecond)
	}
	return s, base, func() error { cancel(); return <-done }
}

func TestHealthzOnlyWhenReady(t *testing.T) {
	s := New(Config{})
	srv := http.Server{Handler: s.Handler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	if code, _ := get(t, "http://"+ln.Addr().String()+"/healthz"); code != http.StatusServiceUnavailable {
		t.Fatalf("healthz before ready: %d, want 503", code)
	}
	s.ready.Store(true)
	if code, body := get(t, "http://"+ln.Addr().String()+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz when ready: %d %q", code, body)
	}
}

func TestStateAndReload(t *testing.T) {
	s, base, stop := start(t, Config{Logger: slog.New(slog.DiscardHandler)})

	var st State
	_, body := get(t, base+"/")
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("GET /: %v: %q", err, body)
	}
	if st.PID != os.Getpid() || st.Reloads != 0 || !st.Ready || st.Mode != "auto" {
		t.Fatalf("GET / = %+v", st)
	}
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, base+"/")
	json.Unmarshal([]byte(body), &st)
	if st.Reloads != 1 {
		t.Fatalf("reloads = %d after one reload", st.Reloads)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestBindErrorBeforeReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := New(Config{Listen: ln.Addr().String()})
	n := new(svc.Notifier)
	err = s.Run(context.Background(), n)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run on a taken port: %v", err)
	}
	if n.IsReady() {
		t.Fatal("ready despite the bind error")
	}
}

func TestShutdownDelayKeepsServing(t *testing.T) {
	_, base, stop := start(t, Config{ShutdownDelay: 300 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// During the delay the server still answers, but /healthz says no.
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := get(t, base+"/healthz")
		if code == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("healthz never turned 503 during the drain")
		}
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
