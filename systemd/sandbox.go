package systemd

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Sandbox is the confinement of a service: the credential, file system,
// kernel, namespace and system call directives of systemd.exec(5) and the
// IP filter of systemd.resource-control(5). Zero fields are omitted
// (systemd's default: no confinement). `systemd-analyze security` scores
// what is set.
type Sandbox struct {
	// DynamicUser runs the service as a transient user allocated at start;
	// it implies ProtectSystem=strict, ProtectHome=read-only, PrivateTmp,
	// RemoveIPC, NoNewPrivileges and RestrictSUIDSGID. Not with User=.
	DynamicUser bool

	// StateDirectory, RuntimeDirectory and LogsDirectory name directories
	// below /var/lib, /run and /var/log (relative paths) that systemd
	// creates, owned by the service's user, and leaves writable under
	// ProtectSystem=strict.
	StateDirectory, RuntimeDirectory, LogsDirectory []string
	// ReadWritePaths are absolute paths left writable under ProtectSystem.
	ReadWritePaths []string

	NoNewPrivileges bool
	// RestrictCapabilities renders CapabilityBoundingSet= with exactly
	// Capabilities (none when empty), and AmbientCapabilities= with them
	// so a service that is not root holds them too.
	RestrictCapabilities bool
	Capabilities         []string // "CAP_NET_BIND_SERVICE", ...

	ProtectSystem string // yes, full or strict
	ProtectHome   string // yes, read-only or tmpfs
	ProtectProc   string // noaccess, invisible, ptraceable or default
	ProcSubset    string // all or pid

	PrivateTmp, PrivateDevices, PrivateUsers, PrivateMounts, PrivateIPC       bool
	ProtectHostname, ProtectClock, ProtectControlGroups                       bool
	ProtectKernelTunables, ProtectKernelModules, ProtectKernelLogs            bool
	RestrictNamespaces, RestrictRealtime, RestrictSUIDSGID                    bool
	RemoveIPC, LockPersonality, MemoryDenyWriteExecute                        bool
	KeyringMode, DevicePolicy, SystemCallArchitectures, SystemCallErrorNumber string

	// RestrictAddressFamilies allows socket() for these families only
	// ("AF_INET", "AF_UNIX", ...).
	RestrictAddressFamilies []string
	// SystemCallFilter allows these system calls and @groups;
	// SystemCallDeny then takes some back (rendered as a "~" line).
	SystemCallFilter, SystemCallDeny []string
	// IPAddressAllow and IPAddressDeny: "any", "localhost", "link-local",
	// "multicast", or an address with an optional /prefix.
	IPAddressAllow, IPAddressDeny []string
}

