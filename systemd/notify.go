package systemd

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// ErrNoSocket is returned by NotifierFromEnv when NOTIFY_SOCKET is unset:
// nothing is listening for notifications, which is not an error for a
// service that also runs outside systemd.
var ErrNoSocket = errors.New("systemd: NOTIFY_SOCKET not set")

// Well-known sd_notify assignments. Reloading must travel with
// MonotonicUsec() in one datagram for Type=notify-reload.
const (
	Ready           = "READY=1"
	Reloading       = "RELOADING=1"
	Stopping        = "STOPPING=1"
	Watchdog        = "WATCHDOG=1"
	WatchdogTrigger = "WATCHDOG=trigger" // fail the watchdog now
	FDStore         = "FDSTORE=1"
	FDStoreRemove   = "FDSTOREREMOVE=1"
	FDPollOff       = "FDPOLL=0" // do not drop stored fds on EPOLLHUP/EPOLLERR
)

// maxFDName is FDNAME_MAX in systemd's fdname_is_valid().
const maxFDName = 255

// Notifier sends sd_notify datagrams to one socket. The zero Notifier and a
// nil *Notifier drop every message, so code can notify unconditionally.
// A Notifier is safe for concurrent use. It keeps its address, so messages
// keep arriving whatever later happens to the process environment.
type Notifier struct {
	addr string // "/path" or "@abstract"
	conn sender
}

// NewNotifier returns a Notifier for addr: a path, or "@name" for a socket in
// the abstract namespace (Linux).
func NewNotifier(addr string) (*Notifier, error) {
	if addr == "" {
		return nil, fmt.Errorf("systemd: notify socket: empty address")
	}
	if !strings.HasPrefix(addr, "/") && !strings.HasPrefix(addr, "@") {
		return nil, fmt.Errorf("systemd: notify socket %q: neither an absolute path nor @abstract", addr)
	}
	c, err := newSender()
	if err != nil {
		return nil, fmt.Errorf("systemd: notify socket %s: %w", addr, err)
	}
	return &Notifier{addr: addr, conn: c}, nil
}

// NotifierFromEnv returns a Notifier for $NOTIFY_SOCKET as getenv reports
// it. It returns ErrNoSocket when the variable is unset or empty. It does not
// unset the variable: callers that start other programs should (package svc
// does), so those programs cannot notify in the service's name.
func NotifierFromEnv(getenv func(string) string) (*Notifier, error) {
	addr := getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil, ErrNoSocket
	}
	return NewNotifier(addr)
}

// Addr is the socket address messages go to.
func (n *Notifier) Addr() string {
	if n == nil {
		return ""
	}
	return n.addr
}

// Notify sends one datagram made of the given VAR=VALUE assignments. A field
// with a newline would smuggle in another assignment and is refused.
func (n *Notifier) Notify(fields ...string) error {
	return n.NotifyWithFiles(nil, fields...)
}

// NotifyWithFiles sends assignments together with file descriptors
// (SCM_RIGHTS), as FDSTORE=1 requires. The receiver gets duplicates; the
// caller keeps and may close its own.
func (n *Notifier) NotifyWithFiles(fds []int, fields ...string) error {
	if n == nil || n.conn == nil {
		return nil
	}
	msg, err := Message(fields...)
	if err != nil {
		return err
	}
	if err := n.conn.send(n.addr, msg, fds); err != nil {
		return fmt.Errorf("systemd: notify %s: %w", n.addr, err)
	}
	return nil
}

// StoreFiles hands files to the manager's file descriptor store under name
// (FDSTORE=1, FDNAME=name); after a restart they come back through socket
// activation (LISTEN_FDNAMES). An empty name leaves systemd's default,
// "stored". The unit needs FileDescriptorStoreMax= for systemd to keep them.
func (n *Notifier) StoreFiles(name string, files ...*os.File) error {
	if len(files) == 0 {
		return fmt.Errorf("systemd: fd store %q: no files", name)
	}
	fields := []string{FDStore}
	if name != "" {
		fields = append(fields, FDName(name))
	}
	fds := make([]int, 0, len(files))
	for _, f := range files {
		fd, err := rawFD(f)
		if err != nil {
			return fmt.Errorf("systemd: fd store %q: %w", name, err)
		}
		fds = append(fds, fd)
	}
	err := n.NotifyWithFiles(fds, fields...)
	runtime.KeepAlive(files)
	return err
}

