// Command testsummary runs `go test -json ...`, prints what plain
// `go test` would (each package's result line, and the whole output of a
// test that failed), then one line saying which real-init suites ran and
// which were skipped, and why. A skipped real-init test passes, so without
// that line `make test` on a machine without root or systemd looks as
// green as one that booted every init system.
//
//	go run ./internal/testsummary go test -json -count=1 ./...
//
// It exits with the test command's status.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testsummary go test -json [FLAGS] [PACKAGES]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	r := newReport(os.Stdout)
	readEvents(out, r)
	err = cmd.Wait()
	fmt.Println(r.summary())
	if ee, ok := err.(*exec.ExitError); ok {
		os.Exit(ee.ExitCode())
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
}

// readEvents feeds each line of test2json output to r; a line that is not
// an event (a build tool's own message) is printed as it is.
func readEvents(in io.Reader, r *report) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		r.line(sc.Bytes())
	}
}
