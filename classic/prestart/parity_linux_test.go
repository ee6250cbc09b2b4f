//go:build cgo

package prestart

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/svcdev/svc/internal/proctest"
)

// scenario drives `svc start --classic` one way with bin, in dir, cleans
// up the daemons it started, and returns what the launcher said.
type scenario struct {
	name string
	run  func(t *testing.T, bin, dir string) result
}

var scenarios = []scenario{
	{"started", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		r := runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t))
		if pid := startedPID(t, r); awaitPIDFile(t, pf) != pid {
			t.Errorf("pidfile does not name pid %d", pid)
		}
		stop(t, bin, pf)
		return r
	}},
	{"already running", func(t *testing.T, bin, dir string) result {
		pf, addr := filepath.Join(dir, "svc.pid"), proctest.FreeAddr(t)
		startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", addr))
		r := runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", addr)
		stop(t, bin, pf)
		return r
	}},
	{"pidfile directory missing", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic", "--pidfile", filepath.Join(dir, "no", "svc.pid"), "--listen", proctest.FreeAddr(t))
	}},
	{"log unopenable", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic", "--pidfile", filepath.Join(dir, "svc.pid"),
			"--log", filepath.Join(dir, "no", "svc.log"), "--listen", proctest.FreeAddr(t))
	}},
	{"unknown user", func(t *testing.T, bin, dir string) result {
		r := runSvc(t, bin, "start", "--classic", "--pidfile", filepath.Join(dir, "svc.pid"),
			"--user", "no-such-user-svc", "--listen", proctest.FreeAddr(t))
		if n := strings.Count(r.stderr, "classic: "); n != 1 {
			t.Errorf("%q says \"classic: \" %d times, want once", r.stderr, n)
		}
		return r
	}},
	{"address in use", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic", "--pidfile", filepath.Join(dir, "svc.pid"), "--listen", busyAddr(t))
	}},
	{"timeout", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		r := runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--test.never-ready", "--timeout", "0.2s", "--listen", proctest.FreeAddr(t))
		if _, err := os.Stat(pf); !os.IsNotExist(err) {
			t.Errorf("pidfile after the timeout: %v, want it removed", err)
		}
		return r
	}},
	{"interrupted", signalledLaunch(syscall.SIGINT)},
	{"daemon killed", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		cmd := exec.Command(bin, "start", "--classic", "--pidfile", pf, "--test.never-ready", "--listen", proctest.FreeAddr(t))
		done := make(chan result, 1)
		go func() { done <- runCmd(t, cmd) }()
		syscall.Kill(awaitPIDFile(t, pf), syscall.SIGKILL)
		return <-done
	}},
	{"stdout closed", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		r := runCmd(t, exec.Command("/bin/sh", "-c", `exec "$0" "$@" >&-`,
			bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
		if r.code == 0 {
			stop(t, bin, pf)
		}
		return r
	}},
	{"help", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic", "--pidfile", "p", "-h")
	}},
	{"bad timeout", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic", "--pidfile", "p", "--timeout", "soon")
	}},
	{"no pidfile", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic")
	}},
	{"bad umask", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic", "--pidfile", "p", "--umask", "9")
	}},
	{"extra argument", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "start", "--classic", "--pidfile", "p", "now")
	}},
}

// signalledLaunch sends sig to a launcher whose daemon made its pidfile
// but never gets ready: the launcher kills it and leaves no process and
// no pidfile.
func signalledLaunch(sig syscall.Signal) func(t *testing.T, bin, dir string) result {
	return func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		cmd := exec.Command(bin, "start", "--classic", "--pidfile", pf, "--test.never-ready", "--listen", proctest.FreeAddr(t))
		done := make(chan result, 1)
		go func() { done <- runCmd(t, cmd) }()
		awaitPIDFile(t, pf)
		cmd.Process.Signal(sig)
		r := <-done
		nothingLeft(t, dir)
		if _, err := os.Stat(pf); !os.IsNotExist(err) {
			t.Errorf("pidfile after %v: %v, want it removed", sig, err)
		}
		return r
	}
}

var busy struct {
	once sync.Once
	ln   net.Listener
	err  error
}

// busyAddr is an address taken for the life of the test binary, the same
// for both builds since the launcher prints it.
func busyAddr(t *testing.T) string {
	busy.once.Do(func() { busy.ln, busy.err = net.Listen("tcp", "127.0.0.1:0") })
	if busy.err != nil {
		t.Fatal(busy.err)
	}
	return busy.ln.Addr().String()
}

// TestSameAsGo runs every scenario with the cgo build (the C launcher) and
// the pure-Go build and compares exit code, stdout and stderr byte for
// byte, pids and the directory aside.
func TestSameAsGo(t *testing.T) {
	cgo, purego := svcBinary(t, true), svcBinary(t, false)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			dir := privateDir(t)
			got := sc.run(t, cgo, dir).normalized(dir)
			want := sc.run(t, purego, dir).normalized(dir)
			if got != want {
				t.Errorf("cgo build:\n  exit %d\n  stdout %q\n  stderr %q\npure-Go build:\n  exit %d\n  stdout %q\n  stderr %q",
					got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
			}
			t.Logf("exit %d, stdout %q, stderr %q", got.code, got.stdout, got.stderr)
		})
	}
}
