package packaging

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var sampleHelp = Help{Name: "svc", Commands: []Command{
	{Name: "run", Summary: "run the service in the foreground (mode detected)",
		Flags: "  -listen string\n    \tTCP address to serve on (default \"127.0.0.1:8080\")\n  -log FILE\n    \tappend logs to FILE"},
	// Help text that would be roff requests or escapes if not escaped.
	{Name: "tricky", Summary: `.TH injected \fB bold -- 'quoted'`,
		Flags: ".SH NOT A SECTION\n'also not a request\n  -x\t\\n back\\slash \xff"},
	{Name: "help", Summary: "print this help"},
}}

var samplePage = Page{
	Version: "0.1.0", Date: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
	Synopsis:    "run one service binary correctly under every Unix init",
	Description: []string{"First paragraph.", ".Second paragraph starts with a dot."},
	Sections:    []Section{{"EXIT STATUS", []string{"0 on success."}}},
}

func TestManPageGolden(t *testing.T) {
	golden(t, filepath.Join("testdata", "svc.1.golden"), string(ManPage(sampleHelp, samplePage)))
}

// TestManPageRenders formats the page with the real man(1) and groff, as
// lintian does, and reads the text back: every line of help text appears
// literally, nothing became a request, and groff says nothing.
func TestManPageRenders(t *testing.T) {
	man, err := exec.LookPath("man")
	if err != nil {
		t.Skip("man not installed")
	}
	f := filepath.Join(t.TempDir(), "svc.1")
	if err := os.WriteFile(f, ManPage(sampleHelp, samplePage), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(man, "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-P", "cat", f)
	cmd.Env = append(os.Environ(), "MANWIDTH=80", "LC_ALL=C.UTF-8")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("man: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("man --warnings:\n%s", stderr.String())
	}
	text := stripOverstrike(stdout.String())
	for _, want := range []string{
		".TH injected \\fB bold -- 'quoted'", ".SH NOT A SECTION", "'also not a request",
		"-listen string", `\n back\slash`, "TCP address to serve on", ".Second paragraph starts with a dot.",
		"EXIT STATUS", "svc - run one service binary",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered page lacks %q:\n%s", want, text)
		}
	}
}

// stripOverstrike removes grotty's bold and underline (c\bc, _\bc).
func stripOverstrike(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		if i+1 < len(r) && r[i+1] == '\b' {
			i++
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String()
}

func ExampleManPage() {
	h := Help{Name: "svc", Commands: []Command{{Name: "version", Summary: "print the version"}}}
	p := Page{Version: "0.1.0", Date: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Synopsis: "run a service", Description: []string{"Runs -- and stops."}}
	fmt.Print(string(ManPage(h, p)))
	// Output:
	// .TH "SVC" 1 "2026\-11\-23" "svc 0.1.0" "User Commands"
	// .SH NAME
	// svc \- run a service
	// .SH SYNOPSIS
	// .B "svc"
	// .I command
	// .RI [ flags ]
	// .SH DESCRIPTION
	// Runs \-\- and stops.
	// .SH COMMANDS
	// .TP
	// .B "version"
	// print the version
}
