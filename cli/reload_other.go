//go:build !unix

package cli

import (
	"errors"
	"fmt"
	"os"
)

// reloadSignal: only Unix has the reload signals.
func reloadSignal(name string) (os.Signal, error) {
	return nil, fmt.Errorf("--signal %s: %w", name, errors.ErrUnsupported)
}
