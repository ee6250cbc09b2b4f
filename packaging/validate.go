package packaging

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// ErrInvalid is wrapped by every refusal of a name, path or field that
// would not survive a control file, a unit name or a shell word intact.
var ErrInvalid = errors.New("invalid")

var (
	// Debian policy 5.6.1; rpm accepts a superset.
	pkgName = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	// systemd.unit(5) allows more (escapes with '\'); what needs no escape.
	unitName = regexp.MustCompile(`^[A-Za-z0-9_:][A-Za-z0-9_.:@-]*\.service$`)
	// update-rc.d and run-parts(8)'s LSB name space.
	initName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]*$`)
	// adduser's SYS_NAME_REGEX and useradd's portable names, intersected.
	accountName = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	// What dpkg and rpm both order the same way; '-' would split a version.
	versionPart = regexp.MustCompile(`^[0-9][0-9a-z.~+]*$`)
	// Only where a package's run-time state may live, and never the top.
	stateDir = regexp.MustCompile(`^/(run|var/log|var/lib|var/cache)/[A-Za-z0-9_][A-Za-z0-9_.+/-]*$`)
)

func invalid(what, value, why string) error {
	return fmt.Errorf("packaging: %s %q: %w: %s", what, value, ErrInvalid, why)
}

func (s Service) validate() error {
	if !pkgName.MatchString(s.Name) {
		return invalid("package name", s.Name, "want [a-z0-9][a-z0-9+.-]+ (Debian policy 5.6.1)")
	}
	if s.Unit != "" && !unitName.MatchString(s.Unit) {
		return invalid("unit name", s.Unit, "want NAME.service without escapes")
	}
	if s.InitScript != "" && !initName.MatchString(s.InitScript) {
		return invalid("init script name", s.InitScript, "want [A-Za-z0-9_][A-Za-z0-9_.+-]*")
	}
	if (s.User == "") != (s.Group == "") {
		return invalid("account", s.User+":"+s.Group, "user and group go together")
	}
	if err := validAccount(s.User, s.Group); err != nil {
		return err
	}
	if strings.ContainsAny(s.Gecos, ":\n\r\x00") || len(s.Gecos) > 64 {
		return invalid("account comment", s.Gecos, "no ':' or line breaks, at most 64 bytes")
	}
	for _, d := range s.State {
		if err := d.validate(); err != nil {
			return err
		}
	}
	return nil
}

func validAccount(user, group string) error {
	for _, n := range []string{user, group} {
		if n != "" && !accountName.MatchString(n) {
			return invalid("account name", n, "want [a-z_][a-z0-9_-]{0,31}")
		}
	}
	return nil
}

func (d StatePath) validate() error {
	// rm -rf runs on these in postrm: anything but a plain path below a
	// state directory is refused, so no value can widen what purge removes.
	if !stateDir.MatchString(d.Path) || path.Clean(d.Path) != d.Path || strings.Contains(d.Path, "/.") {
		return invalid("directory", d.Path, "want a clean path below /run, /var/log, /var/lib or /var/cache")
	}
	if d.Mode&^fs.ModePerm != 0 {
		return invalid("directory mode", d.Mode.String(), "permission bits only")
	}
	if (d.Owner == "") != (d.Group == "") {
		return invalid("directory owner", d.Owner+":"+d.Group, "owner and group go together")
	}
	return validAccount(d.Owner, d.Group)
}
