//go:build linux

package integration

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInstallOpenRC installs svc with `svc install` for OpenRC and drives it
// through the real openrc-run, rc-service, rc-update and supervise-daemon
// (Debian's openrc package, installed here if missing). OpenRC is not this
// host's init, so it runs in a private mount and PID namespace whose /run,
// /etc/init.d and /etc/runlevels are fresh tmpfs mounts: the state OpenRC
// keeps when it has booted (/run/openrc/softlevel) exists only there, and
// everything the test started dies with the namespace.
func TestInstallOpenRC(t *testing.T) {
	for _, tc := range []struct {
		name    string
		restart string
	}{
		{"supervise-daemon", "on-failure"},
		{"start-stop-daemon", "no"},
	} {
		t.Run(tc.name, func(t *testing.T) { testOpenRC(t, tc.restart) })
	}
}

func testOpenRC(t *testing.T, restart string) {
	ns := bootOpenRC(t)
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logDir := filepath.Join(t.TempDir(), "a b", `%h $HOME `)
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(logDir, `"q".log`)
	const name = "svc-orc"
	env := "GREETING=a  b $x 'q' \\"

	ns.svc(0, "install", "--name", name, "--restart", restart, "--env", env, "--binary", svcBin,
		"--", "--listen", addr, "--log", logFile)
	if out := ns.run("head", "-1", "/etc/init.d/"+name); out != "#!/sbin/openrc-run" {
		t.Fatalf("auto-detected init wrote %q, not an openrc-run script", out)
	}
	ns.run("test", "-L", "/etc/runlevels/default/"+name) // rc-update add

	ns.svc(0, "start", "--name", name)
	waitHealthy(t, addr)
	if out := ns.svc(0, "status", "--name", name); !strings.Contains(out, "running") {
		t.Errorf("svc status = %q, want running", out)
	}

	pid := ns.servicePID(t, name, restart)
	// install takes the --log of svc run as the service's log file, and
	// passes it first.
	want := strings.Join([]string{svcBin, "run", "--log", logFile, "--listen", addr}, "\x00") + "\x00"
	if got := ns.run("cat", fmt.Sprintf("/proc/%d/cmdline", pid)); got != want {
		t.Errorf("the service's argv = %q\nwant %q", got, want)
	}
	environ := ns.run("cat", fmt.Sprintf("/proc/%d/environ", pid))
	if !strings.Contains("\x00"+environ, "\x00"+env+"\x00") {
		t.Errorf("the service's environment lacks %q: %q", env, environ)
	}

	checkOpenRCHardened(t, ns, name, pid, logFile, restart != "no")

	ns.svc(0, "reload", "--name", name)
	waitFor(t, "a reload", func() (bool, string) {
		body := httpGet(t, "http://"+addr+"/")
		return strings.Contains(body, `"reloads":1`), body
	})

	ns.svc(0, "stop", "--name", name)
	ns.svc(3, "status", "--name", name)
	ns.svc(0, "uninstall", "--name", name)
	for _, p := range []string{"/etc/init.d/" + name, "/etc/runlevels/default/" + name} {
		if _, err := ns.try("test", "-e", p, "-o", "-L", p); err == nil {
			t.Errorf("uninstall left %s", p)
		}
	}
	if out := ns.svc(0, "uninstall", "--name", name); !strings.Contains(out, "not installed") {
		t.Errorf("second uninstall said %q", out)
	}
}

// openrcNS is a private mount+PID namespace where OpenRC believes it booted.
// Its PID 1 is svc in container mode, which reaps orphans: supervise-daemon
// --stop waits for its supervisor to be gone, and a zombie is not gone.
type openrcNS struct {
	t   *testing.T
	pid int // the namespace's PID 1, as the host sees it
}

// openrcStateDirs are the directories openrc keeps under /run/openrc.
const openrcStateDirs = "daemons exclusive failed hotplugged inactive options scheduled started starting stopping tmp wasinactive"

func bootOpenRC(t *testing.T) *openrcNS {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("OpenRC test needs root (namespaces, /etc/init.d)")
	}
	ensureOpenRC(t)
	setup := `set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/openrc /run/lock
cd /run/openrc && mkdir ` + openrcStateDirs + ` && touch softlevel
mount -t tmpfs tmpfs /etc/init.d
mount -t tmpfs tmpfs /etc/runlevels
mkdir -p /etc/runlevels/default /etc/runlevels/boot /etc/runlevels/sysinit /etc/runlevels/shutdown
echo ready
exec "$0" run --mode container --listen 127.0.0.1:0`
	cmd := exec.Command("unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
		"--propagation", "private", "sh", "-c", setup, svcBin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() // --kill-child takes the namespace down with it
		cmd.Wait()
		if t.Failed() {
			t.Logf("namespace stderr:\n%s", stderr.Bytes())
		}
	})
	buf := make([]byte, 6)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("namespace set-up failed: %q %v", buf, err)
	}
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(children)))
	if err != nil {
		t.Fatalf("namespace PID 1: %q", children)
	}
	return &openrcNS{t: t, pid: pid}
}

