//go:build !linux

package classic

import (
	"errors"
	"fmt"
)

// NoNewPrivs is Linux's prctl(PR_SET_NO_NEW_PRIVS); not available here.
func NoNewPrivs() error {
	return fmt.Errorf("classic: no_new_privs: %w", errors.ErrUnsupported)
}
