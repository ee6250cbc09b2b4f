// Package svc makes one service binary behave correctly under every way a
// Unix machine starts services.
//
// A service author writes one function and hands it to Run:
//
//	err := svc.Run(ctx, svc.Options{OnReload: reload}, func(ctx context.Context, n *svc.Notifier) error {
//		ln, err := net.Listen("tcp", addr)
//		if err != nil {
//			return err // reaches systemd or the classic launcher as STATUS=/ERRNO=
//		}
//		n.Ready()
//		return serve(ctx, ln)
//	})
//
// Run detects the environment (see Detect and docs/contract.md), picks
// a mode, cancels ctx on SIGTERM/SIGINT, delivers SIGHUP to Options.OnReload,
// pings the systemd watchdog, and reaps zombies when it is PID 1. The
// Notifier speaks the sd_notify protocol both to systemd and to the classic
// launcher (package classic), so one Ready call serves both.
//
// Classic double-fork daemonization lives in package classic; unit files, the
// notify client and socket activation in package systemd; plists in launchd;
// installers in install.
package svc
