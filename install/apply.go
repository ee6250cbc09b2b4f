package install

import (
	"fmt"
	"io"
	"strings"
)

// ApplyOptions are the zero-value-default options of Apply.
type ApplyOptions struct {
	// Root, when set, is where the files go (Root + path) and no command
	// runs: a staging tree for a package, whose scripts enable it.
	Root string
	// Output receives what the commands print; nil discards it.
	Output io.Writer
}

// Result is what Apply did.
type Result struct {
	Changed []string  // paths written, linked or removed (with Root)
	Ran     []Command // commands run, in order
}

// CommandError is a command of a plan that failed.
type CommandError struct {
	Command Command
	Err     error  // the exec error (*exec.ExitError, not found...)
	Output  string // what it printed, trimmed
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("install: %s: %v", e.Command, e.Err)
	if e.Output != "" {
		msg += ": " + e.Output
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

func trimOutput(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "..." + s[len(s)-2000:]
	}
	return s
}
