//go:build !unix

package systemd

import (
	"fmt"
	"time"
)

var start = time.Now()

// MonotonicUsec returns a MONOTONIC_USEC= assignment from Go's monotonic
// clock; only meaningful where systemd does not run.
func MonotonicUsec() string {
	return fmt.Sprintf("MONOTONIC_USEC=%d", time.Since(start).Microseconds())
}
