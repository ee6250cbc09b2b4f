package pidfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// checkExe tells whether pid runs exe ("": this program): the same file,
// or the same path (a package upgrade replaced the file the daemon runs,
// which /proc then shows as "PATH (deleted)"). Nil too when /proc/PID/exe
// may not be read by us: the write lock then stands alone (package doc).
func checkExe(pid int, exe string) error {
	if exe == AnyExe {
		return nil
	}
	link := "/proc/" + strconv.Itoa(pid) + "/exe"
	var got, want unix.Stat_t
	err := untilNotEINTR(func() error { return unix.Stat(link, &got) })
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		return nil
	}
	wantPath := exe
	if exe == "" {
		wantPath = "/proc/self/exe"
	}
	if err == nil && unix.Stat(wantPath, &want) == nil && got.Dev == want.Dev && got.Ino == want.Ino {
		return nil
	}
	target, lerr := os.Readlink(link)
	if lerr != nil {
		if errors.Is(lerr, unix.EACCES) || errors.Is(lerr, unix.EPERM) {
			return nil
		}
		return fmt.Errorf("its program cannot be read: %w", lerr)
	}
	target = strings.TrimSuffix(target, " (deleted)")
	if target == ownExe(exe) {
		return nil
	}
	return &OtherProgramError{Runs: target, Want: ownExe(exe)}
}
