package install

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/svcdev/svc/ready"
)

// Spec describes one service. Its zero fields are the defaults; only Name
// and Binary (or Exec) are required. Binary speaks the command contract
// (docs/contract.md; every program on package cli does): `BINARY run
// ARGS` serves in the foreground, `BINARY start|stop|status|reload
// --classic --pidfile P` daemonizes and controls it the classic way (what
// the SysV script calls).
//
// A program that knows nothing of svc is wrapped: Exec names it, Args are
// its own arguments, Ready says when it counts as started, and Binary is
// the svc binary that runs it where the init system needs one (see
// Wrapped).
type Spec struct {
	// Name names the unit, script, label and pidfile: ASCII letters,
	// digits, '_', '.' and '-', not starting with '-' or '.'.
	Name        string
	Description string // one line; "NAME service" when empty
	// Binary is an absolute path: the service's program when it speaks
	// the contract, else (with Exec) the runner, the svc binary whose
	// `run` and `start --classic` wrap Exec. A target that runs Exec
	// directly (systemd without a probe, launchd) needs no runner, so
	// with Exec it may be empty; one that does refuses the spec with
	// ErrNoRunner.
	Binary string
	Args   []string // arguments after `BINARY run`, or Exec's own; carried byte for byte

	// Exec is the wrapped program, an absolute path; empty for a program
	// that speaks the contract.
	Exec string
	// Ready is when the wrapped program is started (package ready: once
	// it runs, notify, or a probe); Exec only.
	Ready ready.Spec
	// ReloadSignal is the signal a reload sends the wrapped program, one
	// of ReloadSignals ("HUP"); Exec only. Empty, the service has no
	// reload: most programs die of a signal they do not handle, SIGHUP
	// included, so a reload is one only when the operator says which.
	ReloadSignal string

	// Documentation lists URIs of the service's documentation
	// ("man:svc(1)", "https://..."): systemd's Documentation=, which
	// `systemctl help` opens. The other init systems have no such field.
	Documentation []string

	// User and Group run the service; empty means root for a system
	// service. A user-scope service always runs as its user.
	User, Group string
	WorkingDir  string // absolute; "/" when empty
	Environment []EnvVar
	LogFile     string // absolute; passed to the binary as --log FILE

	// Dependencies: other services by name ("postgresql") or the systemd
	// targets that stand for LSB facilities (see Facilities).
	After, Wants, Requires []string

	Restart    RestartPolicy
	RestartSec time.Duration // 1s when zero
	Scope      Scope

	// Harden is how tightly the service is confined; the zero value is
	// HardenDefault. The opt-outs below loosen it one named thing at a
	// time, and need hardening on.
	Harden Hardening
	// Writable lists absolute paths the service may write besides its
	// own state, runtime and log directories (systemd ReadWritePaths=).
	Writable []string
	// Capabilities the service keeps, e.g. CAP_NET_BIND_SERVICE to bind a
	// port below 1024 (socket activation needs none); by default it keeps
	// none.
	Capabilities []string
	// AddressFamilies the service may open sockets of besides AF_INET,
	// AF_INET6 and AF_UNIX, e.g. AF_NETLINK.
	AddressFamilies []string
}

// Hardening is a confinement level. The zero value is HardenDefault.
type Hardening string

// Hardening levels.
const (
	// HardenDefault confines the service as tightly as a network service
	// that keeps its files in its own directories allows: under systemd
	// an exposure of about 1 ("OK") in systemd-analyze security.
	HardenDefault Hardening = "default"
	// HardenStrict adds what some programs do not survive: /proc shows
	// only processes, and IP traffic is limited to the loopback addresses
	// (a service behind a local proxy).
	HardenStrict Hardening = "strict"
	// HardenOff writes no confinement at all (the service still gets its
	// own directories).
	HardenOff Hardening = "off"
)

// ParseHardening accepts the level names above; "" is HardenDefault.
func ParseHardening(s string) (Hardening, error) {
	switch h := Hardening(s); h {
	case "", HardenDefault:
		return HardenDefault, nil
	case HardenStrict, HardenOff:
		return h, nil
	}
	return "", fmt.Errorf("install: %w: hardening %q: want strict, default or off", ErrInvalid, s)
}

func (s Spec) harden() Hardening {
	if s.Harden == "" {
		return HardenDefault
	}
	return s.Harden
}

// EnvVar is one environment variable for the service.
type EnvVar struct{ Name, Value string }

// Scope is which manager runs the service. The zero Scope is System.
type Scope int

// Scopes.
const (
	System Scope = iota // the machine's init: /etc/systemd/system, /etc/init.d, /Library/LaunchDaemons
	User                // the user's manager: systemd --user, ~/Library/LaunchAgents
)

