package proctest

import (
	"net"
	"os/exec"
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