var (
	protectSystems = []string{"yes", "full", "strict"}
	protectHomes   = []string{"yes", "read-only", "tmpfs"}
	protectProcs   = []string{"noaccess", "invisible", "ptraceable", "default"}
	procSubsets    = []string{"all", "pid"}
	keyringModes   = []string{"inherit", "private", "shared"}
	devicePolicies = []string{"auto", "closed", "strict"}
	syscallArches  = []string{"native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "ppc64", "ppc64-le", "s390x", "riscv64"}
	ipKeywords     = []string{"any", "localhost", "link-local", "multicast"}
)

// render adds the sandbox's directives to the [Service] section.
func (s Sandbox) render(b *builder, user string, userUnit bool) {
	if s.DynamicUser {
		if user != "" {
			b.fail("DynamicUser", errors.New("cannot be combined with User="))
			return
		}
		if userUnit {
			b.fail("DynamicUser", errors.New("not in a user unit"))
			return
		}
		b.add("Service", "DynamicUser", "yes")
	}
	b.dirs("StateDirectory", s.StateDirectory)
	b.dirs("RuntimeDirectory", s.RuntimeDirectory)
	b.dirs("LogsDirectory", s.LogsDirectory)
	b.pathList("ReadWritePaths", s.ReadWritePaths)
	b.flag("NoNewPrivileges", s.NoNewPrivileges)
	if s.RestrictCapabilities {
		b.words("CapabilityBoundingSet", s.Capabilities, checkCapability, true)
		b.words("AmbientCapabilities", s.Capabilities, checkCapability, true)
	} else if len(s.Capabilities) > 0 {
		b.fail("Capabilities", errors.New("set without RestrictCapabilities"))
	}
	b.enum("Service", "ProtectSystem", s.ProtectSystem, protectSystems)
	b.enum("Service", "ProtectHome", s.ProtectHome, protectHomes)
	b.enum("Service", "ProtectProc", s.ProtectProc, protectProcs)
	b.enum("Service", "ProcSubset", s.ProcSubset, procSubsets)
	for _, f := range []struct {
		key string
		on  bool
	}{
		{"PrivateTmp", s.PrivateTmp}, {"PrivateDevices", s.PrivateDevices},
		{"PrivateUsers", s.PrivateUsers}, {"PrivateMounts", s.PrivateMounts},
		{"PrivateIPC", s.PrivateIPC}, {"ProtectHostname", s.ProtectHostname},
		{"ProtectClock", s.ProtectClock}, {"ProtectKernelTunables", s.ProtectKernelTunables},
		{"ProtectKernelModules", s.ProtectKernelModules}, {"ProtectKernelLogs", s.ProtectKernelLogs},
		{"ProtectControlGroups", s.ProtectControlGroups}, {"RestrictNamespaces", s.RestrictNamespaces},
		{"RestrictRealtime", s.RestrictRealtime}, {"RestrictSUIDSGID", s.RestrictSUIDSGID},
		{"RemoveIPC", s.RemoveIPC}, {"LockPersonality", s.LockPersonality},
		{"MemoryDenyWriteExecute", s.MemoryDenyWriteExecute},
	} {
		b.flag(f.key, f.on)
	}
	b.enum("Service", "KeyringMode", s.KeyringMode, keyringModes)
	b.enum("Service", "DevicePolicy", s.DevicePolicy, devicePolicies)
	b.words("RestrictAddressFamilies", s.RestrictAddressFamilies, checkAddressFamily, false)
	b.enum("Service", "SystemCallArchitectures", s.SystemCallArchitectures, syscallArches)
	b.words("SystemCallFilter", s.SystemCallFilter, checkSyscall, false)
	if len(s.SystemCallDeny) > 0 {
		if len(s.SystemCallFilter) == 0 {
			b.fail("SystemCallDeny", errors.New("needs an allow list in SystemCallFilter"))
			return
		}
		for _, c := range s.SystemCallDeny {
			if err := checkSyscall(c); err != nil {
				b.fail("SystemCallDeny", err)
				return
			}
		}
		b.add("Service", "SystemCallFilter", "~"+strings.Join(s.SystemCallDeny, " "))
	}
	if s.SystemCallErrorNumber != "" {
		if !isUpperWord(s.SystemCallErrorNumber, "E") {
			b.fail("SystemCallErrorNumber", fmt.Errorf("%q: not an errno name like EPERM", s.SystemCallErrorNumber))
			return
		}
		b.add("Service", "SystemCallErrorNumber", s.SystemCallErrorNumber)
	}
	b.words("IPAddressAllow", s.IPAddressAllow, checkIPAddress, false)
	b.words("IPAddressDeny", s.IPAddressDeny, checkIPAddress, false)
}

func (b *builder) flag(key string, on bool) {
	if on {
		b.add("Service", key, "yes")
	}
}

// words renders a space-separated list of words from a closed alphabet;
// with allowEmpty an empty list is rendered as an empty assignment.
func (b *builder) words(key string, ws []string, check func(string) error, allowEmpty bool) {
	if len(ws) == 0 {
		if allowEmpty {
			b.add("Service", key, "")
		}
		return
	}
	for _, w := range ws {
		if err := check(w); err != nil {
			b.fail(key, err)
			return
		}
	}
	b.add("Service", key, strings.Join(ws, " "))
}

func isUpperWord(w, prefix string) bool {
	rest, ok := strings.CutPrefix(w, prefix)
	if !ok || rest == "" || len(w) > 64 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func checkCapability(c string) error {
	if !isUpperWord(c, "CAP_") {
		return fmt.Errorf("%q: not a capability name like CAP_NET_BIND_SERVICE", c)
	}
	return nil
}

func checkAddressFamily(f string) error {
	if !isUpperWord(f, "AF_") {
		return fmt.Errorf("%q: not an address family like AF_INET", f)
	}
	return nil
}

// checkSyscall accepts a system call name or an @group.
func checkSyscall(s string) error {
	name := strings.TrimPrefix(s, "@")
	ok := name != "" && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' && s[0] == '@'
	}
	if !ok {
		return fmt.Errorf("%q: not a system call name or @group", s)
	}
	return nil
}

func checkIPAddress(a string) error {
	if slices.Contains(ipKeywords, a) {
		return nil
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || strings.IndexByte(".:/", c) >= 0) {
			return fmt.Errorf("%q: not any, localhost, link-local, multicast or an IP address/prefix", a)
		}
	}
	if a == "" {
		return errors.New("empty IP address")
	}
	return nil
}

