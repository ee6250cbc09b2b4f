package install

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/svcdev/svc/systemd"
)

// BaseAddressFamilies are the socket families a hardened service may
// always use: IPv4 and IPv6 to serve, AF_UNIX for sd_notify and journald.
var BaseAddressFamilies = []string{"AF_INET", "AF_INET6", "AF_UNIX"}

// logRoot is where LogsDirectory= directories live.
const logRoot = "/var/log/"

// homeDirs are what ProtectHome= hides.
var homeDirs = []string{"/home", "/root", "/run/user"}

// checkHardening refuses an unknown level, an opt-out with hardening off
// or in a user scope that cannot carry it, and opt-out values that are not
// a path, a capability or an address family name.
func (s Spec) checkHardening() error {
	switch s.Harden {
	case "", HardenDefault, HardenStrict, HardenOff:
	default:
		return invalid("hardening %q: want strict, default or off", s.Harden)
	}
	if s.harden() == HardenOff && len(s.Writable)+len(s.Capabilities)+len(s.AddressFamilies) > 0 {
		return invalid("writable paths, capabilities and address families loosen hardening, which is off")
	}
	if s.Scope == User && len(s.Writable)+len(s.Capabilities) > 0 {
		return invalid("writable paths and capabilities: a user-scope service has no read-only file system to open nor capabilities to keep")
	}
	for _, w := range s.Writable {
		if err := checkAbs("writable path", w); err != nil {
			return err
		}
	}
	for _, c := range s.Capabilities {
		if !upperName(c, "CAP_") {
			return invalid("capability %q: want a name like CAP_NET_BIND_SERVICE", c)
		}
	}
	for _, f := range s.AddressFamilies {
		if !upperName(f, "AF_") {
			return invalid("address family %q: want a name like AF_NETLINK", f)
		}
	}
	return nil
}

