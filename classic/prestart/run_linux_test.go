//go:build cgo

package prestart

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The C `svc run -- PROG` (run_linux.c) against package supervise: every
// scenario runs through the cgo build (C serves it, or hands it to Go)
// and the pure-Go one, which must end alike, byte for byte, and as want
// says.

// ended is how a run ended: its exit code, or the signal that killed it.
type ended struct {
	code           int
	signal         syscall.Signal
	stdout, stderr string
}

func runEnded(t *testing.T, cmd *exec.Cmd) ended {
	t.Helper()
	r, ws := runWait(t, cmd)
	e := ended{code: r.code, stdout: r.stdout, stderr: r.stderr}
	if ws.Signaled() {
		e.signal = ws.Signal()
	}
	return e
}

type runScenario struct {
	name string
	run  func(t *testing.T, bin, dir string) ended
	want func(t *testing.T, e ended) // what both must show
}

// pid1Argv runs argv as PID 1 of a new pid namespace, or skips.
func pid1Argv(t *testing.T, argv ...string) []string {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("a new pid namespace needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare (util-linux)")
	}
	return append([]string{unshare, "-pf", "--mount-proc"}, argv...)
}

func code(want int, stderr string) func(t *testing.T, e ended) {
	return func(t *testing.T, e ended) {
		if e.code != want || e.signal != 0 || !strings.Contains(e.stderr, stderr) {
			t.Errorf("%+v, want exit %d and stderr with %q", e, want, stderr)
		}
	}
}

// orphanScript ($0: a directory) starts orphan.sh as a grandchild that
// is orphaned, waits until it named its new parent and is gone (reaped,
// not a zombie), and exits 0 only if that parent was PROG's (svc).
const orphanScript = `sh -c 'sh "$0/orphan.sh" "$0" $$ &' "$0"
i=0
until [ -s "$0/orphan" ]; do i=$((i+1)); [ $i -lt 2000 ] || exit 2; sleep 0.01; done
o=$(cat "$0/orphan")
i=0
while [ -e /proc/$o ]; do i=$((i+1)); [ $i -lt 2000 ] || exit 3; sleep 0.01; done
set -- $(cat "$0/parent")
[ "$2" = "$PPID" ] || { echo "orphan re-parented to $2, not to svc $PPID"; exit 4; }
echo reaped`

// orphanSh is the orphan: it waits until it is re-parented (its first
// parent's pid is $2), and says to whom, then exits.
const orphanSh = `while grep -q "^PPid:[[:space:]]*$2\$" /proc/$$/status; do sleep 0.01; done
grep ^PPid: /proc/$$/status > "$1/parent"
echo $$ > "$1/orphan"
`

func orphans(t *testing.T, dir string, argv ...string) ended {
	writeFile(t, filepath.Join(dir, "orphan.sh"), orphanSh, 0o644)
	argv = append(argv, "sh", "-c", orphanScript, dir)
	return runEnded(t, exec.Command(argv[0], argv[1:]...))
}

