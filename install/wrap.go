package install

import (
	"fmt"
	"strings"

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
// Reload is only what Spec.ReloadSignal asks: without it the unit has no
// ExecReload=, the SysV script's reload exits 3 (unimplemented) and its
// force-reload restarts, and the OpenRC script has no reload command.
// A signal the program does not handle kills it (SIGHUP's default
// action is to terminate), so none is sent on a guess. With it, the unit
// kills $MAINPID with it (`svc run` forwards HUP, USR1 and USR2 to
// PROG), and the scripts run `BINARY reload --classic ... --exec EXEC
// --signal SIG`.
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

// ReloadSignals are the signals Spec.ReloadSignal may name: the ones
// daemons take as "reload" or "reopen" (nginx, Apache httpd, unicorn,
// HAProxy), which `svc run` forwards and `svc reload --signal` sends.
// Others stop, pause or kill a program, which reload must not.
var ReloadSignals = []string{"HUP", "USR1", "USR2"}

// ParseReloadSignal returns the ReloadSignals name of s, which may be
// spelled in any case and with or without SIG ("hup", "SIGUSR1").
func ParseReloadSignal(s string) (string, error) {
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	for _, r := range ReloadSignals {
		if name == r {
			return r, nil
		}
	}
	return "", fmt.Errorf("install: %w: reload signal %q: not one of %s", ErrInvalid, s, strings.Join(ReloadSignals, ", "))
}

// reloads reports whether the installed service has a reload: always
// for a binary on svc (SIGHUP, by contract), for a wrapped program only
// with a ReloadSignal.
func (s Spec) reloads() bool { return !s.Wrapped() || s.ReloadSignal != "" }

// reloadIdent is what the scripts' reload adds after the identity
// (--exec EXEC): the signal to send a wrapped program.
func (s Spec) reloadIdent() string {
	if !s.Wrapped() {
		return ""
	}
	return " --signal " + s.ReloadSignal // a ReloadSignals word
}
