//go:build cgo

package prestart

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/svcdev/svc/internal/proctest"
)

// TestStatusWithoutGo proves the cgo build answers `svc status --classic`
// for a running and a stopped daemon without starting the Go runtime,
// while the pure-Go build does. Both print the same (TestSameAsGo).
func TestStatusWithoutGo(t *testing.T) {
	withAndWithoutGo(t, func(t *testing.T, cgo bool, bin, pf string, pid int) {
		runsGo(t, cgo, bin, result{code: 0, stdout: "running (pid " + strconv.Itoa(pid) + ")\n"}, "status", "--classic", "--pidfile", pf)
		stop(t, bin, pf)
		runsGo(t, cgo, bin, result{code: 3, stdout: "stopped\n"}, "status", "--classic", "--pidfile", pf)
	})
}

// otherProgram is a copy of bin: the same code, another executable.
func otherProgram(t *testing.T, bin string) string {
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(privateDir(t), "other")
	if err := os.WriteFile(other, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return other
}

// identityScenarios extend TestSameAsGo's with the attacks on the
// pidfile's proof and the launcher's limits (issue: identity that cannot
// be faked): each ends with the command under test, which both builds
// must report alike, and checks that nobody was hit.
var identityScenarios = []scenario{
	{"status running", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		startedPID(t, runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
		defer stop(t, bin, pf)
		return runSvc(t, bin, "status", "--classic", "--pidfile", pf)
	}},
	{"status stopped", func(t *testing.T, bin, dir string) result {
		return runSvc(t, bin, "status", "--classic", "--pidfile", filepath.Join(dir, "svc.pid"))
	}},
	{"status dead", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		os.WriteFile(pf, []byte(strconv.Itoa(proctest.Stranger(t))+"\n"), 0o644)
		return runSvc(t, bin, "status", "--classic", "--pidfile", pf)
	}},
	{"status and stop: another program holds the lock", func(t *testing.T, bin, dir string) result {
		// The holder is a real daemon with a real write lock, and the pid
		// in the file is its own: only the program it runs is wrong.
		pf, other := filepath.Join(dir, "svc.pid"), otherProgram(t, bin)
		pid := startedPID(t, runSvc(t, other, "start", "--classic", "--pidfile", pf, "--listen", proctest.FreeAddr(t)))
		defer stop(t, other, pf)
		st := runSvc(t, bin, "status", "--classic", "--pidfile", pf)
		r := runSvc(t, bin, "stop", "--classic", "--pidfile", pf)
		if st.code != 4 || r.code == 0 || !proctest.Alive(pid) {
			t.Errorf("status %+v, stop %+v, pid %d alive %v: want unknown, refused, untouched", st, r, pid, proctest.Alive(pid))
		}
		named := strings.NewReplacer(other, "OTHER", bin, "BIN")
		return result{code: st.code*10 + r.code, stdout: named.Replace(st.stdout + r.stdout), stderr: named.Replace(st.stderr + r.stderr)}
	}},
	{"a flag svc does not have", func(t *testing.T, bin, dir string) result {
		// C takes it for the program's own and launches; the daemon's Go
		// refuses it, as the pure-Go launcher does before any fork.
		pf := filepath.Join(dir, "svc.pid")
		r := runSvc(t, bin, "start", "--classic", "--pidfile", pf, "--bogus", "x", "--listen", proctest.FreeAddr(t))
		if _, err := os.Lstat(pf); !os.IsNotExist(err) {
			t.Errorf("pidfile after a usage error: %v", err)
		}
		return r
	}},
	{"one pidfile, spelt three ways", func(t *testing.T, bin, dir string) result {
		pf := filepath.Join(dir, "svc.pid")
		r := runSvc(t, bin, "start", "--classic", "--pidfile", dir+"/svc.pid/", "--listen", proctest.FreeAddr(t))
		st := runSvc(t, bin, "status", "--classic", "--pidfile", dir+"//svc.pid")
		sp := runSvc(t, bin, "stop", "--classic", "--pidfile", dir+"/./svc.pid")
		if _, err := os.Lstat(pf); !os.IsNotExist(err) {
			t.Errorf("pidfile after stop: %v", err)
		}
		return result{code: r.code*100 + st.code*10 + sp.code, stdout: r.stdout + st.stdout + sp.stdout, stderr: r.stderr + st.stderr + sp.stderr}
	}},
}

func init() { scenarios = append(scenarios, identityScenarios...) }
