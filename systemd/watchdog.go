package systemd

import (
	"strconv"
	"time"
)

// WatchdogInterval returns the watchdog timeout systemd set for process pid
// (WATCHDOG_USEC, honoured only if WATCHDOG_PID is unset or names pid).
// Services should ping at half of it.
func WatchdogInterval(getenv func(string) string, pid int) (time.Duration, bool) {
	us, err := strconv.ParseUint(getenv("WATCHDOG_USEC"), 10, 63)
	if err != nil || us == 0 {
		return 0, false
	}
	if p := getenv("WATCHDOG_PID"); p != "" && p != strconv.Itoa(pid) {
		return 0, false
	}
	return time.Duration(us) * time.Microsecond, true
}
