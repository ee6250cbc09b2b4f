package svc

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns a real pseudo-terminal's two ends.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

func TestDetectFromProcessTerminal(t *testing.T) {
	_, tty := openPTY(t)
	out := detectIn(t, tty, "")
	if !strings.HasPrefix(out, "mode: foreground\n") || !strings.Contains(out, "  YES stderr tty") {
		t.Fatalf("on a terminal:\n%s", out)
	}
	// A leaked JOURNAL_STREAM does not match the terminal.
	out = detectIn(t, tty, "", "JOURNAL_STREAM=8:1")
	if !strings.HasPrefix(out, "mode: foreground\n") {
		t.Fatalf("terminal with a stale JOURNAL_STREAM:\n%s", out)
	}
}
