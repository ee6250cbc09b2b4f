// Command svc runs, daemonizes, installs and controls the svc reference
// service: one user of package cli, like any other program. See README.md
// for the command reference.
package main

import (
	"flag"

	_ "github.com/svcdev/svc/classic/prestart"         // cgo on Linux: start --classic forks before the runtime starts
	_ "github.com/svcdev/svc/classic/prestart/wrapper" // and run -- PROG is served in C: this program wraps (Wrap below)
	"github.com/svcdev/svc/cli"
	"github.com/svcdev/svc/cmd/svc/internal/refsvc"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "0.1.0-dev"

func main() {
	s := refsvc.New(refsvc.Config{})
	flags := flag.NewFlagSet("svc", flag.ContinueOnError)
	s.Flags(flags)
	p := &cli.Program{
		Name:        "svc",
		Description: "svc reference HTTP service",
		Version:     version,
		Run:         s.Run,
		Reload:      s.Reload,
		Flags:       flags,
		Wrap:        true,
	}
	p.Execute()
}
