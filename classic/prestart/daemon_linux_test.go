//go:build cgo

package prestart

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
	"golang.org/x/sys/unix"
)

// TestDaemonSetUp checks the daemon both builds start, from a launcher
// that ignores SIGHUP and SIGINT and leaks a descriptor: it must have
// default dispositions, an empty mask, none of the launcher's
// descriptors, stdin on /dev/null, a session of its own that it does not
// lead, no hand-off variable, and it must know it is the classic daemon.
func TestDaemonSetUp(t *testing.T) {
	for _, b := range []struct {
		name string
		cgo  bool
	}{{"cgo", true}, {"purego", false}} {
		t.Run(b.name, func(t *testing.T) {
			bin, dir, addr := svcBinary(t, b.cgo), privateDir(t), proctest.FreeAddr(t)
			pf, leakPath := filepath.Join(dir, "svc.pid"), filepath.Join(dir, "leaked")
			leak, err := os.Create(leakPath)
			if err != nil {
				t.Fatal(err)
			}
			defer leak.Close()
			cmd := exec.Command("/bin/sh", "-c", `trap "" HUP INT; exec "$0" "$@"`,
				bin, "start", "--classic", "--pidfile", pf, "--listen", addr)
			cmd.ExtraFiles = []*os.File{leak}
			pid := startedPID(t, runCmd(t, cmd))
			defer stop(t, bin, pf)

			for _, f := range []string{"SigIgn", "SigBlk"} {
				if v := proctest.Status(t, pid)[f]; v != "0000000000000000" {
					t.Errorf("daemon %s: %s, want none", f, v)
				}
			}
			fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
			if err != nil {
				t.Fatal(err)
			}
			for _, fd := range fds {
				target, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name())
				if target == leakPath {
					t.Errorf("daemon holds the launcher's descriptor as fd %s", fd.Name())
				}
				if fd.Name() == "0" && target != "/dev/null" {
					t.Errorf("daemon stdin: %s, want /dev/null", target)
				}
			}
			if sid, _ := unix.Getsid(pid); sid == pid || sid == mustSid(t) {
				t.Errorf("daemon session %d: want a new one it does not lead (pid %d)", sid, pid)
			}
			env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
			if err != nil || strings.Contains(string(env), "SVC_CLASSIC_HANDOFF=daemon") {
				t.Errorf("daemon environment holds the hand-off (%v)", err)
			}
			var got struct{ Mode string }
			c := http.Client{Timeout: 5 * time.Second}
			resp, err := c.Get("http://" + addr + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.Mode != "classic" {
				t.Errorf("GET /: mode %q (%v), want classic", got.Mode, err)
			}
		})
	}
}

func mustSid(t *testing.T) int {
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

// TestOneGoStart proves the cgo build takes the C path: the whole launch
// of a daemon (that fails, so that every process ends) executes one
// program, where the pure-Go build executes three: launcher, middle,
// daemon. Both report the same failure (TestSameAsGo).
func TestOneGoStart(t *testing.T) {
	for _, b := range []struct {
		name  string
		cgo   bool
		execs int
	}{{"cgo", true, 1}, {"purego", false, 3}} {
		t.Run(b.name, func(t *testing.T) {
			r, trace := traced(t, "execve", svcBinary(t, b.cgo),
				"start", "--classic", "--pidfile", filepath.Join(privateDir(t), "svc.pid"), "--listen", busyAddr(t))
			if r.code != 1 || !strings.Contains(r.stderr, "address already in use") {
				t.Fatalf("start on a busy address: %+v", r)
			}
			if n := strings.Count(trace, "execve("); n != b.execs {
				t.Errorf("%d execve calls, want %d:\n%s", n, b.execs, trace)
			}
		})
	}
}

// TestOwnFlagsOneGoStart: a program of its own (examples/echod, on package
// cli) with a flag of its own (--addr) takes the C path too, one exec for
// the whole launch, and every message is in its name; the pure-Go build
// says the same.
func TestOwnFlagsOneGoStart(t *testing.T) {
	var said [2]result
	for i, b := range []struct {
		name  string
		cgo   bool
		execs int
	}{{"cgo", true, 1}, {"purego", false, 3}} {
		t.Run(b.name, func(t *testing.T) {
			dir := privateDir(t)
			r, trace := traced(t, "execve", echodBinary(t, b.cgo),
				"start", "--classic", "--pidfile", filepath.Join(dir, "echod.pid"), "--addr", busyAddr(t))
			if r.code != 1 || !strings.HasPrefix(r.stderr, "echod start: ") || !strings.Contains(r.stderr, "address already in use") {
				t.Fatalf("echod start on a busy --addr: %+v", r)
			}
			if n := strings.Count(trace, "execve("); n != b.execs {
				t.Errorf("%d execve calls, want %d:\n%s", n, b.execs, trace)
			}
			said[i] = r.normalized(dir)
		})
	}
	if said[0] != said[1] {
		t.Errorf("cgo build said %+v\npure-Go build said %+v", said[0], said[1])
	}
}

// TestOwnFlagsUsageError: a flag neither svc nor the program has is
// launched by C (it cannot know the program's flags) and refused by the
// daemon's Go, which prints the usage error on the operator's stderr:
// exactly what the pure-Go build prints before it forks.
func TestOwnFlagsUsageError(t *testing.T) {
	var said [2]result
	for i, cgo := range []bool{true, false} {
		dir := privateDir(t)
		pf := filepath.Join(dir, "echod.pid")
		r := runSvc(t, echodBinary(t, cgo), "start", "--classic", "--pidfile", pf, "--adr", ":1")
		if r.code != 2 || !strings.Contains(r.stderr, "flag provided but not defined: -adr") {
			t.Errorf("cgo %v: echod start with a misspelt flag: %+v, want a usage error", cgo, r)
		}
		if _, err := os.Lstat(pf); !os.IsNotExist(err) {
			t.Errorf("cgo %v: pidfile after a usage error: %v", cgo, err)
		}
		said[i] = r.normalized(dir)
	}
	if said[0] != said[1] {
		t.Errorf("cgo build said %+v\npure-Go build said %+v", said[0], said[1])
	}
}
