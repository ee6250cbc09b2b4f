package systemdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

const (
	killTimeout    = 30 * time.Second // a PID namespace dies promptly; this is a safety net
	cgroupPatience = 10 * time.Second // the kernel frees a cgroup shortly after its last process
)

var sweepOnce sync.Once

// Close tears the instance down: the journal's tail is logged if the test
// failed, PID 1 gets SIGKILL (the kernel then kills every process of the
// PID namespace, and the mounts vanish with the mount namespace), then the
// cgroup and scratch directory are removed. Boot registers it as a cleanup;
// calling it earlier is fine, and later calls return the first result. It
// reports whatever it could not clean up.
//
// There is deliberately no orderly poweroff first: systemd-shutdown
// SIGSTOPs every process, including a command started with Command, whose
// nsenter parent lives outside the namespace; nsenter then stops itself
// too and never reaps it, and the namespace cannot die
// (TestTeardownLeavesNothing caught this). Nothing a test can observe
// needs the units stopped gracefully at the end.
func (m *Machine) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.teardown() })
	return m.closeErr
}

func (m *Machine) teardown() error {
	var errs []error
	if m.pid != 0 {
		if m.failed() && m.alive() {
			m.dumpState()
		}
		m.closed.Store(true)
		errs = append(errs, m.stop())
	}
	m.closed.Store(true)
	if m.notify != nil {
		m.notify.Close()
	}
	if m.cgroup != "" {
		errs = append(errs, removeCgroup(m.cgroup, cgroupPatience))
	}
	if m.dir != "" {
		errs = append(errs, removeScratch(m.dir))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("systemdtest: teardown: %w", err)
	}
	return nil
}

// stop kills PID 1 and reaps it.
func (m *Machine) stop() error {
	defer unix.Close(m.pidfd)
	err := unix.PidfdSendSignal(m.pidfd, unix.SIGKILL, nil, 0)
	if errors.Is(err, unix.ESRCH) {
		err = nil // already gone
	}
	err = os.NewSyscallError("pidfd_send_signal", err)
	select {
	case <-m.exited:
	case <-time.After(killTimeout):
		return errors.Join(err, fmt.Errorf("PID 1 (host pid %d) alive %v after SIGKILL", m.pid, killTimeout))
	}
	close(m.reap)
	<-m.reaped
	return err
}

// dumpState logs the failed units and the journal's tail while the
// instance still runs: the evidence a failed test needs.
func (m *Machine) dumpState() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	failed, _ := m.Run(ctx, "systemctl", "--failed", "--no-pager", "--full")
	// Not debug records: a test that turned on debug logging would bury
	// the story under D-Bus chatter.
	journal, _ := m.Run(ctx, "journalctl", "-b", "--no-pager", "-p", "info", "-n", "300", "-o", "short-monotonic")
	m.logf("systemdtest: the test failed; the instance before teardown:\n"+
		"--- systemctl --failed\n%s--- journalctl -b -p info -n 300\n%s", failed, journal)
}

// removeCgroup removes a cgroup directory tree bottom-up, retrying while
// the kernel still counts exiting processes in it.
func removeCgroup(root string, patience time.Duration) error {
	deadline := time.Now().Add(patience)
	for {
		err := rmdirTree(root)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
			return fmt.Errorf("cgroup: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rmdirTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != root && errors.Is(err, fs.ErrNotExist) {
				return nil // removed under us
			}
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- { // children before parents
		if err := unix.Rmdir(dirs[i]); err != nil && !errors.Is(err, unix.ENOENT) {
			return &os.PathError{Op: "rmdir", Path: dirs[i], Err: err}
		}
	}
	return nil
}

// removeScratch removes what Boot put in the scratch dir, by name: never a
// recursive removal, so nothing unexpected can be deleted.
func removeScratch(dir string) error {
	var errs []error
	for _, p := range []string{"notify", "boot.log", "m", ""} {
		if err := os.Remove(filepath.Join(dir, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sweepStale removes the cgroups and scratch dirs of instances whose test
// process died without tearing them down (SIGKILL, -timeout). Their
// processes were killed by the parent-death signal; cgroup.kill catches
// any straggler.
func sweepStale(cgroup2 string, logf func(string, ...any)) {
	cgs, _ := filepath.Glob(filepath.Join(cgroup2, scratchPrefix+"*"))
	for _, cg := range cgs {
		if ownerGone(cg) {
			os.WriteFile(filepath.Join(cg, "cgroup.kill"), []byte("1"), 0)
			if err := removeCgroup(cg, cgroupPatience); err != nil {
				logf("systemdtest: stale instance: %v", err)
			}
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), scratchPrefix+"*"))
	for _, d := range dirs {
		if ownerGone(d) {
			if err := removeScratch(d); err != nil {
				logf("systemdtest: stale instance: %v", err)
			}
		}
	}
}

// ownerGone reports whether path is named systemdtest.<pid>.<x> for a pid
// that no longer runs. A reused pid keeps the leftovers: harmless.
func ownerGone(path string) bool {
	rest := strings.TrimPrefix(filepath.Base(path), scratchPrefix)
	p, _, ok := strings.Cut(rest, ".")
	pid, err := strconv.Atoi(p)
	if !ok || err != nil || pid <= 0 {
		return false
	}
	return !processRuns(pid)
}

// processRuns reports whether pid exists and is not a zombie (this
// machine's PID 1 reaps orphans late, so an exited process lingers).
func processRuns(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
