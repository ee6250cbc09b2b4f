package systemd

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoSocket is returned by NotifierFromEnv when NOTIFY_SOCKET is unset:
// nothing is listening for notifications, which is not an error for a
// service that also runs outside systemd.
var ErrNoSocket = errors.New("systemd: NOTIFY_SOCKET not set")

// Well-known sd_notify assignments.
const (
	Ready     = "READY=1"
	Reloading = "RELOADING=1"
	Stopping  = "STOPPING=1"
	Watchdog  = "WATCHDOG=1"
)

// Notifier sends sd_notify datagrams to one socket. The zero Notifier and a
// nil *Notifier drop every message, so code can notify unconditionally.
// A Notifier is safe for concurrent use.
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
		return nil, err
	}
	return &Notifier{addr: addr, conn: c}, nil
}

// NotifierFromEnv returns a Notifier for $NOTIFY_SOCKET in env. It returns
// ErrNoSocket when the variable is unset or empty.
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
// (SCM_RIGHTS), as FDSTORE=1 requires.
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

// Close releases the sending socket. Later calls drop their messages.
func (n *Notifier) Close() error {
	if n == nil || n.conn == nil {
		return nil
	}
	return n.conn.close()
}

// Message joins assignments into one sd_notify datagram, refusing a field
// that is not VAR=VALUE or that holds a newline.
func Message(fields ...string) ([]byte, error) {
	var b strings.Builder
	for i, f := range fields {
		k, _, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("systemd: notify field %q: not VAR=VALUE", f)
		}
		if strings.ContainsRune(f, '\n') {
			return nil, fmt.Errorf("systemd: notify field %q: contains a newline", k)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f)
	}
	return []byte(b.String()), nil
}

// Status returns a STATUS= assignment for text, with newlines folded to
// spaces so a multi-line error cannot inject another assignment.
func Status(text string) string {
	return "STATUS=" + strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(text)
}

// Errno returns an ERRNO= assignment.
func Errno(errno int) string { return fmt.Sprintf("ERRNO=%d", errno) }

// sender is the OS-specific datagram socket.
type sender interface {
	send(addr string, msg []byte, fds []int) error
	close() error
}
