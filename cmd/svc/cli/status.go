package cli

import (
	"context"
	"errors"
	"io"
)

func cmdStatus(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "status", errors.New("not implemented yet"))
}
