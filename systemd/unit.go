package systemd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Unit is a unit file (systemd.syntax(7)): ordered sections of ordered
// entries. It is the generic model the typed Service and Socket render to,
// and what ParseUnit reads back. Values are in unit syntax, already quoted
// and escaped; WriteTo refuses any that would not survive systemd's line
// reader as one whole line.
type Unit struct {
	Sections []Section
}

// Section is one [Name] block.
type Section struct {
	Name    string
	Entries []Entry
}

// Entry is one Key=Value line. Value is unit syntax: for a key that takes
// a list or a command line, the encoded list or command line.
type Entry struct {
	Key, Value string
}

// maxLine is systemd's LONG_LINE_MAX: a longer line fails the whole file.
const maxLine = 1 << 20

// Section returns the first section called name, or nil.
func (u *Unit) Section(name string) *Section {
	for i := range u.Sections {
		if u.Sections[i].Name == name {
			return &u.Sections[i]
		}
	}
	return nil
}

// Values returns the values of every key entry in every section called
// section, in file order.
func (u *Unit) Values(section, key string) []string {
	var vs []string
	for _, s := range u.Sections {
		if s.Name != section {
			continue
		}
		for _, e := range s.Entries {
			if e.Key == key {
				vs = append(vs, e.Value)
			}
		}
	}
	return vs
}

// Add appends an entry to the last section called section, creating the
// section at the end if there is none.
func (u *Unit) Add(section, key, value string) {
	for i := len(u.Sections) - 1; i >= 0; i-- {
		if u.Sections[i].Name == section {
			u.Sections[i].Entries = append(u.Sections[i].Entries, Entry{key, value})
			return
		}
	}
	u.Sections = append(u.Sections, Section{Name: section, Entries: []Entry{{key, value}}})
}

// Validate reports the first section name, key or value that unit syntax
// cannot carry as written.
func (u *Unit) Validate() error {
	for _, s := range u.Sections {
		if !isIdent(s.Name) {
			return fmt.Errorf("systemd: unit: bad section name %q", s.Name)
		}
		for _, e := range s.Entries {
			if !isIdent(e.Key) {
				return fmt.Errorf("systemd: unit: [%s]: bad key %q", s.Name, e.Key)
			}
			if err := checkLine(e.Value); err != nil {
				return fmt.Errorf("systemd: unit: [%s] %s: %w", s.Name, e.Key, err)
			}
			if len(e.Key)+1+len(e.Value) >= maxLine {
				return fmt.Errorf("systemd: unit: [%s] %s: line longer than %d bytes", s.Name, e.Key, maxLine)
			}
		}
	}
	return nil
}

