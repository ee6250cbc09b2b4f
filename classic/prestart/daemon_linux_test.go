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
