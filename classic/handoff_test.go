package classic

import (
	"slices"
	"testing"
)

func TestHandoffRoundTrip(t *testing.T) {
	for _, h := range []handoff{{roleMiddle, "@svc-classic-1-00ff"}, {roleDaemon, "/run/x sock"}} {
		got, err := parseHandoff(h.String())
		if err != nil || got != h {
			t.Errorf("parseHandoff(%q) = %+v, %v", h.String(), got, err)
		}
	}
	for _, bad := range []string{"daemon", "daemon:", "daemon:relative", "launcher:@x", "middle@x"} {
		if _, err := parseHandoff(bad); err == nil {
			t.Errorf("parseHandoff(%q) accepted", bad)
		}
	}
}

func TestWithHandoffReplaces(t *testing.T) {
	env := []string{"A=1", HandoffEnv + "=middle:@old", "B=2"}
	got := withHandoff(env, handoff{roleDaemon, "@new"})
	want := []string{"A=1", "B=2", HandoffEnv + "=daemon:@new"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
