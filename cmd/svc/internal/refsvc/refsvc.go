// Package refsvc is the small but real service that `svc run` runs: an HTTP
// server with GET /healthz (200 once ready) and GET / (JSON state), reload
// on SIGHUP (counts reloads; package cli reopens the log file), graceful
// shutdown. Its flags (--listen, --shutdown-delay) are the svc program's
// own, in the sense of cli.Program.Flags.
package refsvc

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/svcdev/svc"
)

// DefaultListen is where the service listens unless told otherwise.
const DefaultListen = "127.0.0.1:8080"

// Config of the reference service. The zero Config listens on DefaultListen
// (or the socket systemd hands over) and logs to slog.Default().
type Config struct {
	Listen   string       // TCP address; DefaultListen if empty
	Listener net.Listener // a listener handed over; wins over socket activation and Listen
	Logger   *slog.Logger // nil: slog.Default() when Run starts
	// ShutdownDelay keeps serving this long after the stop signal (still
	// reporting STOPPING=1 and failing /healthz) so load balancers drain.
	ShutdownDelay time.Duration
	// ShutdownTimeout bounds graceful shutdown; 0 means 10s.
	ShutdownTimeout time.Duration
}

// Service is one instance; Flags can still change its Config until Run.
type Service struct {
	cfg     Config
	log     *slog.Logger // set by Run
	started time.Time
	reloads atomic.Int64
	mode    atomic.Value // svc.Mode
	ready   atomic.Bool
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	return &Service{cfg: cfg, started: time.Now()}
}

// shutdownDelayUsage names what the value is: a duration.
const shutdownDelayUsage = "on SIGTERM keep serving for `DURATION` (failing /healthz) so load balancers drain"

// Flags adds the service's flags to fs, setting s's Config.
func (s *Service) Flags(fs *flag.FlagSet) {
	fs.StringVar(&s.cfg.Listen, "listen", DefaultListen, "TCP `ADDR` to serve on (unless a socket is handed over)")
	fs.DurationVar(&s.cfg.ShutdownDelay, "shutdown-delay", 0, shutdownDelayUsage)
}

// Run serves until ctx ends; it is the function handed to svc.Run. A bind
// error is returned before Ready, so the launcher prints it.
func (s *Service) Run(ctx context.Context, n *svc.Notifier) error {
	s.log = s.cfg.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	timeout := s.cfg.ShutdownTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	s.started = time.Now()
	s.mode.Store(n.Mode())
	ln, err := s.listener()
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	s.ready.Store(true)
	s.log.Info("ready", "addr", ln.Addr().String(), "mode", n.Mode().String(), "pid", os.Getpid())
	n.Status("serving on " + ln.Addr().String())
	n.Ready()

	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.ready.Store(false)
	s.log.Info("stopping", "cause", context.Cause(ctx).Error(), "delay", s.cfg.ShutdownDelay.String())
	if s.cfg.ShutdownDelay > 0 {
		time.Sleep(s.cfg.ShutdownDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// Reload is svc.Options.OnReload: count it.
func (s *Service) Reload(context.Context) error {
	n := s.reloads.Add(1)
	slog.Info("reloaded", "reloads", n)
	return nil
}

// listener is the handed-over listener, the socket systemd passed, or a
// new one on Listen.
func (s *Service) listener() (net.Listener, error) {
	if s.cfg.Listener != nil {
		return s.cfg.Listener, nil
	}
	ln, err := activatedListener()
	if ln != nil || err != nil {
		return ln, err
	}
	addr := s.cfg.Listen
	if addr == "" {
		addr = DefaultListen
	}
	return net.Listen("tcp", addr)
}

// State is the JSON served at GET /.
type State struct {
	Mode    string  `json:"mode"`
	PID     int     `json:"pid"`
	Uptime  float64 `json:"uptime_s"`
	Reloads int64   `json:"reloads"`
	Ready   bool    `json:"ready"`
}

// Handler serves /healthz and /.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		mode, _ := s.mode.Load().(svc.Mode)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(State{
			Mode:    mode.String(),
			PID:     os.Getpid(),
			Uptime:  time.Since(s.started).Seconds(),
			Reloads: s.reloads.Load(),
			Ready:   s.ready.Load(),
		})
	})
	return mux
}
