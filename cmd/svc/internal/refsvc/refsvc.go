// Package refsvc is the small but real service that `svc run` runs: an HTTP
// server with GET /healthz (200 once ready) and GET / (JSON state), reload
// on SIGHUP (counts reloads, reopens the log file), graceful shutdown.
package refsvc

import (
	"context"
	"encoding/json"
	"errors"
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
// and logs to stderr.
type Config struct {
	Listen   string       // TCP address; DefaultListen if empty
	Listener net.Listener // a listener handed over (socket activation); wins over Listen
	Log      *LogFile     // reopened on reload; nil: stderr only
	Logger   *slog.Logger // nil: slog.Default()
	// ShutdownDelay keeps serving this long after the stop signal (still
	// reporting STOPPING=1 and failing /healthz) so load balancers drain.
	ShutdownDelay time.Duration
	// ShutdownTimeout bounds graceful shutdown; 0 means 10s.
	ShutdownTimeout time.Duration
}

// Service is one running instance.
type Service struct {
	cfg     Config
	log     *slog.Logger
	started time.Time
	reloads atomic.Int64
	mode    atomic.Value // svc.Mode
	ready   atomic.Bool
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	l := cfg.Logger
	if l == nil {
		l = slog.Default()
	}
	return &Service{cfg: cfg, log: l, started: time.Now()}
}

// Run serves until ctx ends; it is the function handed to svc.Run. A bind
// error is returned before Ready, so the launcher prints it.
func (s *Service) Run(ctx context.Context, n *svc.Notifier) error {
	s.mode.Store(n.Mode())
	ln := s.cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Listen); err != nil {
			return err
		}
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
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
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

// Reload is svc.Options.OnReload: count it and reopen the log file.
func (s *Service) Reload(context.Context) error {
	n := s.reloads.Add(1)
	if s.cfg.Log != nil {
		if err := s.cfg.Log.Reopen(); err != nil {
			s.log.Error("reload: reopen log", "err", err)
			return err
		}
	}
	s.log.Info("reloaded", "reloads", n)
	return nil
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
