//go:build unix

package svc

import (
	"context"
	"errors"
	"fmt"
)

func runWindows(context.Context, Options, func(context.Context, *Notifier) error) error {
	return fmt.Errorf("svc: windows mode: %w", errors.ErrUnsupported)
}
