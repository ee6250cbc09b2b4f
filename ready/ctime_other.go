//go:build !linux

package ready

import (
	"os"
	"time"
)

func changed(fi os.FileInfo) time.Time { return fi.ModTime() }
