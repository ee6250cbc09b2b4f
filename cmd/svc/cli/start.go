package cli

import (
	"context"
	"errors"
	"io"
)

func cmdStart(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "start", errors.New("not implemented yet"))
}
