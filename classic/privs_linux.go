package classic

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A daemon runs Daemonize in its main goroutine: locked to the main thread
// from init on, the privilege drop happens on the thread whose state
// /proc/PID/status shows, even where (with cgo) the bounding set can only
// be dropped thread by thread.
func init() {
	if os.Getenv(HandoffEnv) != "" {
		runtime.LockOSThread()
	}
}

// drop sets supplementary groups, then the gid, then the uid: the uid
// last, since it takes away the right to change the others. Every thread
// changes: unix.Setgroups is a raw per-thread syscall, so this uses
// syscall.Setgroups, which the runtime applies to all threads (x/sys
// defers Setgid and Setuid to the syscall package for the same reason).
//
// Dropping to a user other than root also takes away every way back:
// the capability bounding set is emptied while we still may (CAP_SETPCAP),
// and after the uid change the inheritable and ambient sets are cleared
// and no_new_privs is set on every thread, so no set-user-ID program or
// file capability can raise the daemon again (what systemd's
// CapabilityBoundingSet= and NoNewPrivileges= do).
func (c *creds) drop() error {
	if c == nil {
		return nil
	}
	lower := c.uid > 0
	runtime.LockOSThread() // the per-thread steps below, on one thread
	defer runtime.UnlockOSThread()
	if lower {
		if err := dropBoundingSet(); err != nil {
			return fmt.Errorf("classic: drop privileges: %w", err)
		}
	}
	if err := syscall.Setgroups(c.groups); err != nil {
		return fmt.Errorf("classic: drop privileges: %w", os.NewSyscallError("setgroups", err))
	}
	if c.gid >= 0 {
		if err := unix.Setgid(c.gid); err != nil {
			return fmt.Errorf("classic: drop privileges: %w", os.NewSyscallError("setgid", err))
		}
	}
	if c.uid >= 0 {
		if err := unix.Setuid(c.uid); err != nil {
			return fmt.Errorf("classic: drop privileges: %w", os.NewSyscallError("setuid", err))
		}
	}
	if !lower {
		return nil
	}
	if err := clearCapabilities(); err != nil {
		return fmt.Errorf("classic: drop privileges: %w", err)
	}
	if err := noNewPrivs(); err != nil {
		return fmt.Errorf("classic: drop privileges: %w", err)
	}
	return nil
}

// allThreads runs prctl on every thread of the process when the runtime
// can (a build without cgo), and reports false when it cannot.
func allThreads(option, arg2 uintptr) (bool, error) {
	_, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, option, arg2, 0)
	switch e {
	case 0:
		return true, nil
	case syscall.ENOTSUP: // cgo: threads in C cannot be made to run it
		return false, nil
	}
	return false, os.NewSyscallError("prctl", e)
}

// dropBoundingSet empties the capability bounding set: on every thread
// without cgo; with cgo on the calling thread (the main one, see init),
// which is all that matters once every thread has no_new_privs and no
// capabilities left.
func dropBoundingSet() error {
	for c := uintptr(0); c <= 63; c++ {
		done, err := allThreads(unix.PR_CAPBSET_DROP, c)
		if !done && err == nil {
			err = unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0)
		}
		if errors.Is(err, unix.EINVAL) || errors.Is(err, syscall.EINVAL) {
			return nil // past the kernel's last capability
		}
		if err != nil {
			return fmt.Errorf("capability %d: %w", c, os.NewSyscallError("prctl PR_CAPBSET_DROP", err))
		}
	}
	return nil
}

// clearCapabilities empties the ambient, inheritable, permitted and
// effective sets of the calling thread. (The uid change already emptied
// the permitted and effective sets of every thread.)
func clearCapabilities() error {
	err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if err != nil && !errors.Is(err, unix.EINVAL) { // EINVAL: a kernel before 4.3
		return os.NewSyscallError("prctl PR_CAP_AMBIENT_CLEAR_ALL", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return os.NewSyscallError("capset", err)
	}
	return nil
}

// noNewPrivs sets no_new_privs on every thread. Where the runtime cannot
// run prctl on all threads (cgo), it sets it on this one and installs a
// seccomp filter that allows everything with SECCOMP_FILTER_FLAG_TSYNC:
// the kernel gives the filter, and no_new_privs with it, to every thread
// (seccomp_sync_threads).
func noNewPrivs() error {
	if done, err := allThreads(unix.PR_SET_NO_NEW_PRIVS, 1); done || err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl PR_SET_NO_NEW_PRIVS", err)
	}
	allow := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
	prog := unix.SockFprog{Len: 1, Filter: &allow[0]}
	r, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(allow)
	switch {
	case e != 0:
		return os.NewSyscallError("seccomp", e)
	case r != 0:
		return fmt.Errorf("seccomp: thread %d could not take no_new_privs", r)
	}
	return nil
}

// NoNewPrivs sets no_new_privs on every thread of the calling process:
// no program it executes gains privileges (set-user-ID bits and file
// capabilities are ignored). Daemonize does this itself when it drops to
// a user other than root.
func NoNewPrivs() error {
	if err := noNewPrivs(); err != nil {
		return fmt.Errorf("classic: %w", err)
	}
	return nil
}
