package systemd

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// Unit-file values pass through up to three decoders in systemd, in this
// order: the line reader (a line ends at \n, \r or NUL; an odd run of
// backslashes at the end joins the next line; ends are trimmed), word
// splitting with C unescaping (Exec lines, Environment=), specifier
// expansion (%x, on nearly every string), and for Exec lines environment
// expansion at start time ($VAR, ${VAR}). The encoders here undo each in
// reverse, and refuse what no encoding can carry.

// EscapeSpecifiers doubles every '%' so systemd's specifier expansion
// (systemd.unit(5) "Specifiers") gives s back.
func EscapeSpecifiers(s string) string {
	return strings.ReplaceAll(s, "%", "%%")
}

// unescapeSpecifiers is EscapeSpecifiers' inverse. A lone '%' is a specifier
// whose value depends on the host, so it is an error, not a guess.
func unescapeSpecifiers(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		return "", fmt.Errorf("specifier %q cannot be resolved here", s[i:min(i+2, len(s))])
	}
	return b.String(), nil
}

// QuoteExec renders argv as a command line for ExecStart= and its kin
// (systemd.service(5) "Command lines"): each argument comes back to the
// process byte for byte. Arguments with anything but plain characters are
// double-quoted with C escapes; '%' becomes "%%" and '$' becomes "$$" so
// neither specifiers nor environment variables are expanded. Arguments may
// hold any valid UTF-8 but NUL, control characters included.
//
// argv[0] must be an absolute, normalized path free of quotes, backslashes,
// '$' and control characters: systemd executes that path as written but
// expands variables in the copy it passes as argv[0], so no encoding keeps
// both equal.
func QuoteExec(argv []string) (string, error) {
	line, err := quoteExec(argv)
	if err != nil {
		return "", fmt.Errorf("systemd: command line: %w", err)
	}
	return line, nil
}

func quoteExec(argv []string) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("empty argv")
	}
	if err := checkExecPath(argv[0]); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(quoteWord(argv[0]))
	for i, a := range argv[1:] {
		if err := checkExecArg(a); err != nil {
			return "", fmt.Errorf("argument %d: %w", i+1, err)
		}
		b.WriteByte(' ')
		b.WriteString(quoteWord(strings.ReplaceAll(a, "$", "$$")))
	}
	return b.String(), nil
}

// checkExecArg refuses what no encoding carries: NUL (the kernel's argv
// terminator; systemd rejects \x00) and bytes that are not UTF-8. systemd
// 252 would pass those to the process intact, but then every D-Bus property
// read of the unit fails ("systemctl status" and "show" say "Invalid
// argument"), so the service could no longer be inspected.
func checkExecArg(a string) error {
	if strings.IndexByte(a, 0) >= 0 {
		return errors.New("contains a NUL byte")
	}
	if !utf8.ValidString(a) {
		return fmt.Errorf("%q is not valid UTF-8", a)
	}
	return nil
}

// checkExecPath applies systemd's rules for the executable of a command
// line (string_is_safe, path_is_valid, no trailing slash) plus ours:
// absolute, normalized (systemd simplifies the path it runs but not the
// argv[0] it passes), valid UTF-8, no '$'.
func checkExecPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty executable path")
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("executable %q: not an absolute path", p)
	case !utf8.ValidString(p):
		return fmt.Errorf("executable %q: not valid UTF-8", p)
	case strings.ContainsAny(p, "\"'\\$"):
		return fmt.Errorf("executable %q: contains a quote, backslash or '$'", p)
	case hasControl(p):
		return fmt.Errorf("executable %q: contains a control character", p)
	}
	return checkPathShape(p)
}

// checkPathShape accepts an absolute path as path.Clean leaves it, within
// PATH_MAX and NAME_MAX.
func checkPathShape(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path %q: not absolute", p)
	}
	if path.Clean(p) != p {
		return fmt.Errorf("path %q: not normalized (want %q)", p, path.Clean(p))
	}
	if len(p) >= 4096 {
		return fmt.Errorf("path %.40q...: longer than PATH_MAX", p)
	}
	for _, c := range strings.Split(p, "/") {
		if len(c) > 255 {
			return fmt.Errorf("path %.40q...: a component is longer than NAME_MAX", p)
		}
	}
	return nil
}

// plainExecChars may appear in an unquoted word.
func plainExecChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_./:,+=@%$^~", c) >= 0
}

// quoteWord encodes one word for extract_first_word(EXTRACT_UNQUOTE|
// EXTRACT_CUNESCAPE) followed by specifier expansion. The caller has
// already doubled '$' where environment expansion applies.
func quoteWord(w string) string {
	plain := w != ""
	for i := 0; i < len(w); i++ {
		if !plainExecChar(w[i]) {
			plain = false
			break
		}
	}
	if plain {
		return EscapeSpecifiers(w)
	}
	return `"` + cEscape(EscapeSpecifiers(w)) + `"`
}

