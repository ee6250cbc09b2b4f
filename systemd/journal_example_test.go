package systemd_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/svcdev/svc/systemd"
)

// Under systemd with stderr not connected to the journal, each line's
// sd-daemon(3) prefix carries the level.
func ExamplePrefixHandler() {
	log := slog.New(systemd.NewPrefixHandler(os.Stdout, nil))
	log.Info("ready", "addr", "127.0.0.1:8080")
	log.Error("reload failed", "err", "open /etc/svc.conf: permission denied")
	// Output:
	// <6>msg=ready addr=127.0.0.1:8080
	// <3>msg="reload failed" err="open /etc/svc.conf: permission denied"
}

func ExampleJournalField() {
	fmt.Println(systemd.JournalField("http.status"), systemd.JournalField("_pid"))
	// Output: HTTP_STATUS PID
}

// A value with a newline uses the protocol's binary form: the name, a
// newline, the length as a little-endian uint64, the value.
func ExampleAppendJournalField() {
	b := systemd.AppendJournalField(nil, "PRIORITY", "6")
	b = systemd.AppendJournalField(b, "MESSAGE", "two\nlines")
	fmt.Printf("%q\n", b)
	// Output: "PRIORITY=6\nMESSAGE\n\t\x00\x00\x00\x00\x00\x00\x00two\nlines\n"
}
