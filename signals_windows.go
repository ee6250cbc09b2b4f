package svc

import "os"

var (
	stopSignals   = []os.Signal{os.Interrupt}
	reloadSignals []os.Signal
)

func isReload(os.Signal) bool { return false }

func startReaper() func() { return func() {} }
