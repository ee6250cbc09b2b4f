package cli

import (
	"context"
	"errors"
	"io"
)

func cmdRestart(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "restart", errors.New("not implemented yet"))
}
