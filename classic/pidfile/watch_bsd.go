//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package pidfile

// watch would wait for a pidfile to change; without inotify a look that
// finds one in flux reports it as it is.
type watch struct{}

func (*watch) arm(int)          {}
func (*watch) wait(string) bool { return false }
func (*watch) close()           {}
