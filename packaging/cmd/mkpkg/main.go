// Command mkpkg builds the svc packages: `make package` runs
// `go run ./packaging/cmd/mkpkg -o dist` from the module root and gets
// dist/svc_VERSION_ARCH.deb and dist/svc-VERSION.ARCH.rpm. See package
// packaging for what goes in them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/svcdev/svc/packaging"
)

func main() {
	var o packaging.Options
	formats := "deb,rpm"
	flag.StringVar(&o.Out, "o", "dist", "output `directory`")
	flag.StringVar(&formats, "formats", formats, "comma-separated package formats: deb, rpm")
	flag.StringVar(&o.Binary, "svc", "", "ship this prebuilt svc `binary` instead of building ./cmd/svc")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "mkpkg: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	for _, f := range strings.Split(formats, ",") {
		o.Formats = append(o.Formats, packaging.Format(strings.TrimSpace(f)))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	paths, err := packaging.Make(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkpkg: %v\n", err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
