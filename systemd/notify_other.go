//go:build !unix

package systemd

import (
	"errors"
	"fmt"
)

func newSender() (sender, error) {
	return nil, fmt.Errorf("systemd: notify: %w", errors.ErrUnsupported)
}
