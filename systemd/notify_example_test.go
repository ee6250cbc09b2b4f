package systemd_test

import (
	"fmt"
	"time"

	"github.com/svcdev/svc/systemd"
)

// One datagram may carry several assignments; RELOADING=1 must travel with
// MONOTONIC_USEC for Type=notify-reload.
func ExampleMessage() {
	msg, err := systemd.Message(systemd.Status("cannot bind\n:80"), systemd.Errno(98))
	fmt.Printf("%q %v\n", msg, err)
	_, err = systemd.Message(systemd.FDStore, systemd.FDName("a:b"))
	fmt.Println(err)
	// Output:
	// "STATUS=cannot bind :80\nERRNO=98" <nil>
	// systemd: fd name "a:b": byte 0x3a at 1 not allowed (printable ASCII but ':')
}

func ExampleExtendTimeout() {
	fmt.Println(systemd.ExtendTimeout(90 * time.Second))
	fmt.Println(systemd.WatchdogTimeout(1500 * time.Millisecond))
	// Output:
	// EXTEND_TIMEOUT_USEC=90000000
	// WATCHDOG_USEC=1500000
}

func ExampleParseListenEnv() {
	env := map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "http:metrics"}
	le, err := systemd.ParseListenEnv(func(k string) string { return env[k] }, 42)
	fmt.Println(le.FDs, le.Names, err)
	// Output: 2 [http metrics] <nil>
}