// cEscape escapes s for the inside of a double-quoted word: quotes,
// backslashes, control characters and bytes that are not UTF-8 (as \xNN,
// which systemd decodes to the raw byte). Valid UTF-8 passes unchanged.
func cEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				b.WriteString(s[i : i+n])
			}
		}
		i += n
	}
	return b.String()
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// UnquoteExec parses a command line as systemd does for ExecStart= and
// gives back the argv the process receives. It is QuoteExec's inverse and
// refuses what it cannot resolve without a running manager: a lone '%'
// specifier, a $VARIABLE reference, an Exec prefix (-, @, :, +, !), several
// commands separated by ';'.
func UnquoteExec(s string) ([]string, error) {
	words, err := splitExecWords(s)
	if err != nil {
		return nil, fmt.Errorf("systemd: command line: %w", err)
	}
	if len(words) == 0 {
		return nil, errors.New("systemd: command line: empty")
	}
	argv := make([]string, len(words))
	for i, w := range words {
		if argv[i], err = unescapeSpecifiers(w); err != nil {
			return nil, fmt.Errorf("systemd: command line: argument %d: %w", i, err)
		}
		if i == 0 {
			continue
		}
		if argv[i], err = unescapeDollars(argv[i]); err != nil {
			return nil, fmt.Errorf("systemd: command line: argument %d: %w", i, err)
		}
	}
	if w := words[0]; w != "" && strings.IndexByte("-@:+!", w[0]) >= 0 {
		return nil, fmt.Errorf("systemd: command line: prefix %q on the executable is not supported", w[:1])
	}
	if err := checkExecPath(argv[0]); err != nil {
		return nil, fmt.Errorf("systemd: command line: %w", err)
	}
	return argv, nil
}

// unescapeDollars undoes the "$$" of QuoteExec; any other '$' would be an
// environment reference (or a literal systemd happens to keep), which
// QuoteExec never writes.
func unescapeDollars(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		return "", fmt.Errorf("environment reference %q cannot be resolved here", s[i:min(i+2, len(s))])
	}
	return b.String(), nil
}

const execSpace = " \t\n\r"

// splitExecWords splits a command line into words as config_parse_exec
// does: a lone ';' separates commands (refused here), "\;" is a literal ';',
// anything else goes through extract_first_word with unquoting and C
// unescaping.
func splitExecWords(s string) ([]string, error) {
	var words []string
	for {
		s = strings.TrimLeft(s, execSpace)
		if s == "" {
			return words, nil
		}
		if s[0] == ';' && (len(s) == 1 || strings.IndexByte(execSpace, s[1]) >= 0) {
			return nil, errors.New("several commands separated by ';' are not supported")
		}
		if len(words) > 0 && strings.HasPrefix(s, `\;`) && (len(s) == 2 || strings.IndexByte(execSpace, s[2]) >= 0) {
			words = append(words, ";")
			s = s[2:]
			continue
		}
		w, rest, err := extractWord(s)
		if err != nil {
			return nil, err
		}
		words = append(words, w)
		s = rest
	}
}

// extractWord reads one word from s (no leading space): quotes may open and
// close anywhere in it, backslash escapes work inside and outside quotes.
func extractWord(s string) (word, rest string, err error) {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			n, err := cUnescapeOne(&b, s[i+1:])
			if err != nil {
				return "", "", err
			}
			i += n
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case strings.IndexByte(execSpace, c) >= 0:
			return b.String(), s[i:], nil
		default:
			b.WriteByte(c)
		}
	}
	if quote != 0 {
		return "", "", errors.New("unbalanced quoting")
	}
	return b.String(), "", nil
}

var simpleEscapes = map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r',
	't': '\t', 'v': '\v', '\\': '\\', '"': '"', '\'': '\'', 's': ' '}

// cUnescapeOne decodes the escape after a backslash (cunescape_one), writes
// it to b and returns how many bytes of s it used. Unknown escapes are an
// error: systemd keeps them verbatim with a warning, QuoteExec never writes
// them.
func cUnescapeOne(b *strings.Builder, s string) (int, error) {
	if s == "" {
		return 0, errors.New("trailing backslash")
	}
	if c, ok := simpleEscapes[s[0]]; ok {
		b.WriteByte(c)
		return 1, nil
	}
	switch s[0] {
	case 'x':
		v, ok := parseDigits(s[1:], 2, 16)
		if !ok || v == 0 {
			return 0, fmt.Errorf("bad escape %q", `\`+s[:min(3, len(s))])
		}
		b.WriteByte(byte(v))
		return 3, nil
	case 'u', 'U':
		n := 4
		if s[0] == 'U' {
			n = 8
		}
		v, ok := parseDigits(s[1:], n, 16)
		if !ok || v == 0 || !utf8.ValidRune(rune(v)) {
			return 0, fmt.Errorf("bad escape %q", `\`+s[:min(n+1, len(s))])
		}
		b.WriteString(string(utf8.AppendRune(nil, rune(v))))
		return n + 1, nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, ok := parseDigits(s, 3, 8)
		if !ok || v == 0 || v > 255 {
			return 0, fmt.Errorf("bad escape %q", `\`+s[:min(3, len(s))])
		}
		b.WriteByte(byte(v))
		return 3, nil
	}
	return 0, fmt.Errorf("unknown escape %q", `\`+s[:1])
}

// parseDigits reads exactly n digits of base from s.
func parseDigits(s string, n, base int) (uint32, bool) {
	if len(s) < n {
		return 0, false
	}
	var v uint32
	for i := 0; i < n; i++ {
		d := strings.IndexByte("0123456789abcdef", lower(s[i]))
		if d < 0 || d >= base {
			return 0, false
		}
		v = v*uint32(base) + uint32(d)
	}
	return v, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
