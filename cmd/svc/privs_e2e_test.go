//go:build linux

package main

import (
	"os"
	"os/user"
	"strconv"
	"testing"

	"github.com/svcdev/svc/internal/proctest"
)

// TestClassicDropsCapabilities: `svc start --classic --user nobody`, the
// cgo pre-start and the pure-Go path alike, leaves the daemon with
// no_new_privs on every thread, no capability in any set of its main
// thread (/proc/PID/status) and none effective on any thread.
func TestClassicDropsCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody:", err)
	}
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.start("--user", "nobody", "--log", s.log)
		const none = "0000000000000000"
		st := proctest.Status(t, pid)
		for _, k := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
			if st[k] != none {
				t.Errorf("%s: %q, want %s", k, st[k], none)
			}
		}
		tasks, err := os.ReadDir(proctest.Path(pid, "task"))
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			tid, _ := strconv.Atoi(task.Name())
			if ts := proctest.Status(t, tid); ts["NoNewPrivs"] != "1" || ts["CapEff"] != none || ts["CapPrm"] != none {
				t.Errorf("thread %d: NoNewPrivs %q, CapPrm %q, CapEff %q; want 1, none, none", tid, ts["NoNewPrivs"], ts["CapPrm"], ts["CapEff"])
			}
		}
	})
}

// TestClassicNoNewPrivs: --no-new-privs sets no_new_privs on a daemon
// that stays root, which keeps its capabilities.
func TestClassicNoNewPrivs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a root daemon's capabilities")
	}
	forEachVariant(t, func(t *testing.T, s *scene) {
		pid := s.start("--no-new-privs")
		if st := proctest.Status(t, pid); st["NoNewPrivs"] != "1" || st["CapEff"] == "0000000000000000" {
			t.Errorf("NoNewPrivs %q, CapEff %q; want 1 and root's", st["NoNewPrivs"], st["CapEff"])
		}
	})
}
