//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package classic

import (
	"errors"
	"fmt"
)

// Create is unsupported here: the pidfile protocol needs flock.
func Create(path string) (*PIDFile, error) {
	return nil, fmt.Errorf("classic: pidfile %s: %w", path, errors.ErrUnsupported)
}

// Remove is unsupported here; no PIDFile can exist.
func (p *PIDFile) Remove() error {
	return fmt.Errorf("classic: pidfile: %w", errors.ErrUnsupported)
}
