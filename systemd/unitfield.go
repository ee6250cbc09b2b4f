package systemd

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// builder renders typed fields into a Unit, keeping the first error. Each
// method skips a zero value and validates the rest the way the directive's
// parser in systemd reads it.
type builder struct {
	u    *Unit
	what string // "service", "socket": for error messages
	err  error
}

func (b *builder) fail(field string, err error) {
	if b.err == nil {
		b.err = fmt.Errorf("systemd: %s: %s: %w", b.what, field, err)
	}
}

func (b *builder) add(section, key, value string) { b.u.Add(section, key, value) }

// raw renders a string systemd takes verbatim, after specifier expansion.
func (b *builder) raw(section, key, v string) {
	if v == "" {
		return
	}
	if err := checkLine(v); err != nil {
		b.fail(key, err)
		return
	}
	b.add(section, key, EscapeSpecifiers(v))
}

// path renders an absolute path taken verbatim (PIDFile=, WorkingDirectory=).
func (b *builder) path(section, key, p string) {
	if p == "" {
		return
	}
	if err := checkPath(p); err != nil {
		b.fail(key, err)
		return
	}
	b.add(section, key, EscapeSpecifiers(p))
}

func checkPath(p string) error {
	if err := checkLine(p); err != nil {
		return err
	}
	return checkPathShape(p)
}

func (b *builder) enum(section, key, v string, allowed []string) {
	if v == "" {
		return
	}
	if !slices.Contains(allowed, v) {
		b.fail(key, fmt.Errorf("%q: not one of %s", v, strings.Join(allowed, ", ")))
		return
	}
	b.add(section, key, v)
}

// names renders a space-separated list of unit names.
func (b *builder) names(section, key string, names []string) {
	if len(names) == 0 {
		return
	}
	for _, n := range names {
		if err := checkUnitName(n); err != nil {
			b.fail(key, err)
			return
		}
	}
	b.add(section, key, strings.Join(names, " "))
}

func (b *builder) install(wantedBy []string, user bool, system, perUser string) {
	if len(wantedBy) == 0 {
		wantedBy = []string{system}
		if user {
			wantedBy = []string{perUser}
		}
	}
	b.names("Install", "WantedBy", wantedBy)
}

// docs renders Documentation=: URIs of the schemes systemd accepts,
// printable ASCII without spaces, quotes or backslashes (the list is split
// on spaces and unquoted).
func (b *builder) docs(section string, uris []string) {
	if len(uris) == 0 {
		return
	}
	for _, u := range uris {
		if err := checkDocURI(u); err != nil {
			b.fail("Documentation", err)
			return
		}
	}
	b.add(section, "Documentation", EscapeSpecifiers(strings.Join(uris, " ")))
}

func checkDocURI(u string) error {
	rest, ok := "", false
	for _, scheme := range []string{"http://", "https://", "file:", "info:", "man:"} {
		if rest, ok = strings.CutPrefix(u, scheme); ok {
			break
		}
	}
	if !ok || rest == "" {
		return fmt.Errorf("%q: not an http(s)://, file:, info: or man: URI", u)
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] >= 0x7f || strings.IndexByte("\"'\\", u[i]) >= 0 {
			return fmt.Errorf("%q: only printable ASCII without spaces, quotes or backslashes", u)
		}
	}
	return nil
}

// duration renders a time span; Infinity only where allowInf.
func (b *builder) duration(section, key string, d time.Duration, allowInf bool) {
	if d == 0 {
		return
	}
	s, err := formatSpan(d, allowInf)
	if err != nil {
		b.fail(key, err)
		return
	}
	b.add(section, key, s)
}

// formatSpan writes d as systemd.time(7) spans, e.g. "1min 30s 250ms".
// systemd counts microseconds: a finer d would be rounded, so it is refused.
func formatSpan(d time.Duration, allowInf bool) (string, error) {
	switch {
	case d == Infinity && allowInf:
		return "infinity", nil
	case d == Infinity:
		return "", errors.New("infinity is not allowed here")
	case d < 0:
		return "", fmt.Errorf("%v: negative", d)
	case d%time.Microsecond != 0:
		return "", fmt.Errorf("%v: not a whole number of microseconds", d)
	}
	units := []struct {
		name string
		d    time.Duration
	}{{"h", time.Hour}, {"min", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}, {"us", time.Microsecond}}
	var parts []string
	for _, u := range units {
		if n := d / u.d; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+u.name)
			d -= n * u.d
		}
	}
	return strings.Join(parts, " "), nil
}

func (b *builder) count(section, key string, n int) {
	switch {
	case n < 0:
		b.fail(key, fmt.Errorf("%d: negative", n))
	case n > 0:
		b.add(section, key, strconv.Itoa(n))
	}
}

// octal renders a file mode or umask: three or four octal digits, at most
// 0777.
func (b *builder) octal(section, key, v string) {
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 8, 32)
	if err != nil || len(v) < 3 || len(v) > 4 || n > 0o777 {
		b.fail(key, fmt.Errorf("%q: not an octal mode like 0022", v))
		return
	}
	b.add(section, key, v)
}

