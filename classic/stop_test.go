//go:build linux

package classic

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/internal/proctest"
)

// daemon launches a helper daemon in mode and returns its pidfile and pid.
func daemon(t testing.TB, mode string) (path string, pid int, log string) {
	t.Helper()
	dir := t.TempDir()
	path, log = filepath.Join(dir, "d.pid"), filepath.Join(dir, "d.log")
	o := helperOptions(t, mode, Options{PIDFile: path, LogFile: log})
	_, l, err := Daemonize(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Kill(l.PID, unix.SIGKILL) })
	return path, l.PID, log
}

// stopped checks what Stop left: no pidfile, and the daemon gone.
func stopped(t *testing.T, path string, pid int) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pidfile still there after Stop: %v", err)
	}
	if info := Inspect(path); info.State != Stopped {
		t.Errorf("Inspect after Stop = %+v, want stopped", info)
	}
	if !proctest.WaitGone(pid, 0) {
		t.Errorf("pid %d still runs after Stop returned", pid)
	}
}

func TestStopGraceful(t *testing.T) {
	path, pid, _ := daemon(t, modeReady)
	info, err := Stop(t.Context(), path, 0)
	if err != nil || info.State != Running || info.PID != pid {
		t.Fatalf("Stop = %+v, %v; want success, was running as %d", info, err, pid)
	}
	stopped(t, path, pid)
}

// TestStopDiesAtTERM stops a daemon that SIGTERM kills outright, leaving
// its pidfile behind for Stop to remove.
func TestStopDiesAtTERM(t *testing.T) {
	path, pid, _ := daemon(t, modePlain)
	info, err := Stop(t.Context(), path, 0)
	if err != nil || info.PID != pid {
		t.Fatalf("Stop = %+v, %v", info, err)
	}
	stopped(t, path, pid)
}

// TestStopIgnoresTERM stops a daemon that ignores SIGTERM: SIGKILL follows
// the timeout, and Stop removes the pidfile the daemon could not.
func TestStopIgnoresTERM(t *testing.T) {
	path, pid, _ := daemon(t, modeStubborn)
	info, err := Stop(t.Context(), path, 200*time.Millisecond)
	if err != nil || info.PID != pid {
		t.Fatalf("Stop = %+v, %v", info, err)
	}
	stopped(t, path, pid)
}

func TestStopContextEnds(t *testing.T) {
	path, pid, _ := daemon(t, modeStubborn)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := Stop(ctx, path, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop with a canceled context: %v, want context.Canceled", err)
	}
	// It sent SIGTERM, which is ignored, and gave up before SIGKILL.
	if !proctest.Alive(pid) {
		t.Fatal("daemon died, though Stop gave up before SIGKILL")
	}
	if info := Inspect(path); info.State != Running {
		t.Errorf("Inspect = %+v, want still running", info)
	}
}

func TestStopStopped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	info, err := Stop(t.Context(), path, 0)
	if err != nil || info.State != Stopped {
		t.Fatalf("Stop of a stopped service = %+v, %v; want success", info, err)
	}
}

func TestStopStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	pid := proctest.DeadPID(t)
	writeFile(t, path, fmt.Sprintf("%d\n", pid))
	info, err := Stop(t.Context(), path, 0)
	if err != nil || info.State != Dead || info.PID != pid {
		t.Fatalf("Stop of a stale pidfile = %+v, %v; want success", info, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale pidfile left: %v", err)
	}
	// Garbage is not ours to remove: it names nobody.
	writeFile(t, path, "garbage\n")
	if _, err := Stop(t.Context(), path, 0); err != nil {
		t.Errorf("Stop of a garbage pidfile: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "garbage\n" {
		t.Errorf("garbage pidfile now holds %q", got)
	}
}

// TestStopForeign: a pidfile naming a live process that holds no write
// lock on it (pids are reused) is Dead: Stop removes it and signals
// nobody.
func TestStopForeign(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	sleep := proctest.Stranger(t)
	writeFile(t, path, fmt.Sprintf("%d\n", sleep))
	if _, err := Signal(path, unix.SIGTERM); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Signal: %v; want ErrNotRunning", err)
	}
	if info, err := Stop(t.Context(), path, 0); err != nil || info.State != Dead {
		t.Errorf("Stop = %+v, %v; want success on a stale pidfile", info, err)
	}
	if !proctest.Alive(sleep) {
		t.Fatalf("pid %d, named by an unlocked pidfile, was killed", sleep)
	}
}

func TestSignalReload(t *testing.T) {
	path, pid, log := daemon(t, modeHup)
	for i := range 2 {
		got, err := Signal(path, unix.SIGHUP)
		if err != nil || got != pid {
			t.Fatalf("Signal = %d, %v; want pid %d", got, err, pid)
		}
		waitLines(t, log, "hup", i+1)
	}
	if _, err := Signal(filepath.Join(t.TempDir(), "none.pid"), unix.SIGHUP); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Signal without a pidfile: %v, want ErrNotRunning", err)
	}
	if _, err := Stop(t.Context(), path, 0); err != nil {
		t.Fatal(err)
	}
}

// waitLines waits for n lines equal to line in the file at path.
func waitLines(t *testing.T, path, line string, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		if strings.Count(string(b), line+"\n") >= n {
			return
		}
	}
	t.Fatalf("%s never got %d lines %q", path, n, line)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkStop measures Stop of a daemon that exits on SIGTERM, from the
// call to the observed exit and the pidfile gone.
func BenchmarkStop(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		path, _, _ := daemon(b, modeReady)
		b.StartTimer()
		if _, err := Stop(b.Context(), path, 0); err != nil {
			b.Fatal(err)
		}
	}
}
