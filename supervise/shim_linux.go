package supervise

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// The socket-activation shim: systemd's sockets are PROG's only if
// LISTEN_PID is PROG's pid, which Go cannot set between fork and exec.
// So svc starts its own binary with shimArg as argv[1] and PROG's path in
// shimEnv; init, below, runs first in that process, sets LISTEN_PID to
// its own pid and execs PROG with PROG's argv, byte for byte. argv[1] is
// a marker no command line has, so a C pre-start (classic/prestart)
// never mistakes the shim for a command of its own.
const (
	shimArg = "\x01svc-run-listen-shim"
	shimEnv = "SVC_RUN_LISTEN_EXEC"
)

func init() {
	if len(os.Args) < 2 || os.Args[1] != shimArg {
		return
	}
	path, ok := syscall.Getenv(shimEnv)
	if !ok {
		return
	}
	env := append(without(syscall.Environ(), shimEnv, "LISTEN_PID"), "LISTEN_PID="+strconv.Itoa(os.Getpid()))
	argv := append([]string{os.Args[0]}, os.Args[2:]...)
	err := syscall.Exec(path, argv, env)
	fmt.Fprintf(os.Stderr, "supervise: exec %s: %v\n", path, err)
	os.Exit(execCode(err))
}
