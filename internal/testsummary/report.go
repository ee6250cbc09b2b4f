package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output events
	Test       string
	Output     string
}

const module = "github.com/svcdev/svc/"

// suites are the real-init suites: each is the top-level tests that boot
// that init system. One that passed or failed ran; one that was skipped
// says why.
var suites = []struct {
	name  string
	tests []string // package (below the module) "." test
}{
	{"systemd", []string{"internal/systemdtest.TestBootRealSystemd", "integration.TestInstallSystemd"}},
	{"sysv-on-systemd", []string{"integration.TestInstallSysVOnSystemd"}},
	{"openrc", []string{"integration.TestInstallOpenRC"}},
	{"deb-on-systemd", []string{"integration.TestPackageDeb"}},
}

// report prints go test's usual output from events and remembers how the
// suites' tests ended.
type report struct {
	w      io.Writer
	output map[string]*strings.Builder // by package "." test; test "" is the package's
	ended  map[string]string           // the final action of a suite test
	reason map[string]string           // why a suite test skipped
	subs   map[string]*subtests        // by suite test
}

// subtests counts how a suite test's subtests ended: a test whose every
// subtest skipped (each boots its own init) passed without running.
type subtests struct {
	n, skipped int
	reason     string
}

func newReport(w io.Writer) *report {
	return &report{w: w, output: map[string]*strings.Builder{}, ended: map[string]string{},
		reason: map[string]string{}, subs: map[string]*subtests{}}
}

func (r *report) line(b []byte) {
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil {
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	key := strings.TrimPrefix(e.Package, module) + "." + e.Test
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.w, e.Output)
	case "output":
		o := r.output[key]
		if o == nil {
			o = &strings.Builder{}
			r.output[key] = o
		}
		o.WriteString(e.Output)
	case "pass", "fail", "skip":
		r.end(e, key)
	}
}

// end prints what plain go test prints when a test or package ends: a
// failed test's whole output; a package's result line (all its output if
// it failed).
func (r *report) end(e event, key string) {
	out := ""
	if o := r.output[key]; o != nil {
		out = o.String()
	}
	delete(r.output, key)
	if e.Test != "" {
		if e.Action == "fail" {
			fmt.Fprint(r.w, out)
		}
		if top, _, isSub := strings.Cut(key, "/"); isSub && r.isSuite(top) {
			c := r.subs[top]
			if c == nil {
				c = &subtests{}
				r.subs[top] = c
			}
			c.n++
			if e.Action == "skip" {
				if c.skipped++; c.reason == "" {
					c.reason = skipReason(out)
				}
			}
		}
		if r.isSuite(key) {
			r.ended[key] = e.Action
			if e.Action == "skip" {
				r.reason[key] = skipReason(out)
			}
			if c := r.subs[key]; e.Action == "pass" && c != nil && c.n > 0 && c.skipped == c.n {
				r.ended[key], r.reason[key] = "skip", c.reason
			}
		}
		return
	}
	if e.Action == "fail" {
		fmt.Fprint(r.w, out)
		return
	}
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "? ") {
			fmt.Fprint(r.w, l)
		}
	}
}

func (r *report) isSuite(key string) bool {
	for _, s := range suites {
		for _, t := range s.tests {
			if t == key {
				return true
			}
		}
	}
	return false
}

// skipReason is the message of t.Skip: the first line logged after
// "--- SKIP", without its file:line prefix.
func skipReason(out string) string {
	seen := false
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "--- SKIP"):
			seen = true
		case seen && l != "":
			if _, msg, ok := strings.Cut(l, ": "); ok && strings.Contains(l[:len(l)-len(msg)], ".go:") {
				return msg
			}
			return l
		}
	}
	return "no reason given"
}

// summary is the one line about the real-init suites.
func (r *report) summary() string {
	var ran, failed, skipped, missing []string
	for _, s := range suites {
		state, why := "", ""
		for _, t := range s.tests {
			switch r.ended[t] {
			case "fail":
				state = "fail"
			case "pass":
				if state != "fail" {
					state = "pass"
				}
			case "skip":
				if state == "" {
					state, why = "skip", r.reason[t]
				}
			}
		}
		switch state {
		case "pass":
			ran = append(ran, s.name)
		case "fail":
			failed = append(failed, s.name)
		case "skip":
			skipped = append(skipped, s.name+" ("+why+")")
		default:
			missing = append(missing, s.name)
		}
	}
	parts := []string{"ran " + list(ran)}
	if len(failed) > 0 {
		parts = append(parts, "failed "+list(failed))
	}
	parts = append(parts, "skipped "+list(skipped))
	if len(missing) > 0 {
		parts = append(parts, "not in this run "+list(missing))
	}
	return "real-init suites: " + strings.Join(parts, "; ")
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