var runScenarios = []runScenario{
	{"exit status", func(t *testing.T, bin, dir string) ended {
		return runEnded(t, exec.Command(bin, "run", "--", "sh", "-c", "echo out; echo err >&2; exit 3"))
	}, code(3, "err")},
	{"not found in PATH", func(t *testing.T, bin, dir string) ended {
		return runEnded(t, exec.Command(bin, "run", "--", "no-such-prog-svc-run-test"))
	}, code(127, ": not found in PATH\n")},
	{"missing path", func(t *testing.T, bin, dir string) ended {
		return runEnded(t, exec.Command(bin, "run", "--", filepath.Join(dir, "missing")))
	}, code(127, "no such file or directory")},
	{"not executable", func(t *testing.T, bin, dir string) ended {
		p := filepath.Join(dir, "plain")
		writeFile(t, p, "#!/bin/sh\n", 0o644)
		return runEnded(t, exec.Command(bin, "run", "--", p))
	}, code(126, "permission denied")},
	{"directory", func(t *testing.T, bin, dir string) ended {
		return runEnded(t, exec.Command(bin, "run", "--", dir))
	}, code(126, "is a directory")},
	{"exec format error", func(t *testing.T, bin, dir string) ended {
		p := filepath.Join(dir, "garbage")
		writeFile(t, p, "\x7fELF not really\n", 0o755)
		return runEnded(t, exec.Command(bin, "run", "--", p))
	}, code(126, "exec format error")},
	{"PATH lookup with hostile names", func(t *testing.T, bin, dir string) ended {
		d := filepath.Join(dir, "a b $x %s")
		os.Mkdir(d, 0o755)
		writeFile(t, filepath.Join(d, "my 'prog'"), "#!/bin/sh\nprintf '[%s]\\n' \"$0\" \"$@\"\n", 0o755)
		cmd := exec.Command(bin, "run", "--", "my 'prog'", "a b", "\"q\"", "$HOME", "%n", "line\nbreak", "\xff\xfe")
		cmd.Env = append(os.Environ(), "PATH=/nonexistent:"+d+":/usr/bin:/bin")
		return runEnded(t, cmd)
	}, func(t *testing.T, e ended) {
		if e.code != 0 || !strings.Contains(e.stdout, "[a b]\n[\"q\"]\n[$HOME]\n[%n]\n[line\nbreak]\n[\xff\xfe]\n") {
			t.Errorf("%+v: arguments not carried exactly", e)
		}
	}},
	{"environment", func(t *testing.T, bin, dir string) ended {
		cmd := exec.Command(bin, "run", "--", "env")
		cmd.Env = []string{"PATH=/usr/bin:/bin", "WATCHDOG_USEC=1000000", "WATCHDOG_PID=1", "LISTEN_PID=1",
			"LISTEN_FDNAMES=x", "SVC_RUN_LISTEN_EXEC=/bin/false", "KEEP=a b $x %s"}
		return runEnded(t, cmd)
	}, func(t *testing.T, e ended) {
		if e.code != 0 || e.stdout != "PATH=/usr/bin:/bin\nKEEP=a b $x %s\n" {
			t.Errorf("%+v, want PATH and KEEP alone", e)
		}
	}},
	{"signal dispositions and mask", func(t *testing.T, bin, dir string) ended {
		// sh leaves HUP, PIPE and TTOU ignored across exec; Go catches
		// HUP and PIPE (PROG gets them back at default) but keeps TTOU's.
		// The mask svc was started with (USR1 blocked) is PROG's.
		return runEnded(t, exec.Command("sh", "-c", `trap "" HUP PIPE TTOU; exec "$@"`, "sh",
			os.Args[0], execMasked, bin, "run", "--", "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"))
	}, func(t *testing.T, e ended) {
		// Only the bits this scenario sets are checked: what the test's own
		// parents left ignored (CI's chain ignores signal 32) passes through
		// either build alike, which the parity check compares.
		var blk, ign uint64
		if _, err := fmt.Sscanf(e.stdout, "SigBlk:\t%x\nSigIgn:\t%x\n", &blk, &ign); err != nil || e.code != 0 {
			t.Fatalf("%+v: %v", e, err)
		}
		bit := func(s syscall.Signal) uint64 { return 1 << (uint(s) - 1) }
		if blk != bit(syscall.SIGUSR1) || ign&bit(syscall.SIGTTOU) == 0 || ign&(bit(syscall.SIGHUP)|bit(syscall.SIGPIPE)) != 0 {
			t.Errorf("%+v, want USR1 alone blocked, TTOU ignored, HUP and PIPE not", e)
		}
	}},
	{"own process group", func(t *testing.T, bin, dir string) ended {
		return runEnded(t, exec.Command(bin, "run", "--", "sh", "-c", groupScript))
	}, func(t *testing.T, e ended) {
		if e.code != 0 || !strings.HasPrefix(e.stdout, "own group") {
			t.Errorf("%+v, want PROG leading a group of its own", e)
		}
	}},
	{"terminal's foreground group", func(t *testing.T, bin, dir string) ended {
		// script(1) gives svc a terminal whose foreground group is its own.
		script, err := exec.LookPath("script")
		if err != nil {
			t.Skip("no script (util-linux)")
		}
		return runEnded(t, exec.Command(script, "-qec", shellQuote(bin)+" run -- sh -c "+shellQuote(groupScript), "/dev/null"))
	}, func(t *testing.T, e ended) {
		if e.code != 0 || e.stdout != "own group, the terminal's foreground\r\n" {
			t.Errorf("%+v, want PROG the terminal's foreground group", e)
		}
	}},
	{"killed by signal", func(t *testing.T, bin, dir string) ended {
		return runEnded(t, exec.Command(bin, "run", "--", "sh", "-c", "kill -TERM $$"))
	}, func(t *testing.T, e ended) {
		if e.signal != syscall.SIGTERM {
			t.Errorf("%+v, want svc killed by SIGTERM", e)
		}
	}},
	{"PID 1 exit status", func(t *testing.T, bin, dir string) ended {
		argv := pid1Argv(t, bin, "run", "--", "sh", "-c", "exit 5")
		return runEnded(t, exec.Command(argv[0], argv[1:]...))
	}, code(5, "")},
	{"PID 1 killed by signal", func(t *testing.T, bin, dir string) ended {
		argv := pid1Argv(t, bin, "run", "--", "sh", "-c", "kill -TERM $$")
		return runEnded(t, exec.Command(argv[0], argv[1:]...))
	}, code(128+int(syscall.SIGTERM), "")},
	{"orphans reaped by a subreaper", func(t *testing.T, bin, dir string) ended {
		return orphans(t, dir, bin, "run", "--")
	}, func(t *testing.T, e ended) {
		if e.code != 0 || e.stdout != "reaped\n" {
			t.Errorf("%+v, want the orphan re-parented to svc and reaped", e)
		}
	}},
	{"orphans reaped by PID 1", func(t *testing.T, bin, dir string) ended {
		return orphans(t, dir, pid1Argv(t, bin, "run", "--")...)
	}, func(t *testing.T, e ended) {
		if e.code != 0 || e.stdout != "reaped\n" {
			t.Errorf("%+v, want the orphan re-parented to svc and reaped", e)
		}
	}},
}

