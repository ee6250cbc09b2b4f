package svc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/svcdev/svc"
)

// A whole service: bind, say READY, serve until SIGTERM/SIGINT. Under
// systemd READY=1 releases `systemctl start`; under `svc start --classic` it
// releases the launcher; a bind error reaches either as STATUS=/ERRNO=.
// (Here a client stops the service after one request, so the example runs.)
func ExampleRun() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	reload := func(context.Context) error { return nil } // re-read config on SIGHUP

	err := svc.Run(ctx, svc.Options{Mode: svc.ModeForeground, OnReload: reload},
		func(ctx context.Context, n *svc.Notifier) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprintln(w, "hello")
			})}
			go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
			n.Ready()
			go func() { get("http://" + ln.Addr().String()); stop() }()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	if err != nil {
		log.Fatal(err)
	}
	// Output: hello
}

func get(url string) {
	resp, err := http.Get(url)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
}

// Detect explains its choice; `svc detect --explain` prints the same.
func ExampleDetect() {
	env := map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify", "INVOCATION_ID": "5f0c..."}
	d, err := svc.Detect(svc.Env{Getenv: func(k string) string { return env[k] }, PID: 812, GOOS: "linux"}, svc.ModeAuto)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(d.Explain())
	// Output:
	// mode: systemd
	//   no  --mode           (absent)                                 -> auto
	//   YES NOTIFY_SOCKET    /run/systemd/notify                      -> systemd
	//   YES INVOCATION_ID    5f0c...                                  -> systemd
	//   no  LISTEN_PID       (absent)                                 -> systemd
	//   no  JOURNAL_STREAM   (absent)                                 -> systemd
	//   no  XPC_SERVICE_NAME (absent)                                 -> launchd
	//   no  pid              812                                      -> container
	//   no  stderr tty       false                                    -> foreground
}

func ExampleParseMode() {
	m, err := svc.ParseMode("systemd")
	fmt.Println(m, err)
	_, err = svc.ParseMode("daemon")
	fmt.Println(err)
	// Output:
	// systemd <nil>
	// svc: unknown mode "daemon" (want auto, foreground, systemd, launchd, container, windows or classic)
}
