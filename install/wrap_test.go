package install_test

import (
	"errors"
	"testing"

	"github.com/svcdev/svc/install"
)

// TestParseReloadSignal: the reload signals in any spelling come back as
// their ReloadSignals word; one that would stop or kill the program, or
// no signal at all, is refused naming the list.
func TestParseReloadSignal(t *testing.T) {
	for in, want := range map[string]string{"HUP": "HUP", "hup": "HUP", "SIGUSR1": "USR1", "sigusr2": "USR2", "SigHup": "HUP"} {
		if got, err := install.ParseReloadSignal(in); err != nil || got != want {
			t.Errorf("ParseReloadSignal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "SIG", "TERM", "KILL", "INT", "STOP", "1", "HUP ", "HUP\n", "SIGSIGHUP", "\xff"} {
		got, err := install.ParseReloadSignal(in)
		if !errors.Is(err, install.ErrInvalid) {
			t.Errorf("ParseReloadSignal(%q) = %q, %v; want an error wrapping ErrInvalid", in, got, err)
		}
	}
	if _, err := install.ParseReloadSignal("TERM"); err == nil || err.Error() != `install: invalid service spec: reload signal "TERM": not one of HUP, USR1, USR2` {
		t.Errorf("the refusal says %q", err)
	}
}