// groupScript says whether PROG leads a process group of its own, and
// whether that is the terminal's foreground group (/proc/PID/stat's pgrp
// and tpgid).
const groupScript = `read pid comm state ppid pgrp session tty tpgid rest < /proc/$$/stat
[ "$pgrp" = $$ ] || { echo "group $pgrp, not its own"; exit 1; }
if [ "$tpgid" = $$ ]; then echo "own group, the terminal's foreground"; else echo "own group"; fi`

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// execMasked is a helper mode of this test binary: block SIGUSR1, then
// exec the rest of the arguments, which inherit the mask.
const execMasked = "-prestart.exec-masked"

func runMasked(argv []string) {
	runtime.LockOSThread() // exec keeps the calling thread's mask
	var set unix.Sigset_t
	set.Val[0] = 1 << (uint(unix.SIGUSR1) - 1)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func writeFile(t *testing.T, path, s string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
}

func TestRunSameAsGo(t *testing.T) {
	for _, sc := range runScenarios {
		t.Run(sc.name, func(t *testing.T) {
			var got [2]ended
			for i, cgo := range []bool{false, true} {
				bin, dir := svcBinary(t, cgo), t.TempDir()
				got[i] = sc.run(t, bin, dir)
				got[i].stdout = strings.ReplaceAll(got[i].stdout, dir, "DIR")
				got[i].stderr = strings.ReplaceAll(got[i].stderr, dir, "DIR")
				sc.want(t, got[i])
			}
			if got[0] != got[1] {
				t.Errorf("cgo build ended\n%+v\npure-Go build\n%+v", got[1], got[0])
			}
		})
	}
}

// forwardedSignals are those the issue names; supervise forwards more.
var forwardedSignals = []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// TestRunForwardsSignals sends each signal to svc (to PID 1 of a new pid
// namespace for SIGTERM) once PROG trapped it; PROG says so and exits
// with the signal's number.
func TestRunForwardsSignals(t *testing.T) {
	for _, sig := range forwardedSignals {
		for _, pid1 := range []bool{false, true} {
			if pid1 && sig != syscall.SIGTERM {
				continue
			}
			name := unix.SignalName(sig)
			if pid1 {
				name += " to PID 1"
			}
			t.Run(name, func(t *testing.T) {
				var got [2]ended
				for i, cgo := range []bool{false, true} {
					got[i] = forward(t, svcBinary(t, cgo), sig, pid1)
					want := fmt.Sprintf("got %d\n", int(sig))
					if got[i].code != int(sig) || got[i].stdout != want {
						t.Errorf("cgo %v: %+v, want %q and exit %d", cgo, got[i], want, int(sig))
					}
				}
				if got[0] != got[1] {
					t.Errorf("cgo build ended\n%+v\npure-Go build\n%+v", got[1], got[0])
				}
			})
		}
	}
}

func forward(t *testing.T, bin string, sig syscall.Signal, pid1 bool) ended {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	n := strconv.Itoa(int(sig))
	argv := []string{bin, "run", "--", "sh", "-c", `trap "echo got ` + n + `; exit ` + n + `" ` + n + `; : > "$0"; while :; do sleep 0.01; done`, ready}
	if pid1 {
		argv = pid1Argv(t, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	done := make(chan ended, 1)
	started := make(chan struct{})
	go func() {
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Start()
		close(started)
		if err != nil {
			done <- ended{code: -1, stderr: err.Error()}
			return
		}
		cmd.Wait()
		e := ended{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
		if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() {
			e.signal = ws.Signal()
		}
		done <- e
	}()
	<-started
	defer cmd.Process.Kill()
	for i := 0; ; i++ {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if i == 20000 {
			t.Fatalf("PROG not ready after 20s")
		}
		time.Sleep(time.Millisecond)
	}
	target := cmd.Process.Pid
	if pid1 {
		target = onlyChild(t, target) // unshare's child: svc, PID 1 inside
	}
	syscall.Kill(target, sig)
	return <-done
}

func onlyChild(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	f := strings.Fields(string(b))
	if err != nil || len(f) != 1 {
		t.Fatalf("children of %d: %q %v", pid, b, err)
	}
	c, _ := strconv.Atoi(f[0])
	return c
}

// TestRunWrapOnly: examples/echod imports prestart but not
// prestart/wrapper; its cgo build must leave `run -- PROG` to Go, which
// refuses it as for the pure-Go build.
func TestRunWrapOnly(t *testing.T) {
	var got [2]ended
	for i, cgo := range []bool{false, true} {
		got[i] = runEnded(t, exec.Command(echodBinary(t, cgo), "run", "--", "true"))
		if got[i].code != 2 || got[i].stderr != "echod run: unexpected argument \"true\"\n" {
			t.Errorf("echod (cgo %v): %+v, want Go's usage error", cgo, got[i])
		}
	}
	if got[0] != got[1] {
		t.Errorf("cgo build ended\n%+v\npure-Go build\n%+v", got[1], got[0])
	}
}

// TestRunNoGoRuntime: the cgo svc serves `run -- PROG` without starting
// the Go runtime (no thread is cloned in svc's pid: its only clone is
// PROG's fork); the fall-backs to Go, echod's refusal and the pure-Go
// build do start it.
func TestRunNoGoRuntime(t *testing.T) {
	svcC, svcGo, echodC := svcBinary(t, true), svcBinary(t, false), echodBinary(t, true)
	for _, c := range []struct {
		name   string
		bin    string
		args   []string
		wantGo bool
	}{
		{"cgo svc", svcC, []string{"run", "--", "true"}, false},
		{"cgo svc, PROG not found", svcC, []string{"run", "--", "no-such-prog-svc-test"}, true},
		{"cgo svc, a flag", svcC, []string{"run", "--timeout", "1s", "--", "true"}, true},
		{"cgo echod", echodC, []string{"run", "--", "true"}, true},
		{"pure-Go svc", svcGo, []string{"run", "--", "true"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, trace := traced(t, "clone,clone3", c.bin, c.args...)
			threads, forks := 0, 0
			for _, line := range strings.Split(trace, "\n") {
				switch {
				case strings.Contains(line, "CLONE_THREAD"):
					threads++
				case strings.Contains(line, "clone"):
					forks++
				}
			}
			if (threads > 0) != c.wantGo {
				t.Errorf("%d thread clones, want Go runtime started %v:\n%s", threads, c.wantGo, trace)
			}
			if !c.wantGo && forks != 1 {
				t.Errorf("%d forks, want PROG's alone:\n%s", forks, trace)
			}
		})
	}
}
