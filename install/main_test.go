package install_test

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// dumpEnv names the file the test binary, run as a service's program,
// writes its argv and environment to, then exits 0: how the conformance
// harnesses see what a real shell hands the service.
const dumpEnv = "SVC_INSTALLTEST_DUMP"

func TestMain(m *testing.M) {
	if out := os.Getenv(dumpEnv); out != "" {
		os.Exit(dump(out))
	}
	os.Exit(m.Run())
}

func dump(out string) int {
	if len(os.Args) > 1 && os.Args[1] == "status" {
		return 3 // LSB: not running, as nothing is
	}
	var b bytes.Buffer
	b.WriteString(strconv.Itoa(len(os.Args)) + "\n")
	for _, a := range os.Args {
		b.WriteString(a + "\x00")
	}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, dumpEnv+"=") {
			b.WriteString(e + "\x00")
		}
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return 1
	}
	return 0
}

// readDump parses what dump wrote.
func readDump(t *testing.T, path string) (argv []string, env map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the service program never ran: %v", err)
	}
	count, rest, _ := bytes.Cut(b, []byte("\n"))
	n, err := strconv.Atoi(string(count))
	if err != nil {
		t.Fatalf("dump %s: %v", path, err)
	}
	fields := bytes.Split(rest, []byte{0})
	if len(fields) < n {
		t.Fatalf("dump %s: %d fields, want at least %d", path, len(fields), n)
	}
	for _, a := range fields[:n] {
		argv = append(argv, string(a))
	}
	env = map[string]string{}
	for _, e := range fields[n:] {
		if k, v, ok := strings.Cut(string(e), "="); ok {
			env[k] = v
		}
	}
	return argv, env
}
