package launchd

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// Domain is a launchd domain target: "system" for daemons, "gui/UID" for
// a logged-in user's agents.
type Domain string

// System is the domain of /Library/LaunchDaemons.
const System Domain = "system"

// GUI is the domain of a user's agents (~/Library/LaunchAgents).
func GUI(uid int) Domain { return Domain("gui/" + strconv.Itoa(uid)) }

// Service is the service target of label in d: "system/LABEL".
func (d Domain) Service(label string) string { return string(d) + "/" + label }

// Bootstrap loads the plist at path into d (and starts it if RunAtLoad).
func Bootstrap(d Domain, path string) []string {
	return []string{"launchctl", "bootstrap", string(d), path}
}

// Bootout stops and unloads label from d.
func Bootout(d Domain, label string) []string {
	return []string{"launchctl", "bootout", d.Service(label)}
}

// Enable clears a disabled override, so the job loads at boot or login.
func Enable(d Domain, label string) []string {
	return []string{"launchctl", "enable", d.Service(label)}
}

// Disable sets the disabled override.
func Disable(d Domain, label string) []string {
	return []string{"launchctl", "disable", d.Service(label)}
}

// Kickstart starts the job now; restart kills a running instance first (-k).
func Kickstart(d Domain, label string, restart bool) []string {
	argv := []string{"launchctl", "kickstart"}
	if restart {
		argv = append(argv, "-k")
	}
	return append(argv, d.Service(label))
}

// Kill sends signal (a name such as "SIGHUP" or a number) to the job.
func Kill(d Domain, label, signal string) []string {
	return []string{"launchctl", "kill", signal, d.Service(label)}
}

// Print asks launchd for the job's state; ParsePrint reads the answer.
func Print(d Domain, label string) []string {
	return []string{"launchctl", "print", d.Service(label)}
}

// PrintNotFound is launchctl print's exit code when the domain has no
// such service ("Could not find service ... in domain").
const PrintNotFound = 113

// Info is what ParsePrint reads from `launchctl print SERVICE`.
type Info struct {
	State        string // "running", "not running", "spawn scheduled", ...
	PID          int    // 0 when not running
	LastExitCode string // "0", "1", "(never exited)", ...
}

// ParsePrint reads the top-level "key = value" lines of launchctl print's
// output (one tab deep; nested blocks are deeper and skipped).
func ParsePrint(out []byte) Info {
	var in Info
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t\t") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSpace(line), " = ")
		if !ok {
			continue
		}
		switch k {
		case "state":
			in.State = v
		case "pid":
			in.PID, _ = strconv.Atoi(v)
		case "last exit code":
			in.LastExitCode = v
		}
	}
	return in
}
