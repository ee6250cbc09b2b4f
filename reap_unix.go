//go:build unix

package svc

import (
	"errors"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// startReaper reaps every exited child while the service runs as PID 1,
// where orphans of the whole container are re-parented to us. It collects
// any child, so a service that waits for its own children by pid (os/exec)
// may find them already reaped; that is the price of being init.
func startReaper() func() {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, unix.SIGCHLD)
	done := make(chan struct{})
	go func() {
		for {
			reapAll()
			select {
			case <-ch:
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func reapAll() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}