// account renders User=, Group= and the like: a name by systemd's strict
// rule (letters, digits, '_' and '-', not starting with a digit or '-', at
// most 31 bytes) or a numeric id.
func (b *builder) account(section, key, v string) {
	if v == "" {
		return
	}
	if err := checkAccount(v); err != nil {
		b.fail(key, err)
		return
	}
	b.add(section, key, v)
}

func checkAccount(v string) error {
	if id, err := strconv.ParseUint(v, 10, 32); err == nil {
		if id == 65535 || id == 1<<32-1 {
			return fmt.Errorf("%q: reserved id", v)
		}
		return nil
	}
	ok := len(v) <= 31 && v[0] != '-' && !('0' <= v[0] && v[0] <= '9')
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		return fmt.Errorf("%q: not a user or group name (letters, digits, '_', '-', at most 31) nor a numeric id", v)
	}
	return nil
}

// env renders one Environment= line per variable, quoted as a whole and
// C-escaped, so spaces, quotes, backslashes and newlines survive.
func (b *builder) env(vars []EnvVar) {
	seen := map[string]bool{}
	for _, v := range vars {
		if err := checkEnvVar(v); err != nil {
			b.fail("Environment", err)
			return
		}
		if seen[v.Name] {
			b.fail("Environment", fmt.Errorf("%s: set twice", v.Name))
			return
		}
		seen[v.Name] = true
		b.add("Service", "Environment", `"`+cEscape(EscapeSpecifiers(v.Name+"="+v.Value))+`"`)
	}
}

func checkEnvVar(v EnvVar) error {
	ok := v.Name != "" && !('0' <= v.Name[0] && v.Name[0] <= '9')
	for i := 0; ok && i < len(v.Name); i++ {
		c := v.Name[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
	}
	switch {
	case !ok:
		return fmt.Errorf("%q: not a variable name ([A-Za-z_][A-Za-z0-9_]*)", v.Name)
	case !utf8.ValidString(v.Value):
		return fmt.Errorf("%s: value is not valid UTF-8", v.Name)
	case strings.IndexByte(v.Value, 0) >= 0:
		return fmt.Errorf("%s: value contains a NUL byte", v.Name)
	}
	return nil
}

func (b *builder) exec(key string, argv []string) {
	if len(argv) == 0 {
		return
	}
	line, err := quoteExec(argv)
	if err != nil {
		b.fail(key, err)
		return
	}
	b.add("Service", key, line)
}

// output renders StandardOutput= or StandardError=.
func (b *builder) output(key, v string) {
	if v == "" || slices.Contains(outputTargets, v) {
		b.enum("Service", key, v, outputTargets)
		return
	}
	if name, ok := strings.CutPrefix(v, "fd:"); ok {
		if err := checkFDName(name); err != nil {
			b.fail(key, err)
			return
		}
		b.add("Service", key, EscapeSpecifiers(v))
		return
	}
	for _, prefix := range []string{"file:", "append:", "truncate:"} {
		if p, ok := strings.CutPrefix(v, prefix); ok {
			if err := checkPath(p); err != nil {
				b.fail(key, err)
				return
			}
			b.add("Service", key, prefix+EscapeSpecifiers(p))
			return
		}
	}
	b.fail(key, fmt.Errorf("%q: not one of %s, fd:NAME, file:PATH, append:PATH, truncate:PATH",
		v, strings.Join(outputTargets, ", ")))
}

// checkFDName applies fdname_is_valid: 1 to 255 printable ASCII
// characters, no ':' (LISTEN_FDNAMES separates names with it).
func checkFDName(n string) error {
	if n == "" || len(n) > 255 {
		return fmt.Errorf("file descriptor name %q: want 1 to 255 characters", n)
	}
	for i := 0; i < len(n); i++ {
		if n[i] < ' ' || n[i] >= 0x7f || n[i] == ':' {
			return fmt.Errorf("file descriptor name %q: only printable ASCII without ':'", n)
		}
	}
	return checkLine(n)
}

// checkListen validates a ListenStream=/ListenDatagram= address: a socket
// path, an @abstract name, a port, or IPv4:port / [IPv6]:port.
func checkListen(a string) error {
	if err := checkLine(a); err != nil {
		return err
	}
	switch {
	case a == "":
		return errors.New("empty address")
	case a[0] == '/':
		if len(a) >= 108 {
			return fmt.Errorf("socket path %.40q...: longer than 107 bytes", a)
		}
		return checkPathShape(a)
	case a[0] == '@':
		if len(a) < 2 || len(a) >= 108 {
			return fmt.Errorf("abstract socket %q: want 1 to 106 bytes after '@'", a)
		}
		return nil
	}
	port := a
	if host, p, err := net.SplitHostPort(a); err == nil {
		if net.ParseIP(host) == nil {
			return fmt.Errorf("address %q: host must be a numeric IP address", a)
		}
		port = p
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("address %q: not a path, @abstract name, port or IP:port", a)
	}
	return nil
}
