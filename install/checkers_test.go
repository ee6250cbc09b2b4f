package install_test

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/svcdev/svc/install/internal/shell"
	"github.com/svcdev/svc/systemd"
)

// goldenFiles returns the golden files of testdata matching keep.
func goldenFiles(t *testing.T, keep func(path string, head string) bool) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if keep(p, firstLine(p)) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no golden file to check (run go test -update)")
	}
	return out
}

func firstLine(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	return sc.Text()
}

func isScript(_ string, head string) bool {
	return head == "#!/bin/sh" || head == "#!/sbin/openrc-run"
}

// TestGoldenScriptsCheck runs each golden init script through sh -n (and
// dash and bash --posix where present) and shellcheck.
func TestGoldenScriptsCheck(t *testing.T) {
	scripts := goldenFiles(t, isScript)
	for _, sh := range [][]string{{"sh", "-n"}, {"dash", "-n"}, {"bash", "--posix", "-n"}} {
		if _, err := exec.LookPath(sh[0]); err != nil {
			continue
		}
		for _, s := range scripts {
			if out, err := exec.Command(sh[0], append(sh[1:], s)...).CombinedOutput(); err != nil {
				t.Errorf("%s %s: %v\n%s", strings.Join(sh, " "), s, err, out)
			}
		}
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not installed (apt-get install shellcheck, or run .ci/deps)")
	}
	for _, s := range scripts {
		if out, err := exec.Command("shellcheck", "--norc", s).CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", s, err, out)
		}
	}
}

// TestGoldenUnitsVerify runs systemd-analyze verify on each golden unit.
// verify insists that ExecStart's binary exists, so it runs in a private
// mount namespace where a tmpfs over the binary's nearest existing
// directory holds a stand-in (/bin/true), and /run is a tmpfs too
// (verify writes there). Units required by the unit are stubbed beside it.
func TestGoldenUnitsVerify(t *testing.T) {
	units := goldenFiles(t, func(p, _ string) bool { return strings.HasSuffix(p, ".service") })
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed")
	}
	if os.Getuid() != 0 {
		t.Skip("verifying needs root for a private mount namespace")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) not installed")
	}
	for _, u := range units {
		t.Run(u, func(t *testing.T) { verifyUnit(t, u) })
	}
}

func verifyUnit(t *testing.T, golden string) {
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	unit := filepath.Join(dir, filepath.Base(golden))
	if err := os.WriteFile(unit, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, req := range unitValues(data, "Requires") {
		stub := "[Service]\nExecStart=/bin/true\n"
		if err := os.WriteFile(filepath.Join(dir, req), []byte(stub), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	argv, err := systemd.UnquoteExec(unitValues(data, "ExecStart")[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := argv[0]
	mnt := nearestDir(filepath.Dir(bin))
	if mnt == "/" || mnt == "/usr" || mnt == "/usr/bin" || mnt == "/bin" {
		t.Fatalf("cannot stand in for %s without hiding %s", bin, mnt)
	}
	scope := ""
	if strings.Contains(golden, "/user/") {
		scope = "--user"
	}
	script := `set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/user/0
mount -t tmpfs tmpfs ` + shell.Quote(mnt) + `
mkdir -p ` + shell.Quote(filepath.Dir(bin)) + `
cp /bin/true ` + shell.Quote(bin) + `
XDG_RUNTIME_DIR=/run/user/0 exec systemd-analyze ` + scope + ` --man=no verify ` + shell.Quote(unit)
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		// An unknown or unparsable setting only warns: any output fails.
		t.Errorf("systemd-analyze verify %s: %v\n%s", golden, err, stderr.Bytes())
	}
}

// unitValues returns the space-separated values of key (a rough reader
// for the test's own stubs; the unit parser is tested in package systemd).
func unitValues(data []byte, key string) []string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			if key == "ExecStart" {
				out = append(out, v)
				continue
			}
			out = append(out, strings.Fields(v)...)
		}
	}
	return out
}

func nearestDir(d string) string {
	for d != "/" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		d = filepath.Dir(d)
	}
	return d
}

// TestGoldenPlistsCheck has libplist's plistutil read each golden plist
// and convert it to the binary format and back.
func TestGoldenPlistsCheck(t *testing.T) {
	plists := goldenFiles(t, func(p, _ string) bool { return strings.HasSuffix(p, ".plist") })
	if _, err := exec.LookPath("plistutil"); err != nil {
		t.Skip("plistutil not installed (apt-get install libplist-utils, or run .ci/deps)")
	}
	for _, p := range plists {
		bin := plistutilConvert(t, p, "bin")
		if !bytes.HasPrefix(bin, []byte("bplist00")) {
			t.Errorf("plistutil -f bin %s: not a binary plist: %.20q", p, bin)
			continue
		}
		binPath := filepath.Join(t.TempDir(), "x.bplist")
		if err := os.WriteFile(binPath, bin, 0o644); err != nil {
			t.Fatal(err)
		}
		back := plistutilConvert(t, binPath, "xml")
		if !bytes.Contains(back, []byte("<key>ProgramArguments</key>")) {
			t.Errorf("plistutil round trip of %s lost ProgramArguments:\n%s", p, back)
		}
	}
}
