//go:build unix

package systemd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenGram binds a real unixgram socket at addr ("/path" or "@abstract")
// standing in for systemd's notify socket or journald's socket.
func listenGram(t *testing.T, addr string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readGram reads one datagram and the files it carried. The deadline only
// keeps a broken sender from hanging the test.
func readGram(t *testing.T, c *net.UnixConn) (string, []*os.File) {
	t.Helper()
	buf := make([]byte, 1<<16)
	oob := make([]byte, unix.CmsgSpace(4*8))
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatalf("read datagram: %v", err)
	}
	return string(buf[:n]), parseRights(t, oob[:oobn])
}

func parseRights(t *testing.T, oob []byte) []*os.File {
	t.Helper()
	if len(oob) == 0 {
		return nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		t.Fatal(err)
	}
	var files []*os.File
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range fds {
			f := os.NewFile(uintptr(fd), fmt.Sprintf("received-%d", fd))
			t.Cleanup(func() { f.Close() })
			files = append(files, f)
		}
	}
	return files
}

func sockPath(t *testing.T) string { return filepath.Join(t.TempDir(), "notify.sock") }

// notifyRoundTrip sends each case through a Notifier for addr and reads
// exactly that datagram back.
func notifyRoundTrip(t *testing.T, addr string) {
	c := listenGram(t, addr)
	n, err := NewNotifier(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for _, tc := range []struct {
		fields []string
		want   string
	}{
		{[]string{Ready}, "READY=1"},
		{[]string{Status("listening on :80\nsecond line")}, "STATUS=listening on :80 second line"},
		{[]string{Reloading, "MONOTONIC_USEC=12"}, "RELOADING=1\nMONOTONIC_USEC=12"},
		{[]string{Stopping}, "STOPPING=1"},
		{[]string{Status("bind: address in use"), Errno(98)}, "STATUS=bind: address in use\nERRNO=98"},
		{[]string{ExtendTimeout(1500 * time.Millisecond)}, "EXTEND_TIMEOUT_USEC=1500000"},
		{[]string{MainPID(4242)}, "MAINPID=4242"},
		{[]string{Watchdog}, "WATCHDOG=1"},
		{[]string{WatchdogTrigger}, "WATCHDOG=trigger"},
		{[]string{WatchdogTimeout(30 * time.Second)}, "WATCHDOG_USEC=30000000"},
		{[]string{FDStoreRemove, FDName("http")}, "FDSTOREREMOVE=1\nFDNAME=http"},
		{[]string{"X_SVC_ODD=100% $HOME \"q\" \xff"}, "X_SVC_ODD=100% $HOME \"q\" \xff"},
	} {
		if err := n.Notify(tc.fields...); err != nil {
			t.Fatalf("Notify(%q): %v", tc.fields, err)
		}
		if got, _ := readGram(t, c); got != tc.want {
			t.Errorf("Notify(%q) sent %q, want %q", tc.fields, got, tc.want)
		}
	}
}

func TestNotifyPathSocket(t *testing.T) { notifyRoundTrip(t, sockPath(t)) }

// TestNotifyKeepsSending: the address lives in the Notifier, so later
// messages (watchdog pings) arrive after the first and after the variable
// has left the environment.
func TestNotifyKeepsSending(t *testing.T) {
	addr := sockPath(t)
	c := listenGram(t, addr)
	t.Setenv("NOTIFY_SOCKET", addr)
	n, err := NotifierFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	os.Unsetenv("NOTIFY_SOCKET")
	if err := n.Notify(Ready); err != nil {
		t.Fatal(err)
	}
	if got, _ := readGram(t, c); got != Ready {
		t.Fatalf("first message %q", got)
	}
	for i := range 20 {
		if err := n.Notify(Watchdog); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
		if got, _ := readGram(t, c); got != Watchdog {
			t.Fatalf("ping %d arrived as %q", i, got)
		}
	}
}

// TestNotifyFDStore passes a real pipe's write end with FDSTORE=1, receives
// it through SCM_RIGHTS, and writes through the received copy.
func TestNotifyFDStore(t *testing.T) {
	addr := sockPath(t)
	c := listenGram(t, addr)
	n, err := NewNotifier(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := n.StoreFiles("my pipe", w); err != nil {
		t.Fatal(err)
	}
	w.Close() // the manager's copy must work on its own
	msg, files := readGram(t, c)
	if msg != "FDSTORE=1\nFDNAME=my pipe" {
		t.Errorf("message %q", msg)
	}
	if len(files) != 1 {
		t.Fatalf("received %d fds, want 1", len(files))
	}
	if _, err := files[0].WriteString("through the store"); err != nil {
		t.Fatal(err)
	}
	files[0].Close()
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "through the store" {
		t.Fatalf("read %q, %v", got, err)
	}
}

func TestNotifyRefuses(t *testing.T) {
	addr := sockPath(t)
	listenGram(t, addr)
	n, err := NewNotifier(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for _, fields := range [][]string{
		{"READY=1\nMAINPID=1"}, {"READY"}, {"=1"},
		{FDStore, FDName("a:b")}, {FDStore, FDName("tab\there")}, {FDStore, FDName("")},
		{FDStore, FDName(strings.Repeat("x", 256))}, {FDStore, FDName("caf\u00e9")},
	} {
		if err := n.Notify(fields...); err == nil {
			t.Errorf("Notify(%q) = nil, want an error", fields)
		}
	}
	if err := n.StoreFiles("x"); err == nil {
		t.Error("StoreFiles with no files: no error")
	}
	if err := ValidFDName(strings.Repeat("x", 255)); err != nil {
		t.Errorf("255-byte name refused: %v", err)
	}
	for _, a := range []string{"", "relative/sock", "vsock:2:1234"} {
		if _, err := NewNotifier(a); err == nil {
			t.Errorf("NewNotifier(%q) = nil error", a)
		}
	}
}

func TestNotifySocketGone(t *testing.T) {
	n, err := NewNotifier(filepath.Join(t.TempDir(), "nobody"))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	err = n.Notify(Ready)
	if !errors.Is(err, unix.ENOENT) {
		t.Fatalf("Notify to a missing socket: %v, want ENOENT", err)
	}
	n.Close()
	if err := n.Notify(Ready); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Notify after Close: %v", err)
	}
}

func TestNotifierNilAndFromEnv(t *testing.T) {
	var n *Notifier
	if err := n.Notify(Ready); err != nil {
		t.Fatal(err)
	}
	if _, err := NotifierFromEnv(func(string) string { return "" }); !errors.Is(err, ErrNoSocket) {
		t.Fatalf("NotifierFromEnv without NOTIFY_SOCKET: %v", err)
	}
}

func TestMonotonicUsec(t *testing.T) {
	var before, after unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &before)
	f := MonotonicUsec()
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &after)
	var us int64
	if _, err := fmt.Sscanf(f, "MONOTONIC_USEC=%d", &us); err != nil {
		t.Fatalf("%q: %v", f, err)
	}
	if us < before.Nano()/1000 || us > after.Nano()/1000 {
		t.Fatalf("%q outside [%d, %d]", f, before.Nano()/1000, after.Nano()/1000)
	}
}
