//go:build !linux

package classic

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// The launch protocol needs Linux: abstract sockets, SCM_CREDENTIALS and
// pidfds.
var errLaunch = fmt.Errorf("classic: daemonize on this system: %w", errors.ErrUnsupported)

func launch(context.Context, Options) (*Launched, error) { return nil, errLaunch }

func middle(handoff, Options) error { return errLaunch }

func setUp(handoff, Options, error) *Daemon {
	os.Exit(1)
	return nil
}
