package classic

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// drop sets supplementary groups, then the gid, then the uid: the uid
// last, since it takes away the right to change the others. Every thread
// changes: unix.Setgroups is a raw per-thread syscall, so this uses
// syscall.Setgroups, which the runtime applies to all threads (x/sys
// defers Setgid and Setuid to the syscall package for the same reason).
func (c *creds) drop() error {
	if c == nil {
		return nil
	}
	if err := syscall.Setgroups(c.groups); err != nil {
		return fmt.Errorf("classic: drop privileges: %w", os.NewSyscallError("setgroups", err))
	}
	if c.gid >= 0 {
		if err := unix.Setgid(c.gid); err != nil {
			return fmt.Errorf("classic: drop privileges: %w", os.NewSyscallError("setgid", err))
		}
	}
	if c.uid >= 0 {
		if err := unix.Setuid(c.uid); err != nil {
			return fmt.Errorf("classic: drop privileges: %w", os.NewSyscallError("setuid", err))
		}
	}
	return nil
}
