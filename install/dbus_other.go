//go:build unix && !linux

package install

import (
	"context"
	"io"
)

// viaDBus: systemd is Linux's; elsewhere c.Argv (systemctl) is all there is.
func (c Control) viaDBus(context.Context, io.Writer, io.Writer) (int, bool) { return 0, false }
