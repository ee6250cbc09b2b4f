//go:build unix

package svc

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// FromProcess describes this process for Detect.
func FromProcess() Env {
	e := Env{Getenv: os.Getenv, PID: os.Getpid(), GOOS: runtime.GOOS}
	var st unix.Stat_t
	if unix.Fstat(2, &st) == nil {
		e.StderrDevIno = fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	_, err := unix.IoctlGetTermios(2, ioctlGetTermios)
	e.StderrIsTTY = err == nil
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", os.Getppid())); err == nil {
		e.ParentName = strings.TrimSpace(string(b))
	} else if os.Getppid() == 1 && runtime.GOOS == "darwin" {
		e.ParentName = "launchd"
	}
	return e
}
