//go:build linux

package classic

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
)

// launchHelper runs Daemonize as the launcher, the daemon being this test
// binary in mode. A daemon that got ready is stopped at cleanup.
func launchHelper(t *testing.T, ctx context.Context, mode string, o Options) (*Launched, error) {
	t.Helper()
	_, l, err := Daemonize(ctx, helperOptions(t, mode, o))
	if l != nil && !l.Already {
		t.Cleanup(func() {
			if _, err := Stop(context.Background(), o.PIDFile, 5*time.Second); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
	}
	return l, err
}

func TestLaunchReady(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	l, err := launchHelper(t, context.Background(), modeReady, Options{PIDFile: pidfile})
	if err != nil {
		t.Fatal(err)
	}
	if l.Already || l.PID <= 0 || l.PIDFile != pidfile {
		t.Fatalf("launched %+v, want a new daemon holding %s", l, pidfile)
	}
	if info := Inspect(pidfile); info.State != Running || info.PID != l.PID {
		t.Fatalf("pidfile: %+v, want running pid %d", info, l.PID)
	}
}

func TestLaunchAlreadyRunning(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	first, err := launchHelper(t, context.Background(), modeReady, Options{PIDFile: pidfile})
	if err != nil {
		t.Fatal(err)
	}
	again, err := launchHelper(t, context.Background(), modeReady, Options{PIDFile: pidfile})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Already || again.PID != first.PID {
		t.Fatalf("second launch: %+v, want already running as pid %d", again, first.PID)
	}
}

func TestLaunchConcurrent(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	const n = 4
	var wg sync.WaitGroup
	results := make([]*Launched, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = launchHelper(t, context.Background(), modeReady, Options{PIDFile: pidfile})
		})
	}
	wg.Wait()
	started, pids := 0, map[int]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("launch %d: %v", i, errs[i])
		}
		if !results[i].Already {
			started++
		}
		pids[results[i].PID] = true
	}
	if started != 1 || len(pids) != 1 {
		t.Fatalf("%d launches started %d daemons, pids %v; want exactly one", n, started, pids)
	}
}

func TestLaunchDaemonFails(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	_, err := launchHelper(t, context.Background(), modeFail, Options{PIDFile: pidfile})
	se := startError(t, err)
	if se.ExitCode() != 3 || se.Errno != syscall.EADDRINUSE || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("got code %d errno %v, want the daemon's 3 and EADDRINUSE", se.ExitCode(), se.Errno)
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("error %q lacks the daemon's STATUS", err)
	}
	assertCleanedUp(t, se.PID, pidfile)
}

func TestLaunchTimeout(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	_, err := launchHelper(t, context.Background(), modeHang, Options{PIDFile: pidfile, Timeout: 300 * time.Millisecond})
	se := startError(t, err)
	if se.Timeout == 0 || !se.Killed || se.ExitCode() != 1 {
		t.Errorf("got %+v, want a timeout that killed the daemon, exit 1", se)
	}
	assertCleanedUp(t, se.PID, pidfile)
}

func TestLaunchCancelled(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := launchHelper(t, ctx, modeHang, Options{PIDFile: pidfile})
	se := startError(t, err)
	if !errors.Is(err, context.DeadlineExceeded) || !se.Killed {
		t.Errorf("got %v, want the context's error and a killed daemon", err)
	}
	assertCleanedUp(t, se.PID, pidfile)
}

func TestLaunchDaemonKilled(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	_, err := launchHelper(t, context.Background(), modeCrash, Options{PIDFile: pidfile})
	se := startError(t, err)
	if se.Signal != syscall.SIGKILL || se.ExitCode() != 1 || !strings.Contains(err.Error(), "killed by signal 9") {
		t.Errorf("got %v (%+v), want killed by SIGKILL, exit 1", err, se)
	}
	assertCleanedUp(t, se.PID, pidfile) // the daemon left it; the launcher removed it
}

func TestLaunchDaemonExitsSilently(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "d.pid")
	_, err := launchHelper(t, context.Background(), modeSilent, Options{PIDFile: pidfile})
	se := startError(t, err)
	if se.Code != 0 || se.ExitCode() != 1 || !strings.Contains(err.Error(), "exited with status 0 before it was ready") {
		t.Errorf("got %v (%+v), want a failure with exit 1", err, se)
	}
	assertCleanedUp(t, se.PID, pidfile)
}

func TestLaunchNeedsPIDFile(t *testing.T) {
	if _, _, err := Daemonize(context.Background(), Options{}); err == nil {
		t.Fatal("Daemonize without a pidfile succeeded")
	}
}

func startError(t *testing.T, err error) *StartError {
	t.Helper()
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *StartError", err)
	}
	if se.PID <= 0 {
		t.Fatalf("%v: no daemon pid", err)
	}
	return se
}

// assertCleanedUp checks the daemon is gone and left no pidfile.
func assertCleanedUp(t *testing.T, pid int, pidfile string) {
	t.Helper()
	waitGone(t, pid)
	if _, err := os.Lstat(pidfile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pidfile %s left behind (%v)", pidfile, err)
	}
}

// waitGone waits for pid to exit; a zombie has exited (init here reaps
// late).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	if !proctest.WaitGone(pid, 10*time.Second) {
		t.Fatalf("pid %d still alive (%v)", pid, proctest.State(pid))
	}
}
