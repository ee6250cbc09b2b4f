package systemdtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Machine is one running instance. Its methods may be called from any
// goroutine, but not concurrently with Close.
type Machine struct {
	host   host
	dir    string // scratch dir on the host: notify socket, boot.log, mount point m
	cgroup string // the instance's cgroup2 root, as the host sees it
	notify *notifySocket

	pid    int           // the instance's PID 1 (systemd), as the host sees it
	pidfd  int           // pins pid: it is not reaped before teardown
	exited chan struct{} // closed when PID 1 has exited (a zombie, not reaped)
	reap   chan struct{} // closed by teardown: supervise may reap PID 1
	reaped chan struct{} // closed when PID 1 is reaped

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	logf   func(format string, args ...any)
	failed func() bool
}

// Boot starts an instance and waits until its systemd has finished
// starting up. It skips tb when the host cannot run one (see the package
// doc), fails tb if booting fails, and registers a cleanup that tears the
// instance down.
func Boot(tb testing.TB, opts ...Option) *Machine {
	tb.Helper()
	h, err := probe()
	if err != nil {
		if os.Getenv("SYSTEMDTEST_REQUIRE") != "" {
			tb.Fatalf("systemdtest: %v (and SYSTEMDTEST_REQUIRE is set)", err)
		}
		tb.Skipf("systemdtest: skipping: %v", err)
	}
	m := newMachine(h, tb.Logf, tb.Failed)
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Error(err)
		}
	})
	if err := m.start(newConfig(opts)); err != nil {
		tb.Fatal(err)
	}
	return m
}

func newMachine(h host, logf func(string, ...any), failed func() bool) *Machine {
	return &Machine{host: h, pidfd: -1, logf: logf, failed: failed}
}

// PID is the host's view of the instance's PID 1, for nsenter(1) and
// /proc/PID/... from the host.
func (m *Machine) PID() int { return m.pid }

// scratchPrefix names the scratch dir and the cgroup:
// systemdtest.<owner pid>.<random>, so a later Boot can tell stale ones.
const scratchPrefix = "systemdtest."

func (m *Machine) start(cfg config) error {
	for _, p := range cfg.hidden {
		if err := checkHide(p); err != nil {
			return err
		}
	}
	binds := append([]string{strconv.Itoa(len(cfg.hidden))}, cfg.hidden...)
	for _, b := range cfg.binds {
		dir, err := resolveBind(b.dir)
		if err != nil {
			return err
		}
		mode := "rw"
		if b.readOnly {
			mode = "ro"
		}
		binds = append(binds, mode, dir)
	}
	sweepOnce.Do(func() { sweepStale(m.host.cgroup2, m.logf) })

	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d.", scratchPrefix, os.Getpid()))
	if err != nil {
		return fmt.Errorf("systemdtest: %w", err)
	}
	m.dir = dir
	if err := os.Mkdir(filepath.Join(dir, "m"), 0o700); err != nil {
		return fmt.Errorf("systemdtest: %w", err)
	}
	if m.notify, err = listenNotify(filepath.Join(dir, "notify")); err != nil {
		return err
	}
	cg := filepath.Join(m.host.cgroup2, filepath.Base(dir))
	if err := os.Mkdir(cg, 0o755); err != nil {
		return fmt.Errorf("systemdtest: cgroup: %w", err)
	}
	m.cgroup = cg
	if err := m.spawn(binds); err != nil { // hidden paths, then binds
		return fmt.Errorf("systemdtest: %w%s", err, m.bootLog())
	}
	status, err := m.notify.waitReady(m.pid, cfg.bootTimeout, m.exited)
	if err != nil {
		return fmt.Errorf("systemdtest: boot: %w%s", err, m.bootLog())
	}
	go m.notify.drain()
	return m.checkState(status)
}

// spawn starts the set-up script as PID 1 of new PID, mount, UTS, IPC and
// network namespaces, inside the instance's cgroup; `unshare --cgroup` then
// roots a new cgroup namespace there, and the script execs systemd.
func (m *Machine) spawn(binds []string) error {
	cg, err := unix.Open(m.cgroup, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: m.cgroup, Err: err}
	}
	defer unix.Close(cg)
	log, err := os.Create(filepath.Join(m.dir, "boot.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	args := append([]string{"--cgroup", "--", m.host.sh, "-c", setupScript, "systemdtest-setup",
		m.dir, m.host.systemd, capDrop}, binds...)
	cmd := exec.Command(m.host.unshare, args...)
	cmd.Env = []string{"PATH=" + insidePATH}
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWPID | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET,
		// Go makes "/" MS_REC|MS_PRIVATE after unsharing the mount
		// namespace, so no mount of the instance reaches the host.
		Unshareflags: unix.CLONE_NEWNS,
		UseCgroupFD:  true,
		CgroupFD:     cg,
		Pdeathsig:    syscall.SIGKILL, // the test process died: so does the instance
		Setpgid:      true,            // a ^C on the terminal is not for it
	}
	m.exited, m.reap, m.reaped = make(chan struct{}), make(chan struct{}), make(chan struct{})
	started := make(chan error, 1)
	go m.supervise(cmd, started)
	return <-started
}

// supervise starts PID 1 and keeps the OS thread that started it until PID
// 1 is reaped: the parent-death signal fires when that thread exits, not
// the process (golang/go#27505). PID 1 stays a zombie until teardown says
// reap, so its pid cannot be reused while a Machine method might use it.
func (m *Machine) supervise(cmd *exec.Cmd, started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		started <- fmt.Errorf("start %s: %w", cmd.Path, err)
		return
	}
	pidfd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		started <- os.NewSyscallError("pidfd_open", err)
		return
	}
	m.pid, m.pidfd = cmd.Process.Pid, pidfd
	started <- nil
	waitExit(pidfd)
	close(m.exited)
	<-m.reap
	cmd.Wait()
	close(m.reaped)
}

// waitExit blocks until the process behind pidfd has exited.
func waitExit(pidfd int) {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

func (m *Machine) alive() bool {
	if m.exited == nil {
		return false
	}
	select {
	case <-m.exited:
		return false
	default:
		return true
	}
}

// checkState logs why the system is degraded, if it is; anything but
// running or degraded after READY=1 is an error.
func (m *Machine) checkState(status string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := m.Run(ctx, "systemctl", "is-system-running")
	switch state := strings.TrimSpace(out); state {
	case "running":
		return nil
	case "degraded":
		failed, _ := m.Run(ctx, "systemctl", "--failed", "--no-pager", "--full")
		m.logf("systemdtest: the instance is degraded:\n%s", failed)
		return nil
	default:
		return fmt.Errorf("systemdtest: boot: system state %q after READY=1 (status %q): %v", state, status, err)
	}
}

// bootLog is the set-up script's output, for error messages.
func (m *Machine) bootLog() string {
	b, err := os.ReadFile(filepath.Join(m.dir, "boot.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	return "\nset-up output:\n" + string(b)
}
