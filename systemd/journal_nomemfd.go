//go:build unix && !linux

package systemd

import (
	"errors"
	"fmt"
)

// sendAsFile: journald runs on Linux only; elsewhere a test socket gets
// datagrams up to the platform's limit.
func sendAsFile(sender, string, []byte) error {
	return fmt.Errorf("message too large for a datagram: %w", errors.ErrUnsupported)
}
