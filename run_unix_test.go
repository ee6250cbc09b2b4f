//go:build unix

package svc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/systemd"
	"golang.org/x/sys/unix"
)

// notifySocket is a real unixgram socket standing in for systemd's. A
// goroutine drains it as systemd does (the kernel queues only a few
// datagrams; senders block beyond that).
type notifySocket struct {
	t    *testing.T
	addr string
	got  chan string
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	addr := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	s := &notifySocket{t: t, addr: addr, got: make(chan string, 1024)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			s.got <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { c.Close() })
	return s
}

// next returns the next datagram; the timer only keeps a bug from hanging
// the test.
func (s *notifySocket) next() string {
	s.t.Helper()
	select {
	case m := <-s.got:
		return m
	case <-time.After(20 * time.Second):
		s.t.Fatal("no datagram on the notify socket")
		return ""
	}
}

// expect reads one datagram per pattern (a regexp matched whole).
func (s *notifySocket) expect(patterns ...string) {
	s.t.Helper()
	for i, p := range patterns {
		if got := s.next(); !regexp.MustCompile(`^(?:` + p + `)$`).MatchString(got) {
			s.t.Fatalf("datagram %d: %q, want %q", i, got, p)
		}
	}
}

// mark sends a datagram of the test's own: once Run has returned, it must
// be the very next one, which proves nothing else was sent.
func (s *notifySocket) mark(text string) {
	s.t.Helper()
	n, err := systemd.NewNotifier(s.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	defer n.Close()
	if err := n.Notify("X_TEST=" + text); err != nil {
		s.t.Fatal(err)
	}
}

func testEnv(vars map[string]string) *Env {
	return &Env{Getenv: func(k string) string { return vars[k] }, PID: os.Getpid(), GOOS: runtime.GOOS}
}

func kill(t *testing.T, sig unix.Signal) {
	t.Helper()
	if err := unix.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

// TestRunHidesNotifySocket: under systemd (found in the real environment)
// a program the service starts sees neither NOTIFY_SOCKET nor the
// watchdog variables, while the service's own messages keep arriving.
func TestRunHidesNotifySocket(t *testing.T) {
	s := newNotifySocket(t)
	t.Setenv("NOTIFY_SOCKET", s.addr)
	t.Setenv("WATCHDOG_USEC", "60000000")
	t.Setenv("WATCHDOG_PID", "1") // not us: no pings to interleave
	var child string
	err := Run(context.Background(), Options{}, func(ctx context.Context, n *Notifier) error {
		if n.Mode() != ModeSystemd {
			return fmt.Errorf("mode %s", n.Mode())
		}
		n.Ready()
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"=env")
		out, err := cmd.Output()
		child = string(out)
		if err != nil {
			return err
		}
		n.Status("child ran")
		for i := range 10 {
			n.Notify(fmt.Sprintf("X_LATER=%d", i))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if child != "NOTIFY_SOCKET=\nWATCHDOG_USEC=\nWATCHDOG_PID=\n" {
		t.Errorf("the child inherited:\n%s", child)
	}
	s.expect("READY=1", "STATUS=child ran")
	for i := range 10 {
		s.expect(fmt.Sprintf("X_LATER=%d", i))
	}
	s.mark("end")
	s.expect("X_TEST=end")
}

func TestRunReloadAndStop(t *testing.T) {
	s := newNotifySocket(t)
	reloaded := make(chan int)
	calls := 0
	onReload := func(context.Context) error {
		calls++
		reloaded <- calls
		if calls == 2 {
			return errors.New("bad config\non line 2")
		}
		return nil
	}
	var before, after unix.Timespec
	var cause error
	err := Run(context.Background(), Options{Env: testEnv(map[string]string{"NOTIFY_SOCKET": s.addr}), OnReload: onReload},
		func(ctx context.Context, n *Notifier) error {
			n.Ready()
			unix.ClockGettime(unix.CLOCK_MONOTONIC, &before)
			kill(t, unix.SIGHUP)
			<-reloaded
			kill(t, unix.SIGHUP)
			<-reloaded
			kill(t, unix.SIGTERM)
			<-ctx.Done()
			unix.ClockGettime(unix.CLOCK_MONOTONIC, &after)
			cause = context.Cause(ctx)
			return ctx.Err() // a shutdown, not a failure: no STATUS=
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if cause == nil || cause.Error() != "svc: received terminated" {
		t.Errorf("cause %v", cause)
	}
	s.expect("READY=1")
	for i := range 2 {
		got := s.next()
		var us int64
		if _, err := fmt.Sscanf(got, "RELOADING=1\nMONOTONIC_USEC=%d", &us); err != nil {
			t.Fatalf("reload %d: %q", i, got)
		}
		if us < before.Nano()/1000 || us > after.Nano()/1000 {
			t.Errorf("MONOTONIC_USEC=%d not between %d and %d", us, before.Nano()/1000, after.Nano()/1000)
		}
		if i == 1 {
			s.expect("STATUS=reload failed: bad config on line 2")
		}
		s.expect("READY=1")
	}
	s.expect("STOPPING=1")
	s.mark("end")
	s.expect("X_TEST=end")
}

func TestRunParentCancelSaysStopping(t *testing.T) {
	s := newNotifySocket(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := Run(ctx, Options{Env: testEnv(map[string]string{"NOTIFY_SOCKET": s.addr})}, func(ctx context.Context, n *Notifier) error {
		n.Ready()
		cancel()
		<-ctx.Done()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.expect("READY=1", "STOPPING=1")
	s.mark("end")
	s.expect("X_TEST=end")
}

// TestRunFailedBeforeReady: the error a service returns before READY=1
// reaches the manager (or the classic launcher) as STATUS= and ERRNO=.
func TestRunFailedBeforeReady(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	s := newNotifySocket(t)
	opts := Options{Env: testEnv(map[string]string{"NOTIFY_SOCKET": s.addr})}
	err = Run(context.Background(), opts, func(context.Context, *Notifier) error {
		ln, err := net.Listen("tcp", busy.Addr().String())
		if err == nil {
			ln.Close()
		}
		return err
	})
	if !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("Run: %v", err)
	}
	s.expect(regexp.QuoteMeta(fmt.Sprintf("STATUS=listen tcp %s: bind: address already in use\nERRNO=%d", busy.Addr(), int(unix.EADDRINUSE))))

	err = Run(context.Background(), opts, func(context.Context, *Notifier) error {
		return errors.New("config: line 3:\nunknown key")
	})
	if err == nil {
		t.Fatal("Run: nil error")
	}
	s.expect("STATUS=config: line 3: unknown key")
	s.mark("end")
	s.expect("X_TEST=end")
}

// TestRunClassic: with Options.NotifySocket (the classic launcher's
// socket) notifications flow as under systemd, whatever the environment.
func TestRunClassic(t *testing.T) {
	s := newNotifySocket(t)
	reloaded := make(chan struct{})
	opts := Options{Mode: ModeClassic, NotifySocket: s.addr, Env: testEnv(nil),
		OnReload: func(context.Context) error { close(reloaded); return nil }}
	err := Run(context.Background(), opts, func(ctx context.Context, n *Notifier) error {
		if n.Mode() != ModeClassic {
			return fmt.Errorf("mode %s", n.Mode())
		}
		n.Notify("X_SVC_PIDFILE=/run/svc.pid")
		n.Ready()
		// One signal at a time: two pending signals may reach the runtime
		// in either order, and a SIGHUP landing after Run returned would
		// kill the test binary.
		kill(t, unix.SIGHUP)
		<-reloaded
		kill(t, unix.SIGTERM)
		<-ctx.Done()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.expect("X_SVC_PIDFILE=/run/svc.pid", "READY=1", `RELOADING=1\nMONOTONIC_USEC=\d+`, "READY=1", "STOPPING=1")
}

// TestRunWatchdog drives the watchdog tick by tick: Healthy hands each
// tick to the test, which marks the socket and answers healthy or not. The
// datagrams must then be the marks with a ping after each healthy one and
// none after the others.
func TestRunWatchdog(t *testing.T) {
	s := newNotifySocket(t)
	ticks := make(chan chan error)
	ctx, cancel := context.WithCancel(context.Background())
	healthy := func() error {
		answer := make(chan error)
		select {
		case ticks <- answer:
			return <-answer
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	env := testEnv(map[string]string{
		"NOTIFY_SOCKET": s.addr, "WATCHDOG_USEC": "20000", "WATCHDOG_PID": strconv.Itoa(os.Getpid()),
	})
	done := make(chan error)
	go func() {
		done <- Run(ctx, Options{Env: env, Healthy: healthy}, func(ctx context.Context, n *Notifier) error {
			<-ctx.Done()
			return nil
		})
	}()
	pattern := []bool{true, true, false, false, true, false, true, true}
	var want []string
	for i, ok := range pattern {
		answer := <-ticks
		s.mark(strconv.Itoa(i))
		want = append(want, "X_TEST="+strconv.Itoa(i))
		if ok {
			answer <- nil
			want = append(want, "WATCHDOG=1")
		} else {
			answer <- errors.New("wedged")
		}
	}
	answer := <-ticks // the next tick: every earlier ping is out
	s.mark("last")
	cancel()
	answer <- errors.New("stopping")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want = append(want, "X_TEST=last", "STOPPING=1")
	s.expect(want...)
	s.mark("end")
	s.expect("X_TEST=end")
}

func TestRunWatchdogNotOurs(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode Mode
		pid  string
	}{
		{"other pid", ModeAuto, "1"},
		{"not systemd mode", ModeForeground, strconv.Itoa(os.Getpid())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNotifySocket(t)
			called := false
			env := testEnv(map[string]string{"NOTIFY_SOCKET": s.addr, "WATCHDOG_USEC": "1000", "WATCHDOG_PID": tc.pid})
			opts := Options{Mode: tc.mode, Env: env, NotifySocket: s.addr, Healthy: func() error { called = true; return nil }}
			err := Run(context.Background(), opts, func(_ context.Context, n *Notifier) error { return n.Ready() })
			if err != nil {
				t.Fatal(err)
			}
			s.mark("end")
			s.expect("READY=1", "X_TEST=end")
			if called {
				t.Error("Healthy was called: the watchdog ran")
			}
		})
	}
}

func TestNotifierWithoutListener(t *testing.T) {
	err := Run(context.Background(), Options{Mode: ModeForeground, Env: testEnv(nil)}, func(_ context.Context, n *Notifier) error {
		for _, err := range []error{n.Ready(), n.Status("x"), n.Reloading(), n.Stopping(), n.ExtendTimeout(time.Second),
			n.StoreFiles("x", os.Stdin), n.Notify("A=1"), n.Failed(errors.New("x"))} {
			if err != nil {
				return err
			}
		}
		if !n.IsReady() {
			return errors.New("not ready after Ready")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusesBadSocket(t *testing.T) {
	err := Run(context.Background(), Options{Env: testEnv(map[string]string{"NOTIFY_SOCKET": "relative.sock"})},
		func(context.Context, *Notifier) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "relative.sock") {
		t.Fatalf("Run: %v", err)
	}
}
