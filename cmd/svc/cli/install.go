package cli

import (
	"context"
	"errors"
	"io"
)

func cmdInstall(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "install", errors.New("not implemented yet"))
}

func cmdUninstall(_ context.Context, _ []string, _, stderr io.Writer) int {
	return fail(stderr, "uninstall", errors.New("not implemented yet"))
}

// explainInit adds the init-system evidence to `svc detect --explain`.
func explainInit(io.Writer) {}
