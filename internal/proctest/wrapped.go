package proctest

import (
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Wrapped is a test binary's stand-in for a program that knows nothing
// of svc, for the tests of svc start --classic -- PROG and the like. Call
// it first in TestMain: if os.Args are `BINARY FLAG MODE ARGS` it plays
// MODE and never returns. In every mode each SIGHUP prints "hup N" on
// stdout. The modes:
//
//	wait                 run until killed
//	serve ADDR DELAY     listen on ADDR after DELAY, say so on stderr
//	notify DELAY         STATUS=, then READY=1 after DELAY, from our own pid (NOTIFY_SOCKET)
//	notify-child         a child says READY=1 (not our pid); we wait
//	notify-fail          STATUS= and ERRNO=, a line on stderr, exit 4
//	fail CODE TEXT       TEXT on stderr, exit CODE
//	say CODE             hostile and too many lines on stderr, then exit CODE (-1: wait)
func Wrapped(flag string) {
	if len(os.Args) < 3 || os.Args[1] != flag {
		return
	}
	args := os.Args[3:]
	hups := make(chan os.Signal, 8)
	signal.Notify(hups, syscall.SIGHUP)
	go func() {
		for n := 1; ; n++ {
			<-hups
			os.Stdout.WriteString("hup " + strconv.Itoa(n) + "\n")
		}
	}()
	notify := func(msg string) {
		c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: os.Getenv("NOTIFY_SOCKET"), Net: "unixgram"})
		if err != nil {
			os.Stderr.WriteString("notify: " + err.Error() + "\n")
			os.Exit(6)
		}
		c.Write([]byte(msg))
		c.Close()
	}
	switch os.Args[2] {
	case "serve":
		d, _ := time.ParseDuration(args[1])
		time.Sleep(d)
		l, err := net.Listen("tcp", args[0])
		if err != nil {
			os.Stderr.WriteString("listen: " + err.Error() + "\n")
			os.Exit(5)
		}
		os.Stderr.WriteString("listening on " + args[0] + "\n")
		for {
			if c, err := l.Accept(); err == nil {
				c.Close()
			}
		}
	case "notify":
		notify("STATUS=warming up")
		d, _ := time.ParseDuration(strings.Join(args, ""))
		time.Sleep(d)
		notify("READY=1\nSTATUS=serving")
	case "notify-as-child":
		notify("READY=1")
		os.Exit(0)
	case "notify-child":
		notify("STATUS=waiting for my child")
		exec.Command(os.Args[0], flag, "notify-as-child").Run()
	case "notify-fail":
		notify("STATUS=cannot load the model\nERRNO=2")
		os.Stderr.WriteString("model.bin: no such file\n")
		os.Exit(4)
	case "fail":
		code, _ := strconv.Atoi(args[0])
		os.Stderr.WriteString(args[1] + "\n")
		os.Exit(code)
	case "say":
		var b strings.Builder
		b.WriteString(strings.Repeat("x", 5000) + "\n") // past 4 KiB: cut
		for i := range 30 {                             // past 20 lines: cut
			b.WriteString("line " + strings.Repeat("=", i) + "\n")
		}
		b.WriteString("tab\there, CR\r, DEL\x7f, ESC\x1b[31m, NUL\x00, C1 \u0085, bad \xff\xfe, overlong \xc0\xaf, surrogate \xed\xa0\x80\n")
		b.WriteString("U+FFFD \uFFFD, emoji \U0001F600, cut \xe2\x82\n\n\n")
		os.Stderr.WriteString(b.String())
		if args[0] == "-1" {
			select {}
		}
		code, _ := strconv.Atoi(args[0])
		os.Exit(code)
	}
	select {}
}
