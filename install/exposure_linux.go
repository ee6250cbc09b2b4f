package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// UnitExposure scores a service unit file offline with `systemd-analyze
// security --offline=true` (systemd 252+), as it would be scored
// installed. name is the unit's file name (NAME.service).
func UnitExposure(ctx context.Context, name string, unit []byte) (Exposure, error) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		return Exposure{}, ErrNoAnalyzer
	}
	if !strings.HasSuffix(name, ".service") || strings.ContainsRune(name, '/') {
		return Exposure{}, fmt.Errorf("install: exposure: %q: want a NAME.service file name", name)
	}
	dir, err := os.MkdirTemp("", "svc-exposure-")
	if err != nil {
		return Exposure{}, fmt.Errorf("install: exposure: %w", err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, unit, 0o600); err != nil {
		return Exposure{}, fmt.Errorf("install: exposure: %w", err)
	}
	cmd := exec.CommandContext(ctx, "systemd-analyze", "security", "--offline=true", "--no-pager", p)
	cmd.Env = append(os.Environ(), "SYSTEMD_COLORS=0", "LC_ALL=C.UTF-8")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return Exposure{}, fmt.Errorf("install: systemd-analyze security %s: %w: %s", name, err, strings.TrimSpace(string(ee.Stderr)))
		}
		return Exposure{}, fmt.Errorf("install: systemd-analyze security %s: %w", name, err)
	}
	return parseExposure(out)
}
