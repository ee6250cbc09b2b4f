package refsvc

import (
	"errors"
	"net"

	"github.com/svcdev/svc/systemd"
)

// activatedListener returns the listener the service manager handed over
// (socket activation): the stream socket named "http"
// (FileDescriptorName=http), else the first listening stream socket. It
// returns nil when nothing was handed over, so the service binds --listen.
func activatedListener() (net.Listener, error) {
	files, err := systemd.ListenFilesFromEnv()
	if err != nil || len(files) == 0 {
		return nil, err
	}
	ln, err := systemd.Listener(files, "http")
	if errors.Is(err, systemd.ErrNoListener) {
		ln, err = systemd.Listener(files, "")
	}
	return ln, err
}
