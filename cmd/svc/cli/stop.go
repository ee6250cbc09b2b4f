package cli

import (
	"context"
	"errors"
	"io"
)

func cmdStop(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "stop", errors.New("not implemented yet"))
}
