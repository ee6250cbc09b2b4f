// Command svc runs, daemonizes, installs and controls the svc reference
// service. See README.md for the command reference.
package main

import (
	"context"
	"os"

	_ "github.com/svcdev/svc/classic/prestart" // cgo on Linux: start --classic forks before the runtime starts
	"github.com/svcdev/svc/cmd/svc/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
