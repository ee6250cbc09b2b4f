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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInstallOpenRC installs svc with `svc install` for OpenRC and drives it
// through the real openrc-run, rc-service and rc-update (Debian's openrc
// package, installed here if missing). OpenRC is not this host's init, so
// it runs in a private mount and PID namespace whose /run, /var/log,
// /etc/init.d and /etc/runlevels are fresh tmpfs mounts: the state OpenRC
// keeps when it has booted (/run/openrc/softlevel) exists only there, and
// everything the test started dies with the namespace.
func TestInstallOpenRC(t *testing.T) {
	for _, restart := range []string{"on-failure", "no"} {
		t.Run("restart="+restart, func(t *testing.T) { testOpenRC(t, restart) })
	}
	t.Run("start fails with the service's error", testOpenRCStartFails)
	t.Run("crash", testOpenRCCrash)
	t.Run("respawn, bounded", testOpenRCRespawn)
}

func testOpenRC(t *testing.T, restart string) {
	ns := bootOpenRC(t)
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	// A log directory that does not exist yet: start makes it.
	logDir := filepath.Join(t.TempDir(), "a b", `%h $HOME `)
	logFile := filepath.Join(logDir, `"q".log`)
	const name = "svc-test-orc"
	env := "GREETING=a  b $x 'q' \\"

	ns.svc(0, "install", "--name", name, "--restart", restart, "--env", env, "--binary", svcBin,
		"--log", logFile, "--", "--listen", addr)
	if out := ns.run("head", "-1", "/etc/init.d/"+name); out != "#!/sbin/openrc-run" {
		t.Fatalf("auto-detected init wrote %q, not an openrc-run script", out)
	}
	ns.run("test", "-L", "/etc/runlevels/default/"+name) // rc-update add

	ns.svc(0, "start", "--name", name)
	// rc-service start returned: the service is ready, no polling.
	if body := httpGet(t, "http://"+addr+"/healthz"); !strings.HasPrefix(body, "200 ") {
		t.Fatalf("rc-service start returned before the service was ready: %s", body)
	}
	if out := ns.svc(0, "status", "--name", name); !strings.Contains(out, "running") {
		t.Errorf("svc status = %q, want running", out)
	}
	if _, err := os.Stat(logFile); err != nil {
		t.Errorf("the service's log: %v", err)
	}

	pid := ns.servicePID(t, name)
	args := strings.Split(strings.TrimSuffix(ns.run("cat", fmt.Sprintf("/proc/%d/cmdline", pid)), "\x00"), "\x00")
	if !slices.Contains(args, addr) || !slices.Contains(args, logFile) {
		t.Errorf("the service's argv %q lacks %q or %q", args, addr, logFile)
	}
	environ := ns.run("cat", fmt.Sprintf("/proc/%d/environ", pid))
	if !strings.Contains("\x00"+environ, "\x00"+env+"\x00") {
		t.Errorf("the service's environment lacks %q: %q", env, environ)
	}

	checkOpenRCHardened(t, ns, name, pid, logFile)

	ns.svc(0, "reload", "--name", name)
	waitFor(t, "a reload", func() (bool, string) {
		body := httpGet(t, "http://"+addr+"/")
		return strings.Contains(body, `"reloads":1`), body
	})

	ns.svc(0, "stop", "--name", name)
	ns.svc(3, "status", "--name", name)
	for _, p := range []string{"supervise-daemon " + name, "status --classic --pidfile /run/" + name + ".pid --wait"} {
		if out, err := ns.try("pgrep", "-f", p); err == nil {
			t.Errorf("stop left %q running: %s", p, out)
		}
	}
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

// testOpenRCStartFails: a service that cannot bind its port makes
// `rc-service start` fail with the service's own error, which also lands
// in the default log, and leaves the service stopped.
func testOpenRCStartFails(t *testing.T) {
	ns := bootOpenRC(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const name = "svc-test-orc-busy"
	ns.svc(0, "install", "--name", name, "--binary", svcBin, "--", "--listen", ln.Addr().String())
	code, out := ns.code("rc-service", name, "start")
	if code == 0 || !strings.Contains(out, "address already in use") {
		t.Errorf("rc-service start of a service whose port is taken: exit %d, want non-zero with the bind error:\n%s", code, out)
	}
	if log := ns.run("cat", "/var/log/"+name+".log"); !strings.Contains(log, "address already in use") {
		t.Errorf("the default log lacks the bind error: %q", log)
	}
	ns.svc(3, "status", "--name", name)
	if code, out := ns.code("rc-service", name, "status"); code != 3 {
		t.Errorf("rc-service status after the failed start: exit %d, want 3\n%s", code, out)
	}
}

// testOpenRCCrash kills the daemon of an unsupervised service
// (--restart no): status says dead (LSB 1), and stop, start and restart
// work without `rc-service zap`.
func testOpenRCCrash(t *testing.T) {
	ns := bootOpenRC(t)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	const name = "svc-test-orc-crash"
	ns.svc(0, "install", "--name", name, "--restart", "no", "--binary", svcBin, "--", "--listen", addr)
	kill := func() {
		t.Helper()
		pid := ns.servicePID(t, name)
		ns.run("kill", "-KILL", strconv.Itoa(pid))
		waitFor(t, "dead", func() (bool, string) {
			_, err := ns.try("kill", "-0", strconv.Itoa(pid))
			return err != nil, "pid " + strconv.Itoa(pid)
		})
	}

	ns.run("rc-service", name, "start")
	kill()
	if code, out := ns.code("rc-service", name, "status"); code != 1 {
		t.Errorf("rc-service status after kill -9: exit %d, want 1 (dead, pidfile exists)\n%s", code, out)
	}
	ns.svc(1, "status", "--name", name)
	ns.run("rc-service", name, "stop") // no zap
	ns.svc(3, "status", "--name", name)
	ns.run("rc-service", name, "start")
	waitHealthy(t, addr)

	kill()
	ns.run("rc-service", name, "restart")
	if body := httpGet(t, "http://"+addr+"/healthz"); !strings.HasPrefix(body, "200 ") {
		t.Errorf("after restart of a crashed service: %s", body)
	}
	ns.svc(0, "status", "--name", name)
	ns.run("rc-service", name, "stop")
}

// testOpenRCRespawn: with a restart policy the killed daemon comes back,
// ready; when it cannot (its port taken), supervise-daemon gives up after
// respawn_max tries, the service is dead (LSB 1), and stop needs no zap.
func testOpenRCRespawn(t *testing.T) {
	ns := bootOpenRC(t)
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	const name = "svc-test-orc-respawn"
	ns.svc(0, "install", "--name", name, "--restart", "on-failure", "--binary", svcBin, "--", "--listen", addr)
	ns.run("rc-service", name, "start")
	ns.run("pgrep", "-f", "supervise-daemon "+name) // the watcher's supervisor runs
	pid := ns.servicePID(t, name)
	ns.run("kill", "-KILL", strconv.Itoa(pid))
	waitFor(t, "a respawned daemon", func() (bool, string) {
		body := httpGet(t, "http://"+addr+"/")
		return strings.HasPrefix(body, "200 ") && !strings.Contains(body, fmt.Sprintf(`"pid":%d,`, pid)), body
	})
	ns.svc(0, "status", "--name", name)

	// Its port taken, the daemon cannot come back: supervise-daemon
	// tries respawn_max times, then gives up.
	pid = ns.servicePID(t, name)
	ns.run("kill", "-STOP", strconv.Itoa(pid)) // keep the port until the listener below has it
	ns.run("kill", "-KILL", strconv.Itoa(pid))
	waitFor(t, "the port free", func() (bool, string) {
		_, err := ns.try("kill", "-0", strconv.Itoa(pid))
		return err != nil, "pid " + strconv.Itoa(pid)
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the respawned daemon took the port first: %v", err)
	}
	defer ln.Close()
	waitFor(t, "supervise-daemon to give up", func() (bool, string) {
		out, err := ns.try("pgrep", "-f", "supervise-daemon "+name)
		return err != nil, out
	})
	if log := ns.run("cat", "/var/log/"+name+".log"); !strings.Contains(log, "address already in use") {
		t.Errorf("the log lacks the failed restarts' error: %q", log)
	}
	if code, out := ns.code("rc-service", name, "status"); code != 1 && code != 3 {
		t.Errorf("rc-service status after supervise-daemon gave up: exit %d, want 1 or 3\n%s", code, out)
	}
	ns.run("rc-service", name, "stop") // no zap
	ns.svc(3, "status", "--name", name)
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
mount -t tmpfs -o mode=0755 tmpfs /run # as a booted /run is: not writable by others
mkdir -p /run/openrc /run/lock
cd /run/openrc && mkdir ` + openrcStateDirs + ` && touch softlevel
mount -t tmpfs -o mode=0755 tmpfs /var/log
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
// one its pidfile names.
func (ns *openrcNS) servicePID(t *testing.T, name string) int {
	t.Helper()
	file := "/run/" + name + ".pid"
	s := ns.run("cat", file)
	pid, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("%s: %q", file, s)
	}
	return pid
}

// code runs argv in the namespace and returns its exit code and combined
// output.
func (ns *openrcNS) code(argv ...string) (int, string) {
	ns.t.Helper()
	return combined(ns.t, ns.command(argv...))
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
func checkOpenRCHardened(t *testing.T, ns *openrcNS, name string, pid int, logFile string) {
	t.Helper()
	if got := ns.run("stat", "-c", "%a", "/run/"+name); got != "750" {
		t.Errorf("/run/%s: mode %s, want 750 (checkpath in start)", name, got)
	}
	if got := ns.run("stat", "-c", "%a", logFile); got != "600" {
		t.Errorf("%s: mode %s, want 600 (umask 077)", logFile, got)
	}
	// start --classic --no-new-privs, supervised or not.
	status := ns.run("cat", fmt.Sprintf("/proc/%d/status", pid))
	if want := "NoNewPrivs:\t1"; !strings.Contains(status, want) {
		t.Errorf("the service's /proc/%d/status lacks %q:\n%s", pid, want, status)
	}
}
