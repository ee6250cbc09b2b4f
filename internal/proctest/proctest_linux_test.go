package proctest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFreeAddr(t *testing.T) {
	ln, err := net.Listen("tcp", FreeAddr(t))
	if err != nil {
		t.Fatalf("FreeAddr gave an address we cannot listen on: %v", err)
	}
	ln.Close()
}

// TestGoneCountsZombies: an exited child not yet reaped is a zombie, which
// has exited for WaitGone and Alive.
func TestGoneCountsZombies(t *testing.T) {
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if !Alive(pid) || State(pid) == "" {
		t.Fatalf("sleep %d: alive %v, state %q", pid, Alive(pid), State(pid))
	}
	if WaitGone(pid, 50*time.Millisecond) {
		t.Fatal("WaitGone: a sleeping process is gone")
	}
	cmd.Process.Kill()
	if !WaitGone(pid, 10*time.Second) {
		t.Fatal("WaitGone: a killed process is not gone")
	}
	if s := State(pid); s != "Z" || Alive(pid) {
		t.Errorf("killed, unreaped: state %q, alive %v; want a zombie, not alive", s, Alive(pid))
	}
	cmd.Wait()
	if State(pid) != "" || !WaitGone(pid, time.Second) {
		t.Errorf("reaped: state %q", State(pid))
	}
}

// TestProcReaders reads a real child: its command line, status, stat,
// descriptors, and finds it by a marker in its arguments. The child is
// this test binary blocking in TestProcHelper, which never forks: a shell
// (`sh -c 'sleep 300; :' MARKER`) forks before it execs sleep, and for
// that instant two processes carry the marker.
func TestProcReaders(t *testing.T) {
	marker := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestProcHelper$", "-test.timeout=0", marker)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	want := strings.Join(cmd.Args, " ")
	for deadline := time.Now().Add(10 * time.Second); Cmdline(pid) != want; {
		if time.Now().After(deadline) {
			t.Fatalf("cmdline %q, want %q", Cmdline(pid), want)
		}
		time.Sleep(time.Millisecond)
	}
	comm := filepath.Base(os.Args[0])
	if len(comm) > 15 { // TASK_COMM_LEN - 1
		comm = comm[:15]
	}
	if st := Status(t, pid); st["Pid"] != strconv.Itoa(pid) || st["Name"] != comm {
		t.Errorf("status: Pid %q Name %q, want %d %q", st["Pid"], st["Name"], pid, comm)
	}
	if f := Stat(pid); len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
		t.Errorf("stat from the state on: %q; want our pid as the parent (field 4)", f)
	}
	if fds := FDs(t, pid); fds[0] != "/dev/null" {
		t.Errorf("fds: %v; want stdin on /dev/null", fds)
	}
	if got := Live(marker); len(got) != 1 || got[0] != pid {
		t.Errorf("Live(%q) = %v, want [%d]", marker, got, pid)
	}
}

// helperEnv makes TestProcHelper block instead of skipping.
const helperEnv = "PROCTEST_HELPER"

// TestProcHelper is TestProcReaders' child: it blocks until killed.
func TestProcHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("the child of TestProcReaders")
	}
	time.Sleep(time.Hour)
}
