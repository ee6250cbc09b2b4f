//go:build unix

package systemd

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// MonotonicUsec returns a MONOTONIC_USEC= assignment for now, which must
// accompany RELOADING=1 for Type=notify-reload services.
func MonotonicUsec() string {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return fmt.Sprintf("MONOTONIC_USEC=%d", ts.Nano()/1000)
}
