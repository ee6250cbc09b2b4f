//go:build unix

package svc

import (
	"os"

	"golang.org/x/sys/unix"
)

var (
	stopSignals   = []os.Signal{unix.SIGTERM, unix.SIGINT}
	reloadSignals = []os.Signal{unix.SIGHUP}
)

func isReload(s os.Signal) bool { return s == unix.SIGHUP }
