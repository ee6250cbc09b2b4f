//go:build unix

package cli

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// reloadSignal is the signal named by an install.ReloadSignals word.
func reloadSignal(name string) (os.Signal, error) {
	if s := unix.SignalNum("SIG" + name); s != 0 {
		return s, nil
	}
	return nil, fmt.Errorf("--signal %s: no such signal on this system", name)
}