// isIdent accepts section names and keys: letters, digits, '-' and '_',
// not starting with '-' or '_'. Real ones are all of that form ("X-Foo"
// included), and it keeps '=', '[', ']', '#', ';' and spaces out.
func isIdent(s string) bool {
	if s == "" || s[0] == '-' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkLine refuses a value that systemd's line reader would not give back
// whole: line ends (\n, \r, NUL) and other control characters but tab,
// invalid UTF-8 (the line is dropped), space or tab at either end
// (trimmed), and an odd run of trailing backslashes (it joins the next
// line).
func checkLine(v string) error {
	switch {
	case !utf8.ValidString(v):
		return errors.New("not valid UTF-8")
	case hasControl(strings.ReplaceAll(v, "\t", "")):
		return fmt.Errorf("%q contains a control character", v)
	case strings.Trim(v, lineSpace) != v:
		return fmt.Errorf("%q has leading or trailing white space", v)
	case (len(v)-len(strings.TrimRight(v, `\`)))%2 == 1:
		return fmt.Errorf("%q ends in a backslash, which continues the line", v)
	}
	return nil
}

// WriteTo writes the unit in systemd syntax, sections separated by a blank
// line. Nothing is written if the unit does not validate.
func (u *Unit) WriteTo(w io.Writer) (int64, error) {
	b, err := u.MarshalText()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// MarshalText returns the unit file's bytes.
func (u *Unit) MarshalText() ([]byte, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for i, s := range u.Sections {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[%s]\n", s.Name)
		for _, e := range s.Entries {
			fmt.Fprintf(&b, "%s=%s\n", e.Key, e.Value)
		}
	}
	return b.Bytes(), nil
}

// String returns the unit file's text, or "" if the unit does not validate
// (use WriteTo or MarshalText to learn why).
func (u *Unit) String() string {
	b, err := u.MarshalText()
	if err != nil {
		return ""
	}
	return string(b)
}

// lineSpace is what systemd trims from both ends of lines, keys and values
// (WHITESPACE without the line ends, which never reach a line).
const lineSpace = " \t"

// maxUnitFile bounds what ParseUnit reads; real units are a few KiB.
const maxUnitFile = 16 << 20

// ParseUnit reads a unit file as systemd's config_parse does: lines end at
// \n, \r, NUL or a pair of them; lines starting with '#' or ';' are
// comments; an odd run of backslashes at the end of a line joins the next
// one with a space; keys and values are trimmed. Values are returned in
// unit syntax, undecoded. Where systemd would log and skip a line (invalid
// UTF-8, a line without '=', an assignment before any section) ParseUnit
// returns an error. Repeated section headers give repeated Sections.
func ParseUnit(r io.Reader) (*Unit, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxUnitFile+1))
	if err != nil {
		return nil, fmt.Errorf("systemd: parse unit: %w", err)
	}
	if len(data) > maxUnitFile {
		return nil, fmt.Errorf("systemd: parse unit: larger than %d bytes", maxUnitFile)
	}
	p := unitParser{u: &Unit{}}
	for n, line := range splitUnitLines(data) {
		if err := p.line(line); err != nil {
			return nil, fmt.Errorf("systemd: parse unit: line %d: %w", n+1, err)
		}
	}
	if p.cont != nil {
		if err := p.logical(*p.cont); err != nil {
			return nil, fmt.Errorf("systemd: parse unit: last line: %w", err)
		}
	}
	return p.u, nil
}

// splitUnitLines splits as read_line_full does: one line end is a run of
// \n, \r and NUL in which no kind repeats and nothing follows a NUL.
func splitUnitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\n\r\x00")
		if i < 0 {
			lines = append(lines, string(data))
			break
		}
		lines = append(lines, string(data[:i]))
		var seen [3]bool // NUL, \n, \r
		for i < len(data) && !seen[0] {
			k := strings.IndexByte("\x00\n\r", data[i])
			if k < 0 || seen[k] {
				break
			}
			seen[k] = true
			i++
		}
		data = data[i:]
	}
	return lines
}

type unitParser struct {
	u       *Unit
	cont    *string // a line being continued
	bomSeen bool
	section *Section
}

// line handles one physical line: comments, the byte-order mark,
// continuation.
func (p *unitParser) line(l string) error {
	if len(l) >= maxLine {
		return errors.New("line too long")
	}
	if t := strings.TrimLeft(l, " \t"); t != "" && (t[0] == '#' || t[0] == ';') {
		return nil // a comment, even inside a continued line
	}
	if !p.bomSeen && strings.HasPrefix(l, "\uFEFF") {
		l, p.bomSeen = l[len("\uFEFF"):], true
	}
	if p.cont != nil {
		l = *p.cont + l
		if len(l) > maxLine {
			return errors.New("continuation line too long")
		}
		p.cont = nil
	}
	if (len(l)-len(strings.TrimRight(l, `\`)))%2 == 1 {
		l = l[:len(l)-1] + " "
		p.cont = &l
		return nil
	}
	return p.logical(l)
}

// logical parses one logical line (parse_line).
func (p *unitParser) logical(l string) error {
	l = strings.Trim(l, lineSpace)
	if l == "" {
		return nil
	}
	if !utf8.ValidString(l) {
		return errors.New("not valid UTF-8")
	}
	if l[0] == '[' {
		name, ok := strings.CutSuffix(l[1:], "]")
		if !ok || name == "" || hasControl(name) || strings.ContainsAny(name, "\"'\\") {
			return fmt.Errorf("bad section header %q", l)
		}
		p.u.Sections = append(p.u.Sections, Section{Name: name})
		p.section = &p.u.Sections[len(p.u.Sections)-1]
		return nil
	}
	if p.section == nil {
		return errors.New("assignment outside of a section")
	}
	k, v, ok := strings.Cut(l, "=")
	k = strings.Trim(k, lineSpace)
	if !ok || k == "" {
		return fmt.Errorf("%q is not Key=Value", l)
	}
	p.section.Entries = append(p.section.Entries, Entry{Key: k, Value: strings.Trim(v, lineSpace)})
	return nil
}

// unitTypes are the unit name suffixes systemd knows.
var unitTypes = map[string]bool{"service": true, "socket": true, "target": true, "device": true,
	"mount": true, "automount": true, "swap": true, "timer": true, "path": true, "slice": true,
	"scope": true}

// CheckUnitName reports whether name is a valid name for a concrete unit
// (unit_name_is_valid with plain and instance names, as dependencies need):
// "prefix.type" or "prefix@instance.type", at most 255 bytes of ASCII
// letters, digits and ":-_.\", a known type. Templates ("foo@.service")
// are refused: nothing can depend on one.
func CheckUnitName(name string) error {
	if err := checkUnitName(name); err != nil {
		return fmt.Errorf("systemd: %w", err)
	}
	return nil
}

func checkUnitName(name string) error {
	if len(name) > 255 {
		return fmt.Errorf("unit name %.40q...: longer than 255 bytes", name)
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 || !unitTypes[name[dot+1:]] {
		return fmt.Errorf("unit name %q: no known unit type suffix (.service, .target, ...)", name)
	}
	prefix, instance, templ := strings.Cut(name[:dot], "@")
	switch {
	case prefix == "":
		return fmt.Errorf("unit name %q: empty name", name)
	case templ && instance == "":
		return fmt.Errorf("unit name %q: a template, not a unit", name)
	case !unitNameChars(prefix) || !unitNameChars(strings.ReplaceAll(instance, "@", "")):
		return fmt.Errorf("unit name %q: only ASCII letters, digits and \":-_.\\\" are allowed", name)
	}
	return nil
}

func unitNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(":-_.\\", c) >= 0) {
			return false
		}
	}
	return true
}
