package packaging

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Help is what a command says about itself: the commands `NAME help`
// lists and the flags each prints for `NAME COMMAND -h`.
type Help struct {
	Name     string // the program, "svc"
	Commands []Command
}

// Command is one subcommand in Help.
type Command struct {
	Name    string
	Summary string
	Flags   string // the flag package's listing, verbatim; "" when none
}

// Page is the rest of a man page: what the binary cannot say itself.
type Page struct {
	Version     string
	Date        time.Time
	Synopsis    string   // the NAME line after "svc \-"
	Description []string // paragraphs
	Sections    []Section
}

// Section is an extra man page section (EXIT STATUS, FILES, SEE ALSO...).
type Section struct {
	Title      string
	Paragraphs []string
}

// ManPage renders h and p as a man(7) page for section 1. Every text line
// is escaped (roffLine), so help text can never turn into a request.
func ManPage(h Help, p Page) []byte {
	var b bytes.Buffer
	upper := strings.ToUpper(h.Name)
	fmt.Fprintf(&b, ".TH %s 1 %s %s \"User Commands\"\n", roffArg(upper),
		roffArg(p.Date.UTC().Format("2006-01-02")), roffArg(h.Name+" "+p.Version))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", roffLine(h.Name), roffLine(p.Synopsis))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n.I command\n.RI [ flags ]\n", roffArg(h.Name))
	b.WriteString(".SH DESCRIPTION\n")
	paragraphs(&b, p.Description)
	b.WriteString(".SH COMMANDS\n")
	for _, c := range h.Commands {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffArg(c.Name), roffLine(c.Summary))
		if c.Flags != "" {
			b.WriteString(".RS\n.nf\n")
			for _, l := range strings.Split(strings.TrimRight(c.Flags, "\n"), "\n") {
				b.WriteString(roffLine(expandTabs(l)) + "\n")
			}
			b.WriteString(".fi\n.RE\n")
		}
	}
	for _, s := range p.Sections {
		fmt.Fprintf(&b, ".SH %s\n", roffArg(s.Title))
		paragraphs(&b, s.Paragraphs)
	}
	return b.Bytes()
}

func paragraphs(b *bytes.Buffer, ps []string) {
	for i, p := range ps {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		for _, l := range strings.Split(p, "\n") {
			b.WriteString(roffLine(l) + "\n")
		}
	}
}

// roffLine escapes one line of text: '\' is the escape character, '-'
// would print as a hyphen (not the minus of a flag), and a leading '.'
// or an apostrophe would make the line a request. Invalid UTF-8 becomes U+FFFD.
func roffLine(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// roffArg is roffLine for a request's argument: quoted, with '"' spelled
// as groff's \(dq.
func roffArg(s string) string {
	s = strings.TrimPrefix(roffLine(s), `\&`)
	return `"` + strings.ReplaceAll(s, `"`, `\(dq`) + `"`
}

func expandTabs(s string) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}
