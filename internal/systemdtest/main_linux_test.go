package systemdtest

import (
	"bufio"
	"fmt"
	"os"
	"testing"
)

// helperEnv makes the test binary act as a test process that boots an
// instance and is then SIGKILLed (TestInstanceDiesWithTestProcess).
const helperEnv = "SYSTEMDTEST_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "boot-and-hang" {
		bootAndHang()
	}
	os.Exit(m.Run())
}

// bootAndHang boots an instance, prints "PID CGROUP SCRATCH" and waits for
// stdin to close — in the test, for the SIGKILL.
func bootAndHang() {
	h, err := probe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	m := newMachine(h, logf, func() bool { return false })
	if err := m.start(newConfig(nil)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("%d %s %s\n", m.pid, m.cgroup, m.dir)
	bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(3) // not reached in the test: it SIGKILLs us
}
