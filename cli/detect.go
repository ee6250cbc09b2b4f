package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/svcdev/svc"
)

func (p *Program) cmdDetect(_ context.Context, args []string, stdout, stderr io.Writer) int {
	var f struct {
		explain bool
		mode    string
	}
	fs := p.newFlags("detect", stderr)
	fs.BoolVar(&f.explain, "explain", false, "print each piece of evidence")
	fs.StringVar(&f.mode, "mode", "auto", "pretend --mode was given")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	want, err := svc.ParseMode(f.mode)
	if err != nil {
		return p.fail(stderr, "detect", err)
	}
	d, err := svc.Detect(svc.FromProcess(), want)
	if err != nil {
		return p.fail(stderr, "detect", err)
	}
	if f.explain {
		fmt.Fprint(stdout, d.Explain())
		explainInit(stdout)
		return exitOK
	}
	fmt.Fprintln(stdout, d.Mode)
	return exitOK
}