// RemoveFiles asks the manager to close the stored fds named name.
func (n *Notifier) RemoveFiles(name string) error {
	return n.Notify(FDStoreRemove, FDName(name))
}

// rawFD returns f's descriptor without File.Fd's side effect of switching
// it to blocking mode.
func rawFD(f *os.File) (int, error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := sc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1, err
	}
	return fd, nil
}

// Close releases the sending socket. Later calls drop their messages.
func (n *Notifier) Close() error {
	if n == nil || n.conn == nil {
		return nil
	}
	return n.conn.close()
}

// Message joins assignments into one sd_notify datagram, refusing a field
// that is not VAR=VALUE, that holds a newline, or (FDNAME=) that systemd
// would reject.
func Message(fields ...string) ([]byte, error) {
	var b strings.Builder
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("systemd: notify field %q: not VAR=VALUE", f)
		}
		if strings.ContainsRune(f, '\n') {
			return nil, fmt.Errorf("systemd: notify field %q: contains a newline", k)
		}
		if k == "FDNAME" {
			if err := ValidFDName(v); err != nil {
				return nil, err
			}
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f)
	}
	return []byte(b.String()), nil
}

// ValidFDName reports whether name may be used as FDNAME= and in
// LISTEN_FDNAMES: 1 to 255 printable ASCII characters without ':', which
// separates the names in LISTEN_FDNAMES.
func ValidFDName(name string) error {
	if name == "" {
		return fmt.Errorf("systemd: fd name: empty")
	}
	if len(name) > maxFDName {
		return fmt.Errorf("systemd: fd name %.20q...: longer than %d bytes", name, maxFDName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < ' ' || c >= 0x7f || c == ':' {
			return fmt.Errorf("systemd: fd name %q: byte %#x at %d not allowed (printable ASCII but ':')", name, c, i)
		}
	}
	return nil
}

// Status returns a STATUS= assignment for text, with newlines folded to
// spaces so a multi-line error cannot inject another assignment.
func Status(text string) string {
	return "STATUS=" + strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(text)
}

// Errno returns an ERRNO= assignment.
func Errno(errno int) string { return fmt.Sprintf("ERRNO=%d", errno) }

// Failure returns the assignments that say why a service failed:
// STATUS= with the error text and, when err wraps an errno, ERRNO=.
// systemctl status and the classic launcher show both.
func Failure(err error) []string {
	fields := []string{Status(err.Error())}
	var errno syscall.Errno
	if errors.As(err, &errno) && errno != 0 {
		fields = append(fields, Errno(int(errno)))
	}
	return fields
}

// ExtendTimeout returns an EXTEND_TIMEOUT_USEC= assignment: the manager
// waits d more (from now) for the start, stop or reload in progress.
func ExtendTimeout(d time.Duration) string {
	return fmt.Sprintf("EXTEND_TIMEOUT_USEC=%d", usec(d))
}

// WatchdogTimeout returns a WATCHDOG_USEC= assignment that changes the
// watchdog timeout while the service runs.
func WatchdogTimeout(d time.Duration) string {
	return fmt.Sprintf("WATCHDOG_USEC=%d", usec(d))
}

// MainPID returns a MAINPID= assignment: pid becomes the unit's main process.
func MainPID(pid int) string { return fmt.Sprintf("MAINPID=%d", pid) }

// FDName returns an FDNAME= assignment; Message refuses an invalid name.
func FDName(name string) string { return "FDNAME=" + name }

func usec(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return d.Microseconds()
}

// sender is the OS-specific datagram socket.
type sender interface {
	send(addr string, msg []byte, fds []int) error
	close() error
}