// dirs renders State/Runtime/LogsDirectory=: relative, clean paths
// without ".." (systemd refuses them), without ':' (252 reads it as the
// "source:symlink" form), quotes or backslashes (kept literally by this
// directive's word splitter, so they cannot be escaped). Blanks are
// quoted, '%' doubled.
func (b *builder) dirs(key string, dirs []string) {
	var words []string
	for _, d := range dirs {
		err := checkPathWord(d)
		switch {
		case err != nil:
		case d == "" || d[0] == '/':
			err = fmt.Errorf("%q: want a relative path", d)
		case path.Clean(d) != d || d == "." || d == ".." || strings.HasPrefix(d, "../"):
			err = fmt.Errorf("%q: want a clean path inside the directory (%q)", d, path.Clean(d))
		case strings.ContainsRune(d, ':'):
			err = fmt.Errorf("%q: contains ':'", d)
		}
		if err != nil {
			b.fail(key, err)
			return
		}
		words = append(words, quotePathWord(d))
	}
	if len(words) > 0 {
		b.add("Service", key, strings.Join(words, " "))
	}
}

// pathList renders ReadWritePaths= and its kin: absolute clean paths,
// refused and quoted as dirs are.
func (b *builder) pathList(key string, paths []string) {
	var words []string
	for _, p := range paths {
		if err := checkPathWord(p); err != nil {
			b.fail(key, err)
			return
		}
		if err := checkPathShape(p); err != nil {
			b.fail(key, err)
			return
		}
		if !path.IsAbs(p) || path.Clean(p) != p {
			b.fail(key, fmt.Errorf("%q: want an absolute, clean path", p))
			return
		}
		words = append(words, quotePathWord(p))
	}
	if len(words) > 0 {
		b.add("Service", key, strings.Join(words, " "))
	}
}

// checkPathWord refuses what a path-list word cannot carry: line breaks
// and other control characters, invalid UTF-8, quotes and backslashes.
func checkPathWord(p string) error {
	if p == "" {
		return errors.New("empty path")
	}
	if err := checkLine(strings.TrimSpace(p)); err != nil || hasControl(p) {
		return fmt.Errorf("%q: contains a control character or is not UTF-8", p)
	}
	if strings.ContainsAny(p, `"'\`) {
		return fmt.Errorf("%q: contains a quote or a backslash, which this directive cannot carry", p)
	}
	return nil
}

// quotePathWord double-quotes a word with blanks and doubles '%'.
func quotePathWord(p string) string {
	p = EscapeSpecifiers(p)
	if strings.ContainsAny(p, " \t") {
		return `"` + p + `"`
	}
	return p
}
