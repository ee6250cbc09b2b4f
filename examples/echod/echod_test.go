package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
)

// TestClassic builds echod and drives it as the LSB script would: start
// --classic with its own --addr returns once it echoes, status and
// reload work by pidfile, stop leaves no process and no pidfile. Every
// message is echod's.
func TestClassic(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "echod")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pidfile, log, addr := filepath.Join(dir, "echod.pid"), filepath.Join(dir, "echod.log"), proctest.FreeAddr(t)
	echod := func(want int, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Fatalf("echod %q: exit %d, want %d\n%s", args, code, want, out.String())
		}
		return out.String()
	}
	t.Cleanup(func() { exec.Command(bin, "stop", "--classic", "--pidfile", pidfile).Run() })

	out := echod(0, "start", "--classic", "--pidfile", pidfile, "--log", log, "--addr", addr)
	var pid int
	if _, err := fmt.Sscanf(out, "started (pid %d)\n", &pid); err != nil {
		t.Fatalf("start said %q", out)
	}
	echo(t, addr) // ready means serving: no wait
	if out := echod(0, "status", "--classic", "--pidfile", pidfile); out != fmt.Sprintf("running (pid %d)\n", pid) {
		t.Errorf("status: %q", out)
	}
	echod(0, "reload", "--classic", "--pidfile", pidfile)
	deadline := time.Now().Add(10 * time.Second)
	for b, _ := os.ReadFile(log); !strings.Contains(string(b), "msg=reloaded"); b, _ = os.ReadFile(log) {
		if time.Now().After(deadline) {
			t.Fatalf("no reload in the log:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	echo(t, addr)
	if out := echod(0, "stop", "--classic", "--pidfile", pidfile); out != fmt.Sprintf("stopped (pid %d)\n", pid) {
		t.Errorf("stop: %q", out)
	}
	if !proctest.WaitGone(pid, 10*time.Second) {
		t.Errorf("pid %d still alive after stop", pid)
	}
	if _, err := os.Stat(pidfile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pidfile after stop: %v", err)
	}
	echod(3, "status", "--classic", "--pidfile", pidfile)

	// A taken port: the launcher shows echod's own error, in echod's name.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out = echod(1, "start", "--classic", "--pidfile", pidfile, "--addr", ln.Addr().String())
	if !strings.HasPrefix(out, "echod start: ") || !strings.Contains(out, "address already in use") {
		t.Errorf("start on a taken port said %q", out)
	}
	// A daemon's set-up error reaches the operator, in echod's name.
	out = echod(1, "start", "--classic", "--pidfile", filepath.Join(dir, "missing", "echod.pid"), "--addr", addr)
	if !strings.HasPrefix(out, "echod start: ") || !strings.Contains(out, "no such file or directory") {
		t.Errorf("start with a missing pidfile directory said %q", out)
	}
}

func echo(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	const line = `a  "b" $c %d`
	c.Write([]byte(line + "\n"))
	if got, err := bufio.NewReader(c).ReadString('\n'); got != line+"\n" {
		t.Fatalf("echo: got %q, %v", got, err)
	}
}
