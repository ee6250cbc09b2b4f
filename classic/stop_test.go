//go:build linux

package classic

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stopped checks what Stop left: no pidfile, and the helper ended as want
// says ("exit 0", or the signal that killed it).
func stopped(t *testing.T, h *pidHelper, path, want string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pidfile still there after Stop: %v", err)
	}
	if info := Inspect(path); info.State != Stopped {
		t.Errorf("Inspect after Stop = %+v, want stopped", info)
	}
	ws := h.wait().Sys().(syscall.WaitStatus)
	got := fmt.Sprintf("exit %d", ws.ExitStatus())
	if ws.Signaled() {
		got = ws.Signal().String()
	}
	if got != want {
		t.Errorf("daemon ended with %s, want %s", got, want)
	}
}

func TestStopGraceful(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "daemon", path)
	pid := h.ready(t)
	info, err := Stop(t.Context(), path, 0)
	if err != nil || info.State != Running || info.PID != pid {
		t.Fatalf("Stop = %+v, %v; want success, was running as %d", info, err, pid)
	}
	stopped(t, h, path, "exit 0")
}

// TestStopDiesAtTERM stops a daemon that SIGTERM kills outright, leaving
// its pidfile behind for Stop to remove.
func TestStopDiesAtTERM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "plain", path)
	pid := h.ready(t)
	info, err := Stop(t.Context(), path, 0)
	if err != nil || info.PID != pid {
		t.Fatalf("Stop = %+v, %v", info, err)
	}
	stopped(t, h, path, unix.SIGTERM.String())
}

// TestStopIgnoresTERM stops a daemon that ignores SIGTERM: SIGKILL follows
// the timeout, and Stop removes the pidfile the daemon could not.
func TestStopIgnoresTERM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "stubborn", path)
	pid := h.ready(t)
	info, err := Stop(t.Context(), path, 200*time.Millisecond)
	if err != nil || info.PID != pid {
		t.Fatalf("Stop = %+v, %v", info, err)
	}
	stopped(t, h, path, unix.SIGKILL.String())
}

func TestStopContextEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "stubborn", path)
	pid := h.ready(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := Stop(ctx, path, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop with a canceled context: %v, want context.Canceled", err)
	}
	// It sent SIGTERM, which is ignored, and gave up before SIGKILL.
	if exited(t, pid) {
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
	pid := deadPID(t)
	writeFile(t, path, fmt.Sprintf("%d\n", pid), 0o644)
	info, err := Stop(t.Context(), path, 0)
	if err != nil || info.State != Dead || info.PID != pid {
		t.Fatalf("Stop of a stale pidfile = %+v, %v; want success", info, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale pidfile left: %v", err)
	}
	// Garbage is not ours to remove: it names nobody.
	writeFile(t, path, "garbage\n", 0o644)
	if _, err := Stop(t.Context(), path, 0); err != nil {
		t.Errorf("Stop of a garbage pidfile: %v", err)
	}
	if got := readFile(t, path); got != "garbage\n" {
		t.Errorf("garbage pidfile now holds %q", got)
	}
}

// TestRemoveStaleLeavesLocked: Stop's clean-up never removes a pidfile
// someone holds, even one that names the pid it stopped.
func TestRemoveStaleLeavesLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	pid := deadPID(t)
	writeFile(t, path, fmt.Sprintf("%d\n", pid), 0o644)
	startPIDHelper(t, "hold", path).ready(t)
	if err := removeStalePIDFile(path, pid); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Errorf("a held pidfile was removed: %v", err)
	}
}

func TestSignalReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.pid")
	h := startPIDHelper(t, "daemon", path)
	pid := h.ready(t)
	for range 2 {
		got, err := Signal(path, unix.SIGHUP)
		if err != nil || got != pid {
			t.Fatalf("Signal = %d, %v; want pid %d", got, err, pid)
		}
		if line := h.line(t); line != "hup" {
			t.Fatalf("daemon said %q, want hup", line)
		}
	}
	if _, err := Signal(filepath.Join(t.TempDir(), "none.pid"), unix.SIGHUP); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Signal without a pidfile: %v, want ErrNotRunning", err)
	}
}

// BenchmarkStop measures Stop of a daemon that exits on SIGTERM, from the
// call to the observed exit and the pidfile gone.
func BenchmarkStop(b *testing.B) {
	dir := b.TempDir()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		path := filepath.Join(dir, fmt.Sprintf("svc%d.pid", i))
		h := startPIDHelper(b, "daemon", path)
		h.ready(b)
		b.StartTimer()
		if _, err := Stop(b.Context(), path, 0); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		h.wait()
		b.StartTimer()
	}
}
