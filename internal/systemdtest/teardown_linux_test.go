package systemdtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTeardownLeavesNothing: after Close, no process of the instance runs
// (units, and commands started from the test), its cgroup and scratch dir
// are gone, and no mount of it shows on the host. As if the test had
// failed, the journal's tail is logged first.
func TestTeardownLeavesNothing(t *testing.T) {
	t.Parallel()
	h, err := probe()
	if err != nil {
		t.Skipf("systemdtest: skipping: %v", err)
	}
	var mu sync.Mutex
	var logged strings.Builder
	logf := func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&logged, f+"\n", a...)
	}
	m := newMachine(h, logf, func() bool { return true })
	t.Cleanup(func() { m.Close() })
	if err := m.start(newConfig(nil)); err != nil {
		t.Fatal(err)
	}
	mustRun(t, m, "systemd-run", "--quiet", "--unit=sleeper", "sleep", "infinity")
	direct := m.Command("sleep", "infinity")
	if err := direct.Start(); err != nil {
		t.Fatal(err)
	}
	pidns, mntns := nsOf(t, m.PID(), "pid"), nsOf(t, m.PID(), "mnt")

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close = %v, want the first result (nil)", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- direct.Wait() }()
	select {
	case err := <-waited:
		if err == nil {
			t.Error("a command still running at teardown exited 0; want killed")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a command started inside survived the teardown")
	}
	if pids := processesIn(t, "pid", pidns); len(pids) > 0 {
		t.Errorf("processes left in the instance's PID namespace: %v", pids)
	}
	if pids := processesIn(t, "mnt", mntns); len(pids) > 0 {
		t.Errorf("processes left in the instance's mount namespace: %v", pids)
	}
	for _, p := range []string{m.cgroup, m.dir} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("left behind: %s (%v)", p, err)
		}
	}
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mi), m.dir) {
		t.Errorf("a mount of the instance shows on the host:\n%s", mi)
	}
	if _, err := m.Run(ctxFor(t), "true"); !errors.Is(err, errNotRunning) {
		t.Errorf("Run after Close: %v, want errNotRunning", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "--- journalctl") || !strings.Contains(logged.String(), "Startup finished") {
		t.Errorf("a failed test's teardown did not log the journal; logged:\n%s", logged.String())
	}
}

// TestInstanceDiesWithTestProcess: a test process that dies without
// cleaning up (SIGKILL, a -timeout panic) takes its instance with it, and
// the next sweep removes the cgroup and scratch dir it left.
func TestInstanceDiesWithTestProcess(t *testing.T) {
	t.Parallel()
	h, err := probe()
	if err != nil {
		t.Skipf("systemdtest: skipping: %v", err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=boot-and-hang")
	helper.Stderr = os.Stderr
	stdin, _ := helper.StdinPipe()
	defer stdin.Close()
	stdout, _ := helper.StdoutPipe()
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	var pid int
	var cgroup, dir string
	if _, serr := fmt.Sscanf(line, "%d %s %s", &pid, &cgroup, &dir); err != nil || serr != nil {
		helper.Process.Kill()
		helper.Wait()
		t.Fatalf("helper: %q, %v, %v", line, err, serr)
	}
	pidns := nsOf(t, pid, "pid")
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)

	helper.Process.Kill()
	helper.Wait()
	if !pollExit(pidfd, 30*time.Second) {
		t.Fatalf("the instance's PID 1 (pid %d) outlived its test process", pid)
	}
	if pids := processesIn(t, "pid", pidns); len(pids) > 0 {
		t.Errorf("processes left in the orphaned instance: %v", pids)
	}
	sweepStale(h.cgroup2, t.Logf)
	for _, p := range []string{cgroup, dir} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the sweep left %s (%v)", p, err)
		}
	}
}

func pollExit(pidfd int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return n > 0
	}
}

// processesIn lists the running (non-zombie) host processes whose ns
// namespace link reads want.
func processesIn(t *testing.T, ns, want string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		got, err := os.Readlink(filepath.Join("/proc", e.Name(), "ns", ns))
		if err != nil || got != want {
			continue
		}
		var pid int
		fmt.Sscan(e.Name(), &pid)
		if processRuns(pid) {
			comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
			pids = append(pids, e.Name()+" "+strings.TrimSpace(string(comm)))
		}
	}
	return pids
}
