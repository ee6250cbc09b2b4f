//go:build !unix

package install

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Apply is not available here: Windows services install through the
// service control manager (see Windows).
func Apply(context.Context, Plan, ApplyOptions) (Result, error) {
	return Result{}, fmt.Errorf("install: apply: %w", errors.ErrUnsupported)
}

// Run is not available here.
func (c Control) Run(context.Context, io.Writer, io.Writer) (int, error) {
	return 1, fmt.Errorf("install: control: %w", errors.ErrUnsupported)
}
