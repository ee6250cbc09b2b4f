//go:build !unix

package systemd

import (
	"errors"
	"fmt"
	"os"
)

// IsJournalStream: there is no journald here.
func IsJournalStream(journalStream string, _ *os.File) (bool, error) {
	if journalStream == "" {
		return false, nil
	}
	return false, fmt.Errorf("systemd: journal stream: %w", errors.ErrUnsupported)
}

func isTooLarge(error) bool { return false }

func sendAsFile(sender, string, []byte) error { return errors.ErrUnsupported }
