//go:build linux

package ready

import (
	"os"
	"syscall"
	"time"
)

// changed is fi's status change time (ctime): a file rewritten in place
// within the same mtime tick still moves it.
func changed(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	}
	return fi.ModTime()
}