// ensureOpenRC installs Debian's openrc package when openrc-run is missing.
// It does not replace the init (it installs openrc, insserv and two
// libraries, and removes nothing: checked with apt-get install -s).
func ensureOpenRC(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/sbin/openrc-run"); err == nil {
		return
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("openrc is not installed and there is no apt-get to install it")
	}
	t.Log("installing the openrc package (apt-get)")
	for _, argv := range [][]string{{"apt-get", "-qq", "update"}, {"apt-get", "-qq", "install", "-y", "--no-install-recommends", "openrc"}} {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("cannot install openrc (%v): %s", err, out)
		}
	}
}

// nsTimeout bounds each command in the namespace, so a hang fails the
// test instead of its whole run.
const nsTimeout = time.Minute

func (ns *openrcNS) command(argv ...string) *exec.Cmd {
	args := append([]string{"-t", strconv.Itoa(ns.pid), "-m", "-p", "--"}, argv...)
	ctx, cancel := context.WithTimeout(context.Background(), nsTimeout)
	ns.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	return cmd
}

// try runs argv in the namespace and returns its stdout.
func (ns *openrcNS) try(argv ...string) (string, error) {
	cmd := ns.command(argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%q: %w: %s", argv, err, stderr.Bytes())
	}
	return strings.TrimRight(stdout.String(), "\n"), err
}

func (ns *openrcNS) run(argv ...string) string {
	ns.t.Helper()
	out, err := ns.try(argv...)
	if err != nil {
		ns.t.Fatal(err)
	}
	return out
}

// svc runs the svc binary in the namespace and checks its exit code.
func (ns *openrcNS) svc(want int, args ...string) string {
	ns.t.Helper()
	return ns.prog(want, svcBin, args...)
}

// prog runs bin in the namespace and checks its exit code.
func (ns *openrcNS) prog(want int, bin string, args ...string) string {
	ns.t.Helper()
	cmd := ns.command(append([]string{bin}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		ns.t.Fatal(err)
	}
	if code != want {
		ns.t.Fatalf("%s %q: exit %d, want %d\n%s", filepath.Base(bin), args, code, want, out.Bytes())
	}
	return out.String()
}

// servicePID is the pid, in the namespace, of the running service: the
// child supervise-daemon recorded, or the pid start-stop-daemon wrote.
func (ns *openrcNS) servicePID(t *testing.T, name, restart string) int {
	t.Helper()
	file := "/run/openrc/options/" + name + "/child_pid"
	if restart == "no" {
		file = "/run/" + name + ".pid"
	}
	s := ns.run("cat", file)
	pid, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("%s: %q", file, s)
	}
	return pid
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func httpGet(t *testing.T, url string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b.String())
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	waitFor(t, "healthy", func() (bool, string) {
		body := httpGet(t, "http://"+addr+"/healthz")
		return strings.HasPrefix(body, "200 "), body
	})
}

// waitFor polls cond for up to 30 s (a bound on asynchronous events, not a
// timing assertion).
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not %s: %s", what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkOpenRCHardened: the script made /run/NAME before the start, the
// service's files are its own (umask 077), and under supervise-daemon it
// runs with no_new_privs.
func checkOpenRCHardened(t *testing.T, ns *openrcNS, name string, pid int, logFile string, supervised bool) {
	t.Helper()
	if got := ns.run("stat", "-c", "%a", "/run/"+name); got != "750" {
		t.Errorf("/run/%s: mode %s, want 750 (checkpath in start_pre)", name, got)
	}
	if got := ns.run("stat", "-c", "%a", logFile); got != "600" {
		t.Errorf("%s: mode %s, want 600 (umask 077)", logFile, got)
	}
	status := ns.run("cat", fmt.Sprintf("/proc/%d/status", pid))
	want := "NoNewPrivs:\t0"
	if supervised {
		want = "NoNewPrivs:\t1"
	}
	if !strings.Contains(status, want) {
		t.Errorf("the service's /proc/%d/status lacks %q:\n%s", pid, want, status)
	}
}