func (s Scope) String() string {
	if s == User {
		return "user"
	}
	return "system"
}

// RestartPolicy says when the init system restarts the service. The zero value is RestartOnFailure.
type RestartPolicy string

// Restart policies.
const (
	RestartOnFailure RestartPolicy = "on-failure"
	RestartAlways    RestartPolicy = "always"
	RestartNever     RestartPolicy = "no"
)

// ErrInvalid is wrapped by every error about a Spec that no target can
// carry; the message names the field and the value.
var ErrInvalid = errors.New("invalid service spec")

// Defaults.
const (
	DefaultRestartSec = time.Second
	DefaultWorkingDir = "/"
)

// restart returns the policy with the default applied.
func (s Spec) restart() RestartPolicy {
	if s.Restart == "" {
		return RestartOnFailure
	}
	return s.Restart
}

func (s Spec) restartSec() time.Duration {
	if s.RestartSec == 0 {
		return DefaultRestartSec
	}
	return s.RestartSec
}

func (s Spec) workingDir() string {
	if s.WorkingDir == "" {
		return DefaultWorkingDir
	}
	return s.WorkingDir
}

func (s Spec) description() string {
	if s.Description == "" {
		return s.Name + " service"
	}
	return s.Description
}

// owner is the service's user and group as chown(1) takes them: root
// unless a user is named.
func (s Spec) owner() string {
	u := s.User
	if u == "" {
		u = "root"
	}
	if s.Group != "" {
		u += ":" + s.Group
	}
	return u
}

// Wrapped reports whether s wraps a program that knows nothing of svc.
func (s Spec) Wrapped() bool { return s.Exec != "" }

// ErrNoRunner is wrapped by the error of a target that runs a wrapped
// program through svc (the SysV and OpenRC scripts, a systemd probe) when
// the spec names no runner (Binary).
var ErrNoRunner = errors.New("no svc binary to run the wrapped program")

// needRunner refuses a wrapped spec without a runner where the target
// runs Exec through it, saying how.
func (s Spec) needRunner(target, how string) error {
	if s.Binary != "" {
		return nil
	}
	return fmt.Errorf("install: %s: %s: %w: %w: %s runs %s through `svc %s`", s.Name, target, ErrInvalid, ErrNoRunner, target, s.Exec, how)
}

// runArgv is the foreground command line: BINARY run [--log FILE] ARGS.
func (s Spec) runArgv() []string {
	argv := []string{s.Binary, "run"}
	if s.LogFile != "" {
		argv = append(argv, "--log", s.LogFile)
	}
	return append(argv, s.Args...)
}

// runArgs is runArgv without the binary.
func (s Spec) runArgs() []string { return s.runArgv()[1:] }

// Validate reports the first field no target can carry. Targets refuse
// more (a user scope on SysV, a control character in a plist); what they
// accept they carry byte for byte.
func (s Spec) Validate() error {
	if err := CheckName(s.Name); err != nil {
		return err
	}
	checks := []func() error{
		s.checkBinary, s.checkArgs, s.checkRunAs, s.checkPaths,
		s.checkEnv, s.checkDeps, s.checkPolicy, s.checkDocs, s.checkHardening,
	}
	for _, c := range checks {
		if err := c(); err != nil {
			return fmt.Errorf("install: %s: %w", s.Name, err)
		}
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// CheckName refuses a name that cannot be a unit, script, label and
// pidfile name all at once, saying why.
func CheckName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("install: name %q: %w: %s", name, ErrInvalid, why)
	}
	switch {
	case name == "":
		return fmt.Errorf("install: %w: the service name is empty", ErrInvalid)
	case len(name) > 64:
		return bad("longer than 64 bytes")
	case name[0] == '-':
		return bad("starts with '-'")
	case name[0] == '.':
		return bad("starts with '.'")
	}
	for _, r := range name {
		switch {
		case r == utf8.RuneError:
			return bad("not valid UTF-8")
		case unicode.IsSpace(r):
			return bad("contains whitespace")
		case unicode.IsControl(r):
			return bad("contains a control character")
		case r == '/':
			return bad("contains '/'")
		case !nameChar(r):
			return bad(fmt.Sprintf("contains %q: only ASCII letters, digits, '_', '.' and '-' are allowed", r))
		}
	}
	return nil
}

func nameChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '.' || r == '-'
}

