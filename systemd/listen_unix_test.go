//go:build unix

package systemd

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/activation"
	"golang.org/x/sys/unix"
)

// The activated service: this test binary re-run with sockets at fds 3 and
// up and LISTEN_PID set to its own pid by the shell that execs it.
const listenHelperEnv = "SVC_TEST_LISTEN_HELPER"

// TestListenHelperProcess is not a test: it is the child TestActivation
// starts. It picks the listener named by $SVC_TEST_LISTEN_HELPER ("-" for
// any), reports on stdout, and answers one connection with its pid.
func TestListenHelperProcess(t *testing.T) {
	want := os.Getenv(listenHelperEnv)
	if want == "" {
		t.Skip("helper process for TestActivation")
	}
	// exec cleared close-on-exec on the handed-over fds; ListenFilesFromEnv
	// must set it again.
	if fl, _ := unix.FcntlInt(ListenFDsStart, unix.F_GETFD, 0); fl&unix.FD_CLOEXEC != 0 {
		fmt.Println("error: fd 3 close-on-exec before adoption")
		os.Exit(1)
	}
	if want == "-" {
		want = ""
	}
	// go-systemd's reading of the same variables, as a reference; kept
	// alive to the end so its finalizers do not close the fds.
	ref := activation.Files(false)
	defer runtime.KeepAlive(ref)
	var refNames []string
	for _, f := range ref {
		refNames = append(refNames, f.Name())
	}
	files, err := ListenFilesFromEnv()
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(strings.Join(append([]string{"go-systemd"}, refNames...), " "))
	for i, f := range files {
		fl, _ := unix.FcntlInt(uintptr(ListenFDsStart+i), unix.F_GETFD, 0)
		fmt.Printf("file %s cloexec=%v\n", f.Name(), fl&unix.FD_CLOEXEC != 0)
	}
	if len(files) == 0 {
		fmt.Println("no files")
		runtime.KeepAlive(ref)
		os.Exit(0)
	}
	ln, err := Listener(files, want)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("listening", ln.Addr())
	conn, err := ln.Accept()
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Fprintf(conn, "hello from %d\n", os.Getpid())
	conn.Close()
	runtime.KeepAlive(ref)
	os.Exit(0)
}

// activate starts the helper with files at fds 3.. and LISTEN_* set, the
// way systemd does: LISTEN_PID is the pid of the process that gets them.
func activate(t *testing.T, files []*os.File, names, pick string, pidOverride string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	pid := `$$`
	if pidOverride != "" {
		pid = pidOverride
	}
	script := fmt.Sprintf(`LISTEN_PID=%s LISTEN_FDS=%d exec "$0" "$@"`, pid, len(files))
	cmd := exec.Command("/bin/sh", "-c", script, os.Args[0], "-test.run=^TestListenHelperProcess$")
	cmd.Env = append(os.Environ(), listenHelperEnv+"="+pick, "LISTEN_FDNAMES="+names)
	cmd.ExtraFiles = files
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(out)
}

func tcpListenerFile(t *testing.T) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, ln.Addr().String()
}

func udpFile(t *testing.T) *os.File {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	f, err := pc.(*net.UDPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readUntil collects the helper's lines up to one starting with prefix.
func readUntil(t *testing.T, r *bufio.Reader, prefix string) []string {
	t.Helper()
	var lines []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("helper said %q, then %v", lines, err)
		}
		line = strings.TrimSpace(line)
		lines = append(lines, line)
		if strings.HasPrefix(line, prefix) {
			return lines
		}
		if strings.HasPrefix(line, "error:") {
			t.Fatalf("helper: %s", line)
		}
	}
}

// TestActivation hands a real UDP socket ("dns", fd 3) and a real TCP
// listener ("http", fd 4) to a re-executed process, which must read them
// as go-systemd's activation package does, pick the TCP one by name or as
// the first stream socket, and serve on it.
func TestActivation(t *testing.T) {
	for _, pick := range []string{"http", "-"} {
		t.Run(pick, func(t *testing.T) {
			tcp, addr := tcpListenerFile(t)
			cmd, out := activate(t, []*os.File{udpFile(t), tcp}, "dns:http", pick, "")
			lines := readUntil(t, out, "listening")
			if lines[0] != "go-systemd dns http" || lines[1] != "file dns cloexec=true" || lines[2] != "file http cloexec=true" {
				t.Errorf("helper saw %q", lines)
			}
			if got := lines[len(lines)-1]; got != "listening "+addr {
				t.Errorf("helper %s, want listening %s", got, addr)
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			reply, err := bufio.NewReader(c).ReadString('\n')
			if want := fmt.Sprintf("hello from %d\n", cmd.Process.Pid); err != nil || reply != want {
				t.Fatalf("reply %q, %v; want %q", reply, err, want)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestActivationNotForUs(t *testing.T) {
	tcp, _ := tcpListenerFile(t)
	cmd, out := activate(t, []*os.File{tcp}, "http", "http", "1")
	if lines := readUntil(t, out, "no files"); lines[0] != "go-systemd" {
		t.Errorf("go-systemd took fds meant for pid 1: %q", lines)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestActivationNoMatch(t *testing.T) {
	cmd, out := activate(t, []*os.File{udpFile(t)}, "dns", "-", "")
	line, _ := out.ReadString('\n')
	for strings.HasPrefix(line, "file ") || strings.HasPrefix(line, "go-systemd") {
		line, _ = out.ReadString('\n')
	}
	if !strings.Contains(line, ErrNoListener.Error()) {
		t.Fatalf("helper said %q, want %v", line, ErrNoListener)
	}
	cmd.Wait()
}
