package install

import (
	"github.com/svcdev/svc/ready"
)

// A wrapped program (Spec.Exec) knows nothing of svc. Each target runs it
// the way its init system can see it ready:
//
//	systemd  Ready ""      Type=exec, ExecStart=EXEC ARGS
//	         Ready notify  Type=notify, NotifyAccess=main, ExecStart=EXEC ARGS
//	         a probe       Type=notify, ExecStart=BINARY run --ready SPEC -- EXEC ARGS
//	SysV, OpenRC           BINARY start --classic --pidfile P --log L [--ready SPEC] -- EXEC ARGS,
//	                       and BINARY stop|status|reload --classic --pidfile P --exec EXEC
//	launchd  Ready ""      ProgramArguments=EXEC ARGS; any Ready is refused: launchd
//	                       has no readiness, kickstart returns at spawn
//
// Its output goes to the log file (Spec.LogFile, or /var/log/NAME.log
// for the scripts, whose start prints its tail when the program fails
// before it is ready) or to the journal.

// readiness is what a Spec.Ready asks of a target.
type readiness int

const (
	readyNone   readiness = iota // started once it runs
	readyNotify                  // the program says READY=1 itself
	readyProbe                   // the runner probes it
)

func (s Spec) readiness() readiness {
	switch {
	case s.Ready.Kind == ready.None:
		return readyNone
	case s.Ready.Kind == ready.Notify:
		return readyNotify
	}
	return readyProbe
}

// checkReady refuses a readiness that --ready could not spell: its text
// must parse back to it (one line, a known kind, a valid target).
func checkReady(r ready.Spec) error {
	back, err := ready.Parse(r.String())
	switch {
	case err != nil:
		return invalid("readiness: %v", err)
	case back != r:
		return invalid("readiness of kind %d: not one --ready can spell (%q)", r.Kind, r.String())
	}
	return nil
}

// wrappedLog is where the scripts send a wrapped program's output: its
// start shows the tail when the program dies before it is ready.
func (s Spec) wrappedLog() string {
	if s.LogFile != "" {
		return s.LogFile
	}
	return OpenRCLog(s.Name)
}

// classicFlags are the daemon set-up flags after `BINARY start --classic
// --pidfile P`, with log as --log (none when empty) and, for a wrapped
// program, its readiness.
func classicFlags(s Spec, log string) []string {
	var a []string
	if s.User != "" {
		a = append(a, "--user", s.User)
	}
	if s.Group != "" {
		a = append(a, "--group", s.Group)
	}
	a = append(a, "--chdir", s.workingDir())
	if s.harden() != HardenOff {
		// NoNewPrivileges= and UMask= of the hardened unit; dropping to
		// --user sets no_new_privs anyway, and empties the capabilities.
		a = append(a, "--umask", HardenedUmask, "--no-new-privs")
	}
	if log != "" {
		a = append(a, "--log", log)
	}
	if s.Wrapped() && s.Ready.Kind != ready.None {
		a = append(a, "--ready", s.Ready.String())
	}
	return a
}

// runsLine is the scripts' second comment line: what they run.
func runsLine(s Spec, quote func(string) string) string {
	if s.Wrapped() {
		return "# Written by svc install: runs " + quote(s.Exec) + " through " + quote(s.Binary) +
			" start --classic; the next install or uninstall replaces it.\n"
	}
	return "# Written by svc install: runs " + quote(s.Binary) +
		" (its classic mode); the next install or uninstall replaces it.\n"
}
