package packaging

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ReadHelp asks the built binary about itself: `BIN help` for the commands
// and `BIN COMMAND -h` for each one's flags. A command that does not answer
// -h with exit 0 is listed without flags.
func ReadHelp(ctx context.Context, binary string) (Help, error) {
	h := Help{Name: filepath.Base(binary)}
	out, err := helpOutput(ctx, binary, "help")
	if err != nil {
		return Help{}, fmt.Errorf("packaging: %s help: %w", binary, err)
	}
	h.Commands = parseCommands(out)
	if len(h.Commands) == 0 {
		return Help{}, fmt.Errorf("packaging: %s help: no commands listed", binary)
	}
	for i, c := range h.Commands {
		if c.Name == "help" {
			continue
		}
		if flags, err := helpOutput(ctx, binary, c.Name, "-h"); err == nil {
			h.Commands[i].Flags = flagListing(flags)
		}
	}
	return h, nil
}

func helpOutput(ctx context.Context, binary string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdout, cmd.Stderr = &b, &b // the flag package prints -h on stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(b.String()))
	}
	return b.String(), nil
}

// parseCommands reads the "  NAME  summary" lines of `svc help`.
func parseCommands(out string) []Command {
	var cs []Command
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "  ") {
			continue
		}
		name, summary, _ := strings.Cut(strings.TrimSpace(line), " ")
		cs = append(cs, Command{Name: name, Summary: strings.TrimSpace(summary)})
	}
	return cs
}

// flagListing drops the flag package's "Usage of ..." title.
func flagListing(out string) string {
	if strings.HasPrefix(out, "Usage of ") || strings.HasPrefix(out, "usage: ") {
		_, out, _ = strings.Cut(out, "\n")
	}
	return strings.TrimRight(out, "\n")
}