func (s Spec) checkBinary() error {
	if !s.Wrapped() {
		if s.Ready.Kind != ready.None {
			return invalid("readiness %q: only a wrapped program (Exec) takes one; a binary on svc says READY=1 itself", s.Ready)
		}
		if s.ReloadSignal != "" {
			return invalid("reload signal %q: only a wrapped program (Exec) takes one; a binary on svc reloads on SIGHUP", s.ReloadSignal)
		}
		if s.Binary == "" {
			return invalid("binary: empty")
		}
		return checkAbs("binary", s.Binary)
	}
	if err := checkAbs("program", s.Exec); err != nil {
		return err
	}
	if err := checkReady(s.Ready); err != nil {
		return err
	}
	if s.ReloadSignal != "" && !slices.Contains(ReloadSignals, s.ReloadSignal) {
		return invalid("reload signal %q: not one of %s", s.ReloadSignal, strings.Join(ReloadSignals, ", "))
	}
	if s.Binary == "" {
		return nil
	}
	return checkAbs("runner", s.Binary)
}

// checkAbs refuses a path that is not absolute and clean, or that holds a
// NUL byte or a newline (no init format carries one in a path).
func checkAbs(field, p string) error {
	switch {
	case strings.ContainsAny(p, "\x00\n\r"):
		return invalid("%s %q: contains a NUL byte or a line break", field, p)
	case !path.IsAbs(p):
		return invalid("%s %q: not an absolute path", field, p)
	case path.Clean(p) != p:
		return invalid("%s %q: not a clean path (want %q)", field, p, path.Clean(p))
	}
	return nil
}

func (s Spec) checkArgs() error {
	for i, a := range s.Args {
		if strings.IndexByte(a, 0) >= 0 {
			return invalid("argument %d %q: contains a NUL byte", i+1, a)
		}
	}
	return nil
}

func (s Spec) checkRunAs() error {
	if s.Scope == User && (s.User != "" || s.Group != "") {
		return invalid("user %q, group %q: a user-scope service runs as its user", s.User, s.Group)
	}
	for _, f := range []struct{ name, v string }{{"user", s.User}, {"group", s.Group}} {
		if f.v == "" {
			continue
		}
		if f.v[0] == '-' || strings.IndexFunc(f.v, notAccountChar) >= 0 {
			return invalid("%s %q: want a name of ASCII letters, digits, '_', '.' and '-' (not first), or a number", f.name, f.v)
		}
	}
	return nil
}

func notAccountChar(r rune) bool { return !nameChar(r) }

func (s Spec) checkPaths() error {
	if s.WorkingDir != "" {
		if err := checkAbs("working directory", s.WorkingDir); err != nil {
			return err
		}
	}
	if s.LogFile != "" {
		return checkAbs("log file", s.LogFile)
	}
	return nil
}

func (s Spec) checkEnv() error {
	seen := map[string]bool{}
	for _, e := range s.Environment {
		if !isIdent(e.Name) {
			return invalid("environment variable %q: not a shell variable name", e.Name)
		}
		if seen[e.Name] {
			return invalid("environment variable %q: set twice", e.Name)
		}
		seen[e.Name] = true
		if strings.IndexByte(e.Value, 0) >= 0 {
			return invalid("environment variable %s: value contains a NUL byte", e.Name)
		}
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (s Spec) checkDeps() error {
	if strings.ContainsFunc(s.Description, unicode.IsControl) || !utf8.ValidString(s.Description) {
		return invalid("description %q: want one line of UTF-8 text", s.Description)
	}
	for _, list := range [][]string{s.After, s.Wants, s.Requires} {
		for _, d := range list {
			if err := CheckName(d); err != nil {
				return fmt.Errorf("dependency: %w", err)
			}
		}
	}
	return nil
}

func (s Spec) checkPolicy() error {
	switch s.Restart {
	case "", RestartOnFailure, RestartAlways, RestartNever:
	default:
		return invalid("restart policy %q: want on-failure, always or no", s.Restart)
	}
	if s.RestartSec < 0 {
		return invalid("restart delay %v: negative", s.RestartSec)
	}
	if s.Scope != System && s.Scope != User {
		return invalid("scope %d: want System or User", s.Scope)
	}
	return nil
}

// checkDocs refuses a URI systemd.unit(5) would not take: only the
// http(s)://, file:, info: and man: schemes, in printable ASCII without
// spaces, quotes or backslashes (Documentation= is a space-separated list
// that is not unquoted). Every target checks it, so a spec is not valid
// for one init system and invalid for another.
func (s Spec) checkDocs() error {
	for _, u := range s.Documentation {
		rest, ok := "", false
		for _, scheme := range []string{"http://", "https://", "file:", "info:", "man:"} {
			if rest, ok = strings.CutPrefix(u, scheme); ok {
				break
			}
		}
		if !ok || rest == "" {
			return invalid("documentation %q: want an http(s)://, file:, info: or man: URI", u)
		}
		if strings.IndexFunc(u, notURIChar) >= 0 {
			return invalid("documentation %q: want printable ASCII without spaces, quotes or backslashes", u)
		}
	}
	return nil
}

func notURIChar(r rune) bool {
	return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"'\`, r)
}
