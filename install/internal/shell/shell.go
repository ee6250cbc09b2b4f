// Package shell quotes words for the POSIX shell (XCU 2.2 "Quoting"). It is
// the one place the installer makes shell text: the SysV and OpenRC
// scripts it writes and the command lines --dry-run prints.
package shell

import "strings"

// Quote returns s as one shell word that the shell reads back byte for
// byte: as is when it holds only characters no shell treats specially,
// otherwise inside single quotes, where nothing is special but the quote
// itself, written '\” (close, escaped quote, reopen). Every byte but NUL
// survives, invalid UTF-8 included; a NUL cannot be in a shell word at all,
// so callers refuse it first.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each word and joins them with spaces.
func Join(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}

// unsafe reports a character that is not plainly literal in every
// position of a word (e.g. '=' in the first word is an assignment, '~' at
// the start expands, '%' is plain).
func unsafe(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("_-./,:%+@", r)
}
