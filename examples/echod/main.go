// Command echod is a TCP echo service (each line a client sends comes
// back) with every svc verb in its own name: `echod run`, `echod start
// --classic --pidfile P`, `echod install -- --addr :7007`, `echod status`,
// and the rest (`echod help`). It is the whole wiring package cli needs.
package main

import (
	"bufio"
	"context"
	"flag"
	"log/slog"
	"net"

	"github.com/svcdev/svc"
	_ "github.com/svcdev/svc/classic/prestart" // opt in: start --classic forks in C before the Go runtime (cgo, Linux)
	"github.com/svcdev/svc/cli"
)

func main() {
	flags := flag.NewFlagSet("echod", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:7007", "TCP `ADDR` to listen on")
	p := &cli.Program{
		Name: "echod", Description: "TCP echo service: each line comes back", Flags: flags,
		Run:    func(ctx context.Context, n *svc.Notifier) error { return serve(ctx, n, *addr) },
		Reload: func(context.Context) error { slog.Info("reloaded"); return nil },
	}
	p.Execute()
}

// serve echoes each line back to its sender until ctx ends.
func serve(ctx context.Context, n *svc.Notifier, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err // systemd or `echod start --classic` shows it
	}
	context.AfterFunc(ctx, func() { ln.Close() })
	slog.Info("ready", "addr", ln.Addr().String())
	n.Ready()
	for {
		c, err := ln.Accept()
		if ctx.Err() != nil {
			return nil
		} else if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			for s := bufio.NewScanner(c); s.Scan(); {
				c.Write(append(s.Bytes(), '\n'))
			}
		}()
	}
}