func upperName(w, prefix string) bool {
	rest, ok := strings.CutPrefix(w, prefix)
	return ok && rest != "" && len(w) <= 64 && strings.Trim(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == ""
}

// logsDirectory is the LogsDirectory= that holds s.LogFile: its directory
// relative to /var/log, or "" when the file is not below a subdirectory
// of /var/log.
func (s Spec) logsDirectory() string {
	rel, ok := strings.CutPrefix(path.Dir(s.LogFile), logRoot)
	if !ok || rel == "" {
		return ""
	}
	return rel
}

func underHome(p string) bool {
	for _, h := range homeDirs {
		if p == h || strings.HasPrefix(p, h+"/") {
			return true
		}
	}
	return false
}

// systemdSandbox is the confinement of s's unit. Every system unit gets
// its State/Runtime directories (and LogsDirectory= for a log file below
// /var/log/DIR), hardened or not: that is where a service with a dynamic
// or unprivileged user can write, and what creates the log directory.
func systemdSandbox(s Spec) (systemd.Sandbox, error) {
	level := s.harden()
	if s.Scope == User {
		if level == HardenOff {
			return systemd.Sandbox{}, nil
		}
		return userSandbox(s), nil
	}
	sb := systemd.Sandbox{
		StateDirectory:   []string{s.Name},
		RuntimeDirectory: []string{s.Name},
	}
	logDir := s.logsDirectory()
	if s.Wrapped() {
		logDir = "" // the manager writes a wrapped program's log (systemdExec)
	}
	if logDir != "" {
		sb.LogsDirectory = []string{logDir}
	}
	if level == HardenOff {
		return sb, nil
	}
	sb.DynamicUser = s.User == "" && s.Group == ""
	if s.LogFile != "" && logDir == "" && !s.Wrapped() {
		if sb.DynamicUser {
			return sb, fmt.Errorf("install: %s: systemd: %w: log file %q: the service runs as a dynamic user (no run-as user), which can write only below %sDIR (LogsDirectory=): log to %s%s/%s.log, give a run-as user, or turn hardening off",
				s.Name, ErrInvalid, s.LogFile, logRoot, logRoot, s.Name, s.Name)
		}
		// A static user may own a file elsewhere: its directory stays
		// writable, and the file permissions decide.
		sb.ReadWritePaths = append(sb.ReadWritePaths, path.Dir(s.LogFile))
	}
	for _, w := range s.Writable {
		if !slices.Contains(sb.ReadWritePaths, w) {
			sb.ReadWritePaths = append(sb.ReadWritePaths, w)
		}
	}
	sb.NoNewPrivileges = true
	sb.RestrictCapabilities = true
	sb.Capabilities = s.Capabilities
	sb.ProtectSystem = "strict"
	sb.ProtectHome = "yes"
	if slices.ContainsFunc(append([]string{s.Binary, s.Exec, s.workingDir()}, sb.ReadWritePaths...), underHome) {
		sb.ProtectHome = "read-only" // ReadWritePaths= opens a path in it again
	}
	sb.ProtectProc = "invisible"
	sb.PrivateTmp, sb.PrivateDevices, sb.PrivateMounts, sb.PrivateIPC = true, true, true, true
	// A capability held in a private user namespace grants nothing over
	// the host's network or files.
	sb.PrivateUsers = len(s.Capabilities) == 0
	sb.ProtectHostname, sb.ProtectClock, sb.ProtectControlGroups = true, true, true
	sb.ProtectKernelTunables, sb.ProtectKernelModules, sb.ProtectKernelLogs = true, true, true
	sb.RemoveIPC, sb.KeyringMode, sb.DevicePolicy = true, "private", "closed"
	confineCalls(&sb, s)
	if level == HardenStrict {
		sb.ProcSubset = "pid"
		sb.IPAddressAllow = []string{"localhost"}
		sb.IPAddressDeny = []string{"any"}
	}
	return sb, nil
}

// confineCalls sets what rests on seccomp and prctl, which works for a
// user's manager too: no new privileges, the service's address families,
// @system-service calls (a denied call fails with EPERM, not SIGSYS), no
// writable and executable memory (Go never needs it), no personality or
// namespace changes, no real-time scheduling, no set-user-ID files.
func confineCalls(sb *systemd.Sandbox, s Spec) {
	sb.NoNewPrivileges = true
	sb.RestrictAddressFamilies = slices.Clone(BaseAddressFamilies)
	for _, f := range s.AddressFamilies {
		if !slices.Contains(sb.RestrictAddressFamilies, f) {
			sb.RestrictAddressFamilies = append(sb.RestrictAddressFamilies, f)
		}
	}
	sb.SystemCallArchitectures = "native"
	sb.SystemCallFilter = []string{"@system-service"}
	sb.SystemCallDeny = []string{"@privileged", "@resources"}
	sb.SystemCallErrorNumber = "EPERM"
	sb.MemoryDenyWriteExecute, sb.LockPersonality = true, true
	sb.RestrictNamespaces, sb.RestrictRealtime, sb.RestrictSUIDSGID = true, true, true
}

// userSandbox is what a user's manager can apply without privileges: the
// seccomp and prctl part. Mount namespaces (ProtectSystem= and kin) would
// need unprivileged user namespaces, which many hosts turn off.
func userSandbox(s Spec) systemd.Sandbox {
	var sb systemd.Sandbox
	confineCalls(&sb, s)
	return sb
}

// HardenedUmask is the umask of a hardened service under SysV and
// OpenRC (systemd's is UMask=0077): its state and logs are its own.
const HardenedUmask = "077"

// ownDirs are the directories a SysV or OpenRC script creates before the
// service starts, owned by its user, as systemd's RuntimeDirectory= and
// LogsDirectory= do: /run/NAME (a tmpfs, so at every start) and the log
// file's directory when it is a subdirectory of /var/log (never /var/log
// itself).
func (s Spec) ownDirs() []string {
	dirs := []string{"/run/" + s.Name}
	if s.logsDirectory() != "" {
		dirs = append(dirs, path.Dir(s.LogFile))
	}
	return dirs
}

// ownerArgs are the owner and group options of install(1) or checkpath(8)
// for the service's user and group; none for root.
func (s Spec) ownerArgs(userOpt, groupOpt string) []string {
	var a []string
	if s.User != "" {
		a = append(a, userOpt, s.User)
	}
	if s.Group != "" {
		a = append(a, groupOpt, s.Group)
	}
	return a
}
