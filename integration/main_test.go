package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// svcBin is the svc binary under test, built once by TestMain from this
// tree's cmd/svc; bootWithSvc installs it in each instance.
var svcBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "svc-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	svcBin = filepath.Join(dir, "svc")
	// `go test` puts its own toolchain first in PATH.
	build := exec.Command("go", "build", "-o", svcBin, "github.com/svcdev/svc/cmd/svc")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: go build cmd/svc: %v\n", err)
		return 1
	}
	return m.Run()
}
