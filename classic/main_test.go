//go:build linux

package classic

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/svcdev/svc/systemd"
)

// The test binary plays every role of the launch protocol: a test calls
// Daemonize (the launcher), which re-executes this binary with
// helperFlag=MODE and the Options as JSON; TestMain sees them and calls
// Daemonize again as the middle, then as the daemon, which behaves as MODE
// says.
const (
	helperFlag = "-classic.helper="
	optsFlag   = "-classic.opts="
)

// Helper daemon behaviours.
const (
	modeReady  = "ready"  // READY=1, then serve until SIGTERM
	modeFail   = "fail"   // STATUS=, ERRNO=EADDRINUSE, exit 3
	modeHang   = "hang"   // never READY
	modeCrash  = "crash"  // killed by SIGKILL before READY
	modeSilent = "silent" // exit 0 before READY, saying nothing
	// Daemons for Stop and Signal: READY=1, then
	modePlain    = "plain"    // SIGTERM kills it (default action): its pidfile stays
	modeStubborn = "stubborn" // SIGTERM ignored: only SIGKILL ends it
	modeHup      = "hup"      // a line "hup" in its log per SIGHUP; SIGTERM ends it
)

func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == helloFlag {
		os.Exit(helloThenPIDFile(os.Args[2], os.Args[3]))
	}
	if mode, opts, ok := helperArgs(os.Args[1:]); ok {
		os.Exit(helper(mode, opts))
	}
	os.Exit(m.Run())
}

// helperOptions returns o set up to re-run this binary in mode.
func helperOptions(t testing.TB, mode string, o Options) Options {
	t.Helper()
	o.Args = nil
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Args = []string{"-test.run=^$", helperFlag + mode, optsFlag + string(b)}
	return o
}

func helperArgs(args []string) (mode string, o Options, ok bool) {
	var js string
	for _, a := range args {
		if v, found := strings.CutPrefix(a, helperFlag); found {
			mode, ok = v, true
		}
		if v, found := strings.CutPrefix(a, optsFlag); found {
			js = v
		}
	}
	if ok {
		if err := json.Unmarshal([]byte(js), &o); err != nil {
			fmt.Fprintln(os.Stderr, "helper options:", err)
			os.Exit(2)
		}
		o.Args = args
	}
	return mode, o, ok
}

// helper is the middle or daemon process.
func helper(mode string, o Options) int {
	d, _, err := Daemonize(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	if d == nil {
		fmt.Fprintln(os.Stderr, "helper: Daemonize returned no daemon outside the launcher")
		return 1
	}
	defer d.Close()
	n, err := systemd.NewNotifier(d.NotifySocket())
	if err != nil {
		return 1
	}
	switch mode {
	case modeFail:
		n.Notify(systemd.Status("listen tcp 127.0.0.1:1: bind: address already in use"), systemd.Errno(int(syscall.EADDRINUSE)))
		return 3
	case modeHang:
		select {}
	case modeCrash:
		// No Close: the launcher must clean up the pidfile.
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	case modeSilent:
		return 0
	}
	switch mode {
	case modePlain:
		n.Notify(systemd.Ready)
		select {}
	case modeStubborn:
		signal.Ignore(syscall.SIGTERM)
		n.Notify(systemd.Ready)
		select {}
	}
	fmt.Println("daemon stdout")
	fmt.Fprintln(os.Stderr, "daemon stderr")
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	n.Notify(systemd.Ready)
	for sig := range sigs {
		if sig == syscall.SIGTERM {
			break
		}
		fmt.Println("hup")
	}
	return 0
}
