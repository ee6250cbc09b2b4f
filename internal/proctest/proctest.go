// Package proctest holds what tests of real processes share: a free
// loopback address, and whether (or when) a process has exited, where a
// zombie counts as exited (PID 1 here reaps orphans late).
package proctest

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// FreeAddr is a loopback address nobody listens on at the moment.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// State is the state letter in /proc/PID/stat ("S", "Z", ...), "" if
// there is no such process.
func State(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// Alive tells whether pid is a process that has not exited.
func Alive(pid int) bool {
	s := State(pid)
	return s != "" && s != "Z" && s != "X"
}
