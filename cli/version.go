package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func (p *Program) cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := p.newFlags("version", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	version, rev := p.Version, ""
	bi, ok := debug.ReadBuildInfo()
	if ok && version == "" {
		version = bi.Main.Version
	}
	if ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = " " + s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "%s %s%s %s %s/%s\n", p.Name, version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
