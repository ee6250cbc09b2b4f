package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// svcBin is the svc binary under test, built once by TestMain from this
// tree's cmd/svc; bootWithSvc installs it in each instance. echodBin is
// examples/echod, a program of its own on package cli.
var svcBin, echodBin string

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
	echodBin = filepath.Join(dir, "echod")
	for bin, pkg := range map[string]string{svcBin: "cmd/svc", echodBin: "examples/echod"} {
		// `go test` puts its own toolchain first in PATH.
		build := exec.Command("go", "build", "-o", bin, "github.com/svcdev/svc/"+pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "integration: go build %s: %v\n", pkg, err)
			return 1
		}
	}
	return m.Run()
}
