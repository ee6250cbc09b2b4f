package cli_test

import (
	"context"
	"flag"
	"net"
	"os"

	"github.com/svcdev/svc"
	"github.com/svcdev/svc/cli"
)

// A service with a flag of its own gets every verb in its own name; main
// would call p.Execute(). examples/echod is the whole program.
func ExampleProgram() {
	flags := flag.NewFlagSet("echod", flag.ContinueOnError)
	addr := flags.String("addr", "127.0.0.1:7007", "TCP `ADDR` to listen on")
	p := &cli.Program{
		Name:        "echod",
		Description: "TCP echo service",
		Flags:       flags,
		Run: func(ctx context.Context, n *svc.Notifier) error {
			ln, err := net.Listen("tcp", *addr)
			if err != nil {
				return err // systemd or `echod start --classic` shows it
			}
			defer ln.Close()
			n.Ready()
			<-ctx.Done() // serve ln until then
			return nil
		},
	}
	p.Main(context.Background(), []string{"help", "run"}, os.Stdout, os.Stderr)
	// Output:
	// echod run: run the service in the foreground (mode detected)
	// Usage of echod run:
	//   -addr ADDR
	//     	TCP ADDR to listen on (default "127.0.0.1:7007")
	//   -log FILE
	//     	append logs to FILE (reopened on SIGHUP)
	//   -mode string
	//     	auto|foreground|systemd|launchd|container (default "auto")
}

// The first line of `PROG help contract` is what `install --binary`
// checks.
func ExampleContract() {
	p := &cli.Program{Name: "echod", Run: func(context.Context, *svc.Notifier) error { return nil }}
	p.Main(context.Background(), []string{"help", "contract"}, os.Stdout, os.Stderr)
	// Output:
	// svc init contract v1
	// The installed services run this binary as:
	//   echod run [--log FILE] ARGS
	//       systemd ExecStart= (Type=notify: READY=1 once serving; SIGHUP reloads),
	//       OpenRC command, launchd ProgramArguments
	//   echod start --classic --pidfile P [--user U] [--group G] --chdir DIR [--log FILE] ARGS
	//       the LSB script's start: exit 0 once the daemon is ready
	//   echod stop --classic --pidfile P [--timeout D]
	//   echod status --classic --pidfile P     exit 0 running, 1 dead, 3 stopped, 4 unknown
	//   echod reload --classic --pidfile P     SIGHUP
	// ARGS are the program's own flags, given to install after "--".
}
