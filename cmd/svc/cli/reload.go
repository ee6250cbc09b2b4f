package cli

import (
	"context"
	"errors"
	"io"
)

func cmdReload(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "reload", errors.New("not implemented yet"))
}
