package install

import (
	"errors"
	"fmt"
)

// Target is one init system. Its methods are pure: they render, they never
// touch the host (Apply and the caller run what they return).
type Target interface {
	// Name is the --init value: "systemd", "sysv", "openrc", "launchd".
	Name() string
	// Plan renders the files and commands that install s.
	Plan(s Spec) (Plan, error)
	// Uninstall renders what removes s: stop, disable, every file and
	// link Plan made, reload. It needs only Name and Scope, and applying
	// it when nothing is installed succeeds. Its Remove[0] is the file
	// whose presence means s is installed.
	Uninstall(s Spec) (Plan, error)
	// Control renders how the init system runs verb on an installed s.
	Control(s Spec, v Verb) (Control, error)
}

// Verb is what `svc start|stop|restart|reload|status` asks of an installed
// service.
type Verb string

// Verbs.
const (
	Start   Verb = "start"
	Stop    Verb = "stop"
	Restart Verb = "restart"
	Reload  Verb = "reload"
	Status  Verb = "status"
)

// ParseVerb accepts the verb names above.
func ParseVerb(s string) (Verb, error) {
	switch v := Verb(s); v {
	case Start, Stop, Restart, Reload, Status:
		return v, nil
	}
	return "", fmt.Errorf("install: unknown verb %q (want start, stop, restart, reload or status)", s)
}

// Control is the command that carries out a verb, after the Before
// commands (launchd must load a job before it can start it). For Status,
// State reads the command's exit code and standard output; for the other
// verbs the exit code is the answer.
//
// A systemd Control also names its Unit: Run then goes through the
// manager's D-Bus API, waiting for the job and explaining a failure, and
// runs Argv (systemctl) only when no bus can be reached.
type Control struct {
	Before []Command
	Argv   []string
	State  func(exit int, stdout []byte) State // set for Status only

	Unit string // systemd only: the unit, for D-Bus
	User bool   // the user manager's unit
	Verb Verb
}

// State is an installed service's status as the init system reports it.
type State struct {
	// Code is the LSB status exit code: 0 running, 1 dead (failed), 3 not
	// running, 4 unknown (not installed, or the init system could not say).
	Code int
	// Word is svc's name for the state: running, reloading, starting,
	// stopping, failed, stopped, not-installed or unknown.
	Word string
	// Detail is the init system's own words, e.g. "activating (start)".
	Detail string
}

// LSB status codes (LSB core, "Init Script Actions").
const (
	StatusRunning    = 0
	StatusDead       = 1
	StatusNotRunning = 3
	StatusUnknown    = 4
)

func (st State) String() string {
	if st.Detail == "" || st.Detail == st.Word {
		return st.Word
	}
	return st.Word + " (" + st.Detail + ")"
}

// ErrUnsupportedScope is returned by targets that have no per-user manager.
var ErrUnsupportedScope = errors.New("no per-user services on this init system")

// Targets lists the init targets by name, for --init.
func Targets() []string { return []string{"systemd", "sysv", "openrc", "launchd"} }
