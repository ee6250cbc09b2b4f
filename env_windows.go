package svc

import (
	"os"
	"runtime"

	"github.com/kardianos/service"
)

// FromProcess describes this process for Detect.
func FromProcess() Env {
	return Env{Getenv: os.Getenv, PID: os.Getpid(), GOOS: runtime.GOOS, WindowsSCM: !service.Interactive()}
}
