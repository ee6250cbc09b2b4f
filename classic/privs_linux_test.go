package classic

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/svcdev/svc/internal/proctest"
)

// TestDaemonDropsCapabilities: a daemon started as root with a user runs
// with no_new_privs on every thread, an empty bounding set on its main
// thread (every thread without cgo), and no capability in any other set,
// as /proc shows them.
func TestDaemonDropsCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody:", err)
	}
	o := Options{PIDFile: filepath.Join(t.TempDir(), "d.pid"), User: "nobody"}
	l, err := launchHelper(t, context.Background(), modeReady, o)
	if err != nil {
		t.Fatal(err)
	}
	const none = "0000000000000000"
	st := proctest.Status(t, l.PID)
	for _, k := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		if st[k] != none {
			t.Errorf("%s: %q, want %s", k, st[k], none)
		}
	}
	if st["NoNewPrivs"] != "1" {
		t.Errorf("NoNewPrivs: %q, want 1", st["NoNewPrivs"])
	}
	tasks, err := os.ReadDir(proctest.Path(l.PID, "task"))
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		ts := proctest.Status(t, tid)
		if ts["NoNewPrivs"] != "1" || ts["CapEff"] != none || ts["CapPrm"] != none || ts["CapAmb"] != none {
			t.Errorf("thread %d: NoNewPrivs %q, CapPrm %q, CapEff %q, CapAmb %q; want 1 and none", tid,
				ts["NoNewPrivs"], ts["CapPrm"], ts["CapEff"], ts["CapAmb"])
		}
	}
	t.Logf("%d threads, all with no_new_privs and no capabilities", len(tasks))
}

// TestDaemonKeepsRootPrivileges: without a user (or with root) nothing is
// dropped, so a root daemon can still do what it was started to do.
func TestDaemonKeepsRootPrivileges(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	o := Options{PIDFile: filepath.Join(t.TempDir(), "d.pid")}
	l, err := launchHelper(t, context.Background(), modeReady, o)
	if err != nil {
		t.Fatal(err)
	}
	if st := proctest.Status(t, l.PID); st["NoNewPrivs"] != "0" || st["CapEff"] == "0000000000000000" {
		t.Errorf("root daemon: NoNewPrivs %q, CapEff %q; want 0 and root's", st["NoNewPrivs"], st["CapEff"])
	}
}
