//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package classic

import (
	"errors"
	"fmt"
)

// Inspect cannot tell here: the pidfile protocol needs flock.
func Inspect(path string) Info {
	return Info{Path: path, State: Unknown, Err: fmt.Errorf("classic: pidfile %s: %w", path, errors.ErrUnsupported)}
}
