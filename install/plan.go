package install

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/svcdev/svc/install/internal/shell"
)

// Plan is what installing (or uninstalling) a service does, in order:
// Pre commands, Files written, Links made, Remove paths deleted, then
// Commands. It is plain data: Targets build it, String prints it, Apply
// carries it out.
type Plan struct {
	Target string // the init system, for messages: "systemd", "sysv", ...
	Pre    []Command
	Files  []File
	Links  []Link
	Remove []string
	// Commands run after the files are in place (daemon-reload, enable).
	Commands []Command
}

// File is one file to write atomically.
type File struct {
	Path    string
	Mode    fs.FileMode // permission bits: 0644 units and plists, 0755 scripts
	Content []byte
}

// Link is one symbolic link, Path pointing to Target (written as given,
// so relative targets stay relative).
type Link struct {
	Path, Target string
}

// Command is one program to run, argv[0] looked up in PATH.
type Command struct {
	Argv []string
	// IfChanged runs the command only when Apply changed a file or link:
	// a re-install of the same spec restarts nothing.
	IfChanged bool
	// MayFail makes a failure (or a missing program) no error: stopping
	// what is not running, disabling what is not installed.
	MayFail bool
	// If, when set, runs first, its output discarded; the command runs
	// only if it exits 0 (reset-failed only for a failed unit, which
	// otherwise prints "Failed to reset failed state").
	If []string
}

// String renders the command as one shell-quoted line.
func (c Command) String() string { return shell.Join(c.Argv) }

// String renders the plan for --dry-run: each file with its content, each
// link, removal and command as the shell line that would do it.
func (p Plan) String() string {
	var b strings.Builder
	if p.Target != "" {
		fmt.Fprintf(&b, "# init: %s\n", p.Target)
	}
	writeCommands(&b, p.Pre)
	for _, f := range p.Files {
		fmt.Fprintf(&b, "# write %s (mode %04o, %d bytes)\n", shell.Quote(f.Path), f.Mode.Perm(), len(f.Content))
		b.Write(f.Content)
		if len(f.Content) > 0 && f.Content[len(f.Content)-1] != '\n' {
			b.WriteString("\n# (no newline at end of file)\n")
		}
		fmt.Fprintf(&b, "# end of %s\n", shell.Quote(f.Path))
	}
	for _, l := range p.Links {
		fmt.Fprintf(&b, "%s\n", shell.Join([]string{"ln", "-sfn", l.Target, l.Path}))
	}
	for _, r := range p.Remove {
		fmt.Fprintf(&b, "%s\n", shell.Join([]string{"rm", "-f", r}))
	}
	writeCommands(&b, p.Commands)
	return b.String()
}

func writeCommands(b *strings.Builder, cmds []Command) {
	for _, c := range cmds {
		line := c.String()
		if c.If != nil {
			line = shell.Join(c.If) + " && " + line
		}
		if c.MayFail {
			line += " || true"
		}
		if c.IfChanged {
			line += "  # only if a file changed"
		}
		b.WriteString(line + "\n")
	}
}

func run(argv ...string) Command { return Command{Argv: argv} }

func runIfChanged(argv ...string) Command { return Command{Argv: argv, IfChanged: true} }

func runMayFail(argv ...string) Command { return Command{Argv: argv, MayFail: true} }

// logDirCommand makes dir, a log file's directory, owned by owner when
// it is missing; one that exists is left as it is (it may be /var/log).
// The scripts' start does the same in their own words.
func logDirCommand(dir, owner string) Command {
	return run("sh", "-c", `[ -d "$1" ] || { mkdir -p "$1" && chmod 0755 "$1" && chown "$2" "$1"; }`, "sh", dir, owner)
}
