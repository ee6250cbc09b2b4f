// Package systemdtest boots a real, throwaway systemd for tests: the host's
// own systemd binary runs as PID 1 of private PID, mount, UTS, IPC, network
// and cgroup namespaces, over an overlay of the host's root. systemctl,
// journalctl, sd_notify, watchdogs and socket activation behave as on a
// booted machine, because it is one.
//
//	m := systemdtest.Boot(t)          // skips unless root, systemd, cgroup2, overlayfs
//	m.WriteFile("/etc/systemd/system/x.service", unit, 0o644)
//	out, err := m.Run(ctx, "systemctl", "start", "x")
//
// Boot registers a t.Cleanup that pulls the plug: SIGKILL to the instance's
// PID 1, whereupon the kernel kills everything in the PID namespace and the
// mounts vanish with the mount namespace; then it removes the instance's
// cgroup and scratch directory. If the test failed, the journal's tail and
// the failed units are logged first. If the test process itself dies (a -timeout panic, SIGKILL), the
// parent-death signal still takes the instance down; the next Boot in any
// test process removes the empty cgroup and scratch directory left behind.
//
// # Isolation
//
// The root is an overlayfs whose lower layer is the host's "/" and whose
// upper layer is a tmpfs that only the instance's mount namespace sees:
// writes to /etc, /usr, /var stay inside and vanish at teardown. /run, /tmp
// and /dev are fresh tmpfs mounts, /proc is the instance's own with
// /proc/sys read-only, /sys is read-only, and cgroup2 is rooted at a private
// subtree of the host's cgroup2 hierarchy. The network namespace holds only
// lo: a server in the instance is reached by a client run in it (Run), and
// any port number is free there. Units the host enables (its
// /etc/systemd/system/*.wants) are not started; gettys and network set-up
// are masked. systemd and every command lose CAP_SYS_MODULE, CAP_SYS_TIME,
// CAP_SYS_RAWIO, CAP_MAC_*, CAP_WAKE_ALARM, CAP_SYSLOG and
// CAP_AUDIT_CONTROL.
//
// Hide removes host files from the instance's view before it boots (a
// whiteout in the upper layer; the host keeps them): a unit or init
// script the host installed under a name a test installs too.
//
// Host directories are visible only when bound (Bind, BindReadOnly), at the
// same path. System directories are refused: the instance's boot runs
// systemd-tmpfiles --remove, which empties /tmp through a bind of it (a
// bound host /tmp was wiped exactly this way during development of the
// shell prototype). A subdirectory such as t.TempDir() is safe: the
// instance's /tmp is its own tmpfs, the bind is a mount point on it, and
// tmpfiles does not descend into mount points (TestBindSurvivesBoot proves
// it). Copying a file in with WriteFile needs no bind at all.
//
// # Requirements
//
// Linux, root with CAP_SYS_ADMIN, a systemd binary (/usr/lib/systemd/systemd),
// a cgroup2 mount (unified or hybrid hierarchy), overlayfs, and util-linux's
// unshare, nsenter (with --wdns, 2.38+), setpriv, mount, umount and
// pivot_root. Boot skips the test, saying what is missing, when any is
// absent; with SYSTEMDTEST_REQUIRE=1 in the environment it fails instead,
// so CI cannot silently lose the real-systemd tests.
//
// Readiness is sd_notify: the instance's systemd is started with
// NOTIFY_SOCKET pointing at a socket of the harness (bound into the
// instance at /run/host/notify, as systemd-nspawn does), and it sends READY=1
// when start-up has finished. Boot returns then.
package systemdtest
