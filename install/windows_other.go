//go:build !windows

package install

import (
	"errors"
	"fmt"
)

// WindowsInstall is only available on Windows.
func WindowsInstall(s Spec) error {
	return fmt.Errorf("install: %s: windows: %w", s.Name, errors.ErrUnsupported)
}

// WindowsUninstall is only available on Windows.
func WindowsUninstall(s Spec) error {
	return fmt.Errorf("install: %s: windows: %w", s.Name, errors.ErrUnsupported)
}

// WindowsControl is only available on Windows.
func WindowsControl(s Spec, _ Verb) (State, error) {
	return State{}, fmt.Errorf("install: %s: windows: %w", s.Name, errors.ErrUnsupported)
}
