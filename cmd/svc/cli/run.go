package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/svcdev/svc"
	"github.com/svcdev/svc/cmd/svc/internal/refsvc"
)

// runFlags are the flags of `svc run`; start --classic shares them for the
// daemon it starts.
type runFlags struct {
	listen string
	log    string
	mode   string
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := newFlags("run", stderr)
	fs.StringVar(&f.listen, "listen", refsvc.DefaultListen, "TCP address to serve on (unless a socket is handed over)")
	fs.StringVar(&f.log, "log", "", "append logs to `FILE` (reopened on SIGHUP)")
	fs.StringVar(&f.mode, "mode", "auto", "auto|foreground|systemd|launchd|container")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	mode, err := svc.ParseMode(f.mode)
	if err != nil {
		return fail(stderr, "run", err)
	}
	if err := serve(ctx, f, svc.Options{Mode: mode}, stderr); err != nil {
		return fail(stderr, "run", err)
	}
	return exitOK
}

// serve runs the reference service under svc.Run with opts; used by run and
// by the classic daemon.
func serve(ctx context.Context, f runFlags, opts svc.Options, stderr io.Writer) error {
	cfg := refsvc.Config{Listen: f.listen}
	var out io.Writer = stderr
	if f.log != "" {
		lf, err := refsvc.OpenLog(f.log, true)
		if err != nil {
			return err
		}
		defer lf.Close()
		cfg.Log, out = lf, lf
	}
	cfg.Logger = slog.New(slog.NewTextHandler(out, nil))
	ln, err := activatedListener()
	if err != nil {
		return err
	}
	cfg.Listener = ln
	s := refsvc.New(cfg)
	opts.OnReload = s.Reload
	return svc.Run(ctx, opts, s.Run)
}
