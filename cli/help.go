package cli

import (
	"context"
	"fmt"
	"io"
)

// cmdHelp prints the command list, a command's flags (`help start`: both
// its forms), or the init contract (`help contract`).
func (p *Program) cmdHelp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		p.usage(stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintf(stderr, "%s help: want at most one COMMAND, got %q\n", p.Name, args)
		return exitUsage
	case args[0] == "contract":
		p.helpContract(stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok || args[0] == "help" {
		if ok {
			p.usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "%s help: unknown command %q\n", p.Name, args[0])
		p.usage(stderr)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s %s: %s\n", p.Name, args[0], c.summary)
	code := c.run(p, ctx, []string{"-h"}, stdout, stdout)
	switch args[0] {
	case "start", "stop", "restart", "reload", "status":
		fmt.Fprintf(stdout, "\nWith --classic (%s %s --classic --pidfile P ...):\n", p.Name, args[0])
		if c := c.run(p, ctx, []string{"--classic", "-h"}, stdout, stdout); c != exitOK {
			code = c
		}
	}
	return code
}
