package classic

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/classic/pidfile"
	"github.com/svcdev/svc/internal/proctest"
	"github.com/svcdev/svc/systemd"
)

// helloFlag makes this test binary a daemon that says hello on a notify
// address, makes a pidfile, says so on stdout and waits to be killed.
const helloFlag = "-classic.hello-then-pidfile"

func helloThenPIDFile(addr, path string) int {
	n, err := systemd.NewNotifier(addr)
	if err == nil {
		err = n.Notify("X_SVC_NAME=test")
	}
	if err == nil {
		_, err = pidfile.Create(path)
	}
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ready")
	select {}
}

// TestAbortFindsUnnamedDaemon: the launcher aborts after the middle died
// without naming the daemon, which had made its pidfile before the kill
// reached it. The daemon's hello names it: the launcher waits for its end
// and removes the pidfile it left.
func TestAbortFindsUnnamedDaemon(t *testing.T) {
	fd, addr, err := listenNotify()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	path := filepath.Join(t.TempDir(), "d.pid")
	d := exec.Command(os.Args[0], helloFlag, addr, path)
	out, _ := d.StdoutPipe()
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		d.Process.Kill()
		t.Fatalf("daemon said %q", line)
	}
	w := &watch{o: Options{PIDFile: path}, notify: fd, pidfd: -1}
	if err := w.readNotify(); err != nil {
		t.Fatal(err)
	}
	d.Process.Kill() // as the kill of the middle's group would
	go d.Wait()
	w.awaitUnnamed(time.Now().Add(10 * time.Second))
	if !proctest.WaitGone(d.Process.Pid, 0) {
		t.Errorf("awaitUnnamed returned before the daemon's end")
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("pidfile of the unnamed daemon left behind: %v", err)
	}
}
