//go:build !unix

package systemd

import (
	"errors"
	"os"
)

func adoptFD(int) error { return errors.ErrUnsupported }

func isListeningStream(*os.File) (bool, error) { return false, errors.ErrUnsupported }
