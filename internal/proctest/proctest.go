// Package proctest holds what tests of real processes share: a free
// loopback address, readers of /proc/PID, and whether (or when) a process
// has exited, where a zombie counts as exited (PID 1 here reaps orphans
// late).
package proctest

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// FreeAddr is a loopback address nobody listens on at the moment.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Path is /proc/PID/name.
func Path(pid int, name string) string { return "/proc/" + strconv.Itoa(pid) + "/" + name }

// Stat is /proc/PID/stat's fields from field 3 (state) on: the command
// name before them, in parentheses, may hold spaces. nil if there is no
// such process.
func Stat(pid int) []string {
	b, err := os.ReadFile(Path(pid, "stat"))
	i := bytes.LastIndexByte(b, ')')
	if err != nil || i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// State is the state letter in /proc/PID/stat ("S", "Z", ...), "" if
// there is no such process.
func State(pid int) string {
	if f := Stat(pid); len(f) > 0 {
		return f[0]
	}
	return ""
}

// Alive tells whether pid is a process that has not exited.
func Alive(pid int) bool {
	s := State(pid)
	return s != "" && s != "Z" && s != "X"
}

// Status is /proc/PID/status as a map of its "Name:\tvalue" lines.
func Status(t testing.TB, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(Path(pid, "status"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		m[k] = strings.TrimSpace(v)
	}
	return m
}

// FDs maps each open descriptor of pid to what it links to.
func FDs(t testing.TB, pid int) map[int]string {
	t.Helper()
	ents, err := os.ReadDir(Path(pid, "fd"))
	if err != nil {
		t.Fatal(err)
	}
	fds := map[int]string{}
	for _, e := range ents {
		fd, _ := strconv.Atoi(e.Name())
		fds[fd], _ = os.Readlink(Path(pid, "fd/"+e.Name()))
	}
	return fds
}

// Cmdline is pid's command line, arguments joined by spaces ("" for a
// zombie or a process that is gone).
func Cmdline(pid int) string {
	b, _ := os.ReadFile(Path(pid, "cmdline"))
	return string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))
}

// Live lists the processes other than this one, not exited, whose
// command line holds marker (a test's unique directory, say).
func Live(marker string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if strings.Contains(Cmdline(pid), marker) && Alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Stranger starts a live process that is no daemon of anyone's (a sleep),
// for tests that must see it left alone, and returns its pid; it is
// killed at the test's end.
func Stranger(t testing.TB) int {
	t.Helper()
	cmd := exec.Command("sleep", "3600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

// DeadPID is the pid of a process that has exited and been reaped.
func DeadPID(t testing.TB) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// Outsider is a uid (and gid) that no passwd or group entry names, for a
// throwaway unprivileged second user in tests run as root; -1 if none is
// free.
var Outsider = sync.OnceValue(func() int {
	taken := map[string]bool{}
	for _, f := range []string{"/etc/passwd", "/etc/group"} {
		b, _ := os.ReadFile(f)
		for _, l := range strings.Split(string(b), "\n") {
			if fs := strings.Split(l, ":"); len(fs) > 2 {
				taken[fs[2]] = true
			}
		}
	}
	for id := 61000; id < 65000; id++ {
		if !taken[strconv.Itoa(id)] {
			return id
		}
	}
	return -1
})
