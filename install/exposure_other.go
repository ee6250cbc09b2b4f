//go:build !linux

package install

import (
	"context"
	"fmt"
)

// UnitExposure needs systemd-analyze, which is Linux only.
func UnitExposure(context.Context, string, []byte) (Exposure, error) {
	return Exposure{}, fmt.Errorf("install: exposure: %w", ErrNoAnalyzer)
}
