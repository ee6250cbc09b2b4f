//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package classic

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// DefaultStopTimeout is how long Stop waits after SIGTERM when given 0.
const DefaultStopTimeout = 10 * time.Second

// Stop is unsupported here.
func Stop(ctx context.Context, path string, timeout time.Duration) (Info, error) {
	info := Inspect(path)
	return info, fmt.Errorf("stop %s: %w", path, errors.ErrUnsupported)
}

// Wait is unsupported here.
func Wait(ctx context.Context, path string) (Info, error) {
	info := Inspect(path)
	return info, fmt.Errorf("wait %s: %w", path, errors.ErrUnsupported)
}

// Signal is unsupported here.
func Signal(path string, sig os.Signal) (int, error) {
	return 0, fmt.Errorf("signal %s: %w", path, errors.ErrUnsupported)
}

// Stop is unsupported here.
func (e Exec) Stop(ctx context.Context, path string, timeout time.Duration) (Info, error) {
	return Stop(ctx, path, timeout)
}

// Wait is unsupported here.
func (e Exec) Wait(ctx context.Context, path string) (Info, error) { return Wait(ctx, path) }

// Signal is unsupported here.
func (e Exec) Signal(path string, sig os.Signal) (int, error) { return Signal(path, sig) }
