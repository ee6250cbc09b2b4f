package cli

import (
	"bytes"
	"context"
	"testing"
)

// TestFailMessages: an error is printed once, as "svc CMD: ...", without
// the package prefix repeating the command, and nothing is written.
func TestFailMessages(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"install", "--name", "a b", "--dry-run"}, "svc install: name \"a b\": invalid service spec: contains whitespace\n"},
		{[]string{"uninstall", "--name", "-x", "--init", "systemd", "--root", "/nonexistent"}, "svc uninstall: name \"-x\": invalid service spec: starts with '-'\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := testProgram().Main(context.Background(), c.args, &stdout, &stderr)
		if code != exitFail || stderr.String() != c.want || stdout.Len() != 0 {
			t.Errorf("svc %q: exit %d, stdout %q, stderr %q; want exit 1 and %q", c.args, code, stdout.String(), stderr.String(), c.want)
		}
	}
}
