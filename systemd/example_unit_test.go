package systemd_test

import (
	"fmt"
	"os"
	"time"

	"github.com/svcdev/svc/systemd"
)

func ExampleQuoteExec() {
	line, err := systemd.QuoteExec([]string{"/usr/bin/svc", "run", "--log", `/var/log/my app/%h $HOME "q".log`})
	if err != nil {
		panic(err)
	}
	fmt.Println("ExecStart=" + line)
	// Output:
	// ExecStart=/usr/bin/svc run --log "/var/log/my app/%%h $$HOME \"q\".log"
}

func ExampleService_Unit() {
	u, err := systemd.Service{
		Description:  "svc reference service",
		After:        []string{"network.target"},
		Type:         "notify",
		ExecStart:    []string{"/usr/bin/svc", "run", "--listen", "127.0.0.1:8080"},
		ReloadSignal: "HUP",
		User:         "svc",
		Environment:  []systemd.EnvVar{{Name: "GREETING", Value: `say "hi" 100%`}},
		WatchdogSec:  30 * time.Second,
	}.Unit()
	if err != nil {
		panic(err)
	}
	u.WriteTo(os.Stdout)
	// Output:
	// [Unit]
	// Description=svc reference service
	// After=network.target
	//
	// [Service]
	// Type=notify
	// User=svc
	// Environment="GREETING=say \"hi\" 100%%"
	// ExecStart=/usr/bin/svc run --listen 127.0.0.1:8080
	// ExecReload=/bin/kill -s HUP $MAINPID
	// Restart=on-failure
	// RestartSec=1s
	// WatchdogSec=30s
	//
	// [Install]
	// WantedBy=multi-user.target
}

func ExampleService_Unit_refused() {
	_, err := systemd.Service{
		Description: "innocent\nExecStartPre=/bin/rm -rf /",
		ExecStart:   []string{"/usr/bin/svc"},
	}.Unit()
	fmt.Println(err)
	// Output:
	// systemd: service: Description: "innocent\nExecStartPre=/bin/rm -rf /" contains a control character
}
