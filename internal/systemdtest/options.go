package systemdtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Option configures Boot.
type Option func(*config)

type config struct {
	binds       []bind
	hidden      []string
	bootTimeout time.Duration
}

type bind struct {
	dir      string // absolute, symlinks resolved
	readOnly bool
}

// Bind makes host directory dir visible read-write inside the instance at
// the same path. System directories and "/" are refused (see the package
// doc); a directory from t.TempDir() is fine.
func Bind(dir string) Option {
	return func(c *config) { c.binds = append(c.binds, bind{dir: dir}) }
}

// BindReadOnly is Bind, read-only inside the instance.
func BindReadOnly(dir string) Option {
	return func(c *config) { c.binds = append(c.binds, bind{dir: dir, readOnly: true}) }
}

// Hide removes paths from the instance's view of the host's root before
// it boots (a whiteout in the overlay's upper layer; the host's files are
// untouched): a unit, init script or link the host installed that shares
// a name with what a test installs. Each must be a clean absolute path
// in the overlay, below /etc, /usr, /var, /opt or /srv (or through the
// /lib, /bin, /sbin links), and not below /var/tmp or /var/run.
func Hide(paths ...string) Option {
	return func(c *config) { c.hidden = append(c.hidden, paths...) }
}

// checkHide refuses a path Hide cannot take: only the overlay is safe to
// remove from (the instance's /run, /tmp, /dev and binds are other
// filesystems, and a bind is the host's own directory).
func checkHide(p string) error {
	if !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.ContainsAny(p, "\x00\n") {
		return fmt.Errorf("systemdtest: hide %q: want a clean absolute path", p)
	}
	below := false
	for _, t := range []string{"/etc/", "/usr/", "/var/", "/opt/", "/srv/", "/lib/", "/bin/", "/sbin/"} {
		below = below || strings.HasPrefix(p, t) && !strings.HasPrefix(p, "/var/tmp/") && !strings.HasPrefix(p, "/var/run/")
	}
	if !below {
		return fmt.Errorf("systemdtest: hide %s: not below /etc, /usr, /var, /opt or /srv", p)
	}
	// The set-up script removes it before pivot_root: an absolute link on
	// the way would lead out of the overlay, into the host's root.
	for d := filepath.Dir(p); d != "/"; d = filepath.Dir(d) {
		if target, err := os.Readlink(d); err == nil && filepath.IsAbs(target) {
			return fmt.Errorf("systemdtest: hide %s: %s is a link to the absolute %s", p, d, target)
		}
	}
	return nil
}

// BootTimeout bounds how long Boot waits for systemd to finish starting up.
// The default is 60 s.
func BootTimeout(d time.Duration) Option {
	return func(c *config) { c.bootTimeout = d }
}

func newConfig(opts []Option) config {
	c := config{bootTimeout: 60 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// resolveBind returns dir as an absolute path with symlinks resolved, or an
// error if it is not a directory or is a system directory.
func resolveBind(dir string) (string, error) {
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("systemdtest: bind %q: not an absolute path", dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("systemdtest: bind: %w", err)
	}
	if isSystemDir(real) {
		return "", fmt.Errorf("systemdtest: bind %s: refusing a system directory (the instance's tmpfiles and journald would act on the host's files through it)", real)
	}
	return real, nil
}

// systemTrees are the directories whose whole subtree must not be bound:
// the instance's own services manage them.
var systemTrees = []string{
	"/etc", "/usr", "/var", "/run", "/proc", "/sys", "/dev", "/boot",
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
}

// isSystemDir reports whether the cleaned absolute path p may not be bound:
// "/", any top-level directory (/tmp, /home, /root...), anything under a
// system tree, except below /var/tmp (a subdirectory there is as safe as one
// below /tmp).
func isSystemDir(p string) bool {
	p = filepath.Clean(p)
	if strings.Count(p, "/") < 2 { // "/" or "/top"
		return true
	}
	if strings.HasPrefix(p, "/var/tmp/") {
		return false
	}
	for _, t := range systemTrees {
		if p == t || strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}
