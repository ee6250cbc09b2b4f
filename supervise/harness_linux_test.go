package supervise

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/ready"
)

func mustParse(t *testing.T, s string) ready.Spec {
	t.Helper()
	spec, err := ready.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// bound is how long a test waits for something that must happen; it
// bounds a wait, it measures nothing.
const bound = 30 * time.Second

// supervisorArgv is the test binary as `svc run -- HELPER ARGS`.
func supervisorArgv(helperArgs ...string) []string {
	return append([]string{os.Args[0], "supervise", os.Args[0]}, helperArgs...)
}

// proc is a started process whose stdout is read line by line.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	seen   []string
	stderr *syncBuffer
	done   chan struct{}
	// signaled: the process was killed by a signal (wait's code is
	// 128+N either way).
	signaled bool
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs argv with the helper marker and extra env; it is killed at
// the test's end if still running.
func start(t *testing.T, argv []string, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	return startCmd(t, cmd)
}

// startCmd starts cmd, its Env added to the process's, with extra files
// from fd 3 on.
func startCmd(t *testing.T, cmd *exec.Cmd, extra ...*os.File) *proc {
	t.Helper()
	cmd.Env = append(append(os.Environ(), helperEnv+"=1"), cmd.Env...)
	if _, ok := os.LookupEnv("GORACE"); !ok {
		// Under -race each helper would sleep 1s at exit, holding stdout.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.ExtraFiles = extra
	cmd.WaitDelay = bound // an orphan left behind may hold stdout open
	p := &proc{t: t, cmd: cmd, lines: make(chan string, 256), stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			p.wait()
		}
	})
	return p
}

// expect reads lines until one starts with prefix, and returns it.
func (p *proc) expect(prefix string) string {
	p.t.Helper()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("output ended without %q; lines %q, stderr %q", prefix, p.seen, p.stderr.String())
			}
			p.seen = append(p.seen, l)
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timer.C:
			p.t.Fatalf("no %q after %v; lines %q, stderr %q", prefix, bound, p.seen, p.stderr.String())
		}
	}
}

// wait returns the exit code, 128+N for signal N as a shell says it.
func (p *proc) wait() int {
	select {
	case <-p.done:
	default:
		defer close(p.done)
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		p.t.Fatal(err)
	}
	ws := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	p.signaled = ws.Signaled()
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// exitCode waits, failing unless the process exits with want.
func (p *proc) exitCode(want int) {
	p.t.Helper()
	if got := p.wait(); got != want {
		p.t.Fatalf("exit code %d, want %d; lines %q, stderr %q", got, want, p.seen, p.stderr.String())
	}
}

// signal sends sig to the process.
func (p *proc) signal(sig unix.Signal) {
	p.t.Helper()
	if err := unix.Kill(p.cmd.Process.Pid, sig); err != nil {
		p.t.Fatal(err)
	}
}

// fakeManager is a notify socket the way systemd has it, for a test to
// read what svc sends.
type fakeManager struct {
	t    *testing.T
	conn *net.UnixConn
	addr string
}

func listenManager(t *testing.T) *fakeManager {
	t.Helper()
	addr := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := c.SyscallConn()
	rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &fakeManager{t: t, conn: c, addr: addr}
}

// datagram is one notification as the manager got it.
type datagram struct {
	fields []string
	fds    []int
	pid    int
}

func (d datagram) has(field string) bool {
	for _, f := range d.fields {
		if f == field {
			return true
		}
	}
	return false
}

// next reads the next datagram; ok is false if none came within wait.
// The caller closes the descriptors it carries.
func (m *fakeManager) next(wait time.Duration) (d datagram, ok bool) {
	m.t.Helper()
	buf := make([]byte, 65536)
	oob := make([]byte, 4096)
	m.conn.SetReadDeadline(time.Now().Add(wait))
	n, oobn, _, _, err := m.conn.ReadMsgUnix(buf, oob)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return d, false
		}
		m.t.Fatal(err)
	}
	// The caller owns d.fds. (A cleanup closing them here would close
	// the numbers again after the caller did, by then another parallel
	// test's descriptors.)
	d.fds, d.pid = control(oob[:oobn])
	d.fields = strings.Split(string(buf[:n]), "\n")
	return d, true
}

// until reads datagrams until one has field; it returns all it read.
func (m *fakeManager) until(field string) []datagram {
	m.t.Helper()
	var got []datagram
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		d, ok := m.next(time.Until(deadline))
		if !ok {
			break
		}
		got = append(got, d)
		if d.has(field) {
			return got
		}
	}
	m.t.Fatalf("no %s within %v; got %d datagrams, the last %+v", field, bound, len(got), got[max(0, len(got)-3):])
	return nil
}

// nsPID finds, in the pid namespace ns (a /proc/PID/ns/pid link), the
// host pid of the process that is pid inner there; found is false if
// there is none (it exited and was reaped, or never was).
func nsPID(ns string, inner int) (host int, state string, found bool) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, _ := os.Readlink("/proc/" + e.Name() + "/ns/pid"); l != ns {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(strings.TrimPrefix(line, "NSpid:")); strings.HasPrefix(line, "NSpid:") && len(f) > 0 && f[len(f)-1] == strconv.Itoa(inner) {
				return pid, stateOf(e.Name()), true
			}
		}
	}
	return 0, "", false
}

// stateOf is the state letter of /proc/PID/stat.
func stateOf(pid string) string {
	b, _ := os.ReadFile("/proc/" + pid + "/stat")
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return ""
	}
	return string(b[i+2])
}

// waitReaped waits until the process that is inner in ns has been
// reaped (a zombie does not count), failing the test otherwise.
func waitReaped(t *testing.T, ns string, inner int) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		host, st, found := nsPID(ns, inner)
		if !found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d (host pid %d) still there after %v, state %s: not reaped", inner, host, bound, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
