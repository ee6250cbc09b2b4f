package supervise

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/ready"
	"github.com/svcdev/svc/systemd"
)

// helperEnv marks a re-run of the test binary as one of the helpers
// below; os.Args[1] names which.
const helperEnv = "SUPERVISE_TEST_HELPER"

// TestMain runs the test binary as a helper when asked:
//
//	supervise PROG ARGS   Run(PROG ARGS) with $SUPERVISE_READY, $SUPERVISE_TIMEOUT, Raise; exit with its code
//	exit N                exit N
//	die SIGNAL            kill itself with SIGNAL (by number)
//	signals               print "armed pid P pgid G", then "got SIGNAME" per forwarded signal; exit 42 on SIGTERM
//	orphan                print "main PID", leave an orphan that prints "orphan PID" (its pid) once
//	                      re-parented, then exits; wait for EOF on stdin, exit 0
//	argv ARGS             print each argument in hex, one per line, then "end"
//	env                   print NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID, LISTEN_* as NAME=VALUE or NAME unset
//	notify                as a notify-speaking daemon: a child of its own sends STATUS=intruder, then it sends
//	                      STATUS=hello with MAINPID=1, an fd (FDSTORE=1, FDNAME=kept, a pipe holding "kept"),
//	                      READY=1, then waits for EOF on stdin
//	listen ADDR           print "armed", wait for a line on stdin, listen on ADDR, print "listening";
//	                      at the next line close the listener, print "closed"; wait for EOF
//	listenfds             print LISTEN_* and whether LISTEN_PID is its own pid, answer "hello" once on fd 3
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "" || len(os.Args) < 2 {
		os.Exit(m.Run())
	}
	os.Exit(helper(os.Args[1], os.Args[2:]))
}

func helper(mode string, args []string) int {
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...); out.Flush() }
	switch mode {
	case "supervise":
		spec, err := ready.Parse(os.Getenv("SUPERVISE_READY"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		timeout, _ := time.ParseDuration(os.Getenv("SUPERVISE_TIMEOUT"))
		code, err := Run(context.Background(), args, Options{Ready: spec, Timeout: timeout, Raise: true})
		if err != nil {
			fmt.Fprintln(os.Stderr, "supervise:", err)
		}
		return code
	case "exit":
		n, _ := strconv.Atoi(args[0])
		return n
	case "die":
		n, _ := strconv.Atoi(args[0])
		signal.Reset()
		unix.Kill(os.Getpid(), unix.Signal(n))
		select {}
	case "signals":
		ch := make(chan os.Signal, 32)
		signal.Notify(ch, forwarded...)
		say("armed pid %d pgid %d", os.Getpid(), unix.Getpgrp())
		for s := range ch {
			say("got %s", unix.SignalName(s.(unix.Signal)))
			if s == unix.SIGTERM {
				return 42
			}
		}
	case "orphan":
		say("main %d", os.Getpid())
		mid := exec.Command(os.Args[0], "middle", strconv.Itoa(os.Getppid()))
		mid.Stdout = os.Stdout
		if err := mid.Run(); err != nil {
			say("middle: %v", err)
			return 1
		}
		waitEOF()
		return 0
	case "middle": // starts the orphan-to-be and exits at once
		g := exec.Command(os.Args[0], "grandchild", args[0])
		g.Stdout = os.Stdout
		if err := g.Start(); err != nil {
			return 1
		}
		return 0
	case "grandchild":
		want, _ := strconv.Atoi(args[0])
		for os.Getppid() != want {
			time.Sleep(time.Millisecond)
		}
		say("orphan %d", os.Getpid())
		return 0
	case "argv":
		for _, a := range args {
			say("%s", hex.EncodeToString([]byte(a)))
		}
		say("end")
		return 0
	case "env":
		for _, k := range []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", shimEnv} {
			if v, ok := os.LookupEnv(k); ok {
				say("%s=%s", k, v)
			} else {
				say("%s unset", k)
			}
		}
		return 0
	case "notify":
		return notifyHelper(say)
	case "intruder":
		n, err := systemd.NotifierFromEnv(os.Getenv)
		if err == nil {
			err = n.Notify(systemd.Status("intruder"))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "listen":
		say("armed")
		in := bufio.NewReader(os.Stdin)
		in.ReadString('\n')
		ln, err := net.Listen("tcp", args[0])
		if err != nil {
			say("listen: %v", err)
			return 1
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		say("listening")
		in.ReadString('\n')
		ln.Close()
		say("closed")
		waitEOF()
		return 0
	case "listenfds":
		say("LISTEN_PID is mine: %v", os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()))
		say("LISTEN_FDS=%s LISTEN_FDNAMES=%s", os.Getenv("LISTEN_FDS"), os.Getenv("LISTEN_FDNAMES"))
		for _, a := range args {
			say("%s", hex.EncodeToString([]byte(a)))
		}
		ln, err := net.FileListener(os.NewFile(3, "listen"))
		if err != nil {
			say("fd 3: %v", err)
			return 1
		}
		c, err := ln.Accept()
		if err != nil {
			return 1
		}
		c.Write([]byte("hello"))
		c.Close()
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper %q\n", mode)
	return 2
}

func notifyHelper(say func(string, ...any)) int {
	in := exec.Command(os.Args[0], "intruder")
	in.Stderr = os.Stderr
	if err := in.Run(); err != nil {
		say("intruder: %v", err)
		return 1
	}
	n, err := systemd.NotifierFromEnv(os.Getenv)
	if err != nil {
		say("notifier: %v", err)
		return 1
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 1
	}
	w.Write([]byte("kept"))
	w.Close()
	steps := []error{
		n.Notify(systemd.Status("hello"), systemd.MainPID(1)),
		n.StoreFiles("kept", r),
		n.Notify(systemd.Ready),
	}
	for _, err := range steps {
		if err != nil {
			say("notify: %v", err)
			return 1
		}
	}
	say("notified")
	waitEOF()
	return 0
}

func waitEOF() {
	b := make([]byte, 64)
	for {
		if _, err := os.Stdin.Read(b); err != nil {
			return
		}
	}
}
