package svc

import (
	"fmt"
	"os"
	"testing"
)

// helperEnv selects what the re-executed test binary does instead of
// running tests, as golang/go's os/exec tests do.
const helperEnv = "SVC_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "detect":
		d, err := Detect(FromProcess(), ModeAuto)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Print(d.Explain())
	case "env":
		// What a program the service starts inherits.
		for _, k := range notifyEnv {
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		}
	default:
		fmt.Println("unknown helper", os.Getenv(helperEnv))
		os.Exit(2)
	}
	os.Exit(0)
}
