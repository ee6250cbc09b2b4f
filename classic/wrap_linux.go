package classic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcdev/svc/ready"
	"github.com/svcdev/svc/systemd"
)

// execProgram is the set-up daemon becoming the wrapped program. The
// pidfile's lock goes with it. The launcher learns that exec happened
// from a pipe whose read end it is sent (X_SVC_EXEC=, SCM_RIGHTS) and
// whose write end closes on exec: EOF means the program runs, a byte
// means exec failed and the reason follows as STATUS=/ERRNO=. It exits
// 127 if the program is missing, 126 if it cannot be run, as a shell does.
func execProgram(n *systemd.Notifier, d *Daemon, o Options) {
	fail := func(err error, code int) {
		d.pidfile.Remove()
		n.Notify(systemd.Failure(reported{err})...)
		os.Exit(code)
	}
	if err := d.pidfile.KeepOnExec(); err != nil {
		fail(err, 1)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		fail(os.NewSyscallError("pipe2", err), 1)
	}
	if err := n.NotifyWithFiles([]int{p[0]}, "X_SVC_EXEC="+o.Exec); err != nil {
		fail(fmt.Errorf("classic: tell the launcher: %w", err), 1)
	}
	unix.Close(p[0])
	notify := ""
	if o.Ready.Kind == ready.Notify {
		notify = d.notify
	}
	env := wrappedEnv(os.Environ(), notify)
	// exec keeps the calling thread's signal mask: the main thread's is
	// empty (package doc), and this keeps us on it.
	runtime.LockOSThread()
	err := syscall.Exec(o.Exec, o.ExecArgs, env)
	unix.Write(p[1], []byte{'!'})
	code := 126
	if errors.Is(err, unix.ENOENT) {
		code = 127
	}
	fail(fmt.Errorf("classic: exec %s: %w", o.Exec, err), code)
}

// Last words: what a wrapped program wrote to its log before it died or
// timed out, shown by the launcher. Bounded: the tail of what it wrote
// since the launch began.
const (
	lastWordsBytes = 4 << 10
	lastWordsLines = 20
)

// logSize is the log's size before the launch: its last words are what
// comes after.
func logSize(path string) int64 {
	if fi, err := os.Stat(path); err == nil {
		return fi.Size()
	}
	return 0
}

// lastWords reads the log from offset and returns its last lines, with
// control characters and invalid UTF-8 escaped so that the program's
// bytes cannot drive the operator's terminal.
func lastWords(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() <= offset {
		return ""
	}
	from := max(offset, fi.Size()-lastWordsBytes)
	b, err := io.ReadAll(io.NewSectionReader(f, from, fi.Size()-from))
	if err != nil {
		return ""
	}
	if from > offset { // cut mid-line: drop the partial first line
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > lastWordsLines {
		lines = lines[len(lines)-lastWordsLines:]
	}
	for i, l := range lines {
		lines[i] = printable(l)
	}
	return strings.Join(lines, "\n")
}

// printable escapes what a terminal would act on: control characters
// other than tab, and invalid UTF-8.
func printable(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 && r != '\t', r == 0x7f, r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const utf8RuneError = '\uFFFD'

// readExec reads exec's pipe, which poll found readable: EOF is the
// program running, a byte exec's failure (its reason and exit follow).
func (w *watch) readExec(deadline time.Time) {
	var b [1]byte
	n, err := unix.Read(w.execFD, b[:])
	if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
		return
	}
	unix.Close(w.execFD)
	w.execFD = -1
	if n > 0 || err != nil {
		w.execFailed = true
		return
	}
	w.execDone = true
	if w.prober != nil && w.probe == nil {
		w.startProbe(deadline)
	}
}

// probeRun is a probe running in its own goroutine until it passes or
// is stopped; it signals an eventfd, which the launcher polls.
type probeRun struct {
	cancel context.CancelFunc
	done   chan error
	err    error
	ended  bool
	ok     bool
}

func (w *watch) startProbe(deadline time.Time) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		w.probe = &probeRun{ended: true, err: os.NewSyscallError("eventfd", err)}
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	p := &probeRun{cancel: cancel, done: make(chan error, 1)}
	w.probe, w.probeFD = p, fd
	go func() {
		p.done <- w.prober.Wait(ctx)
		unix.Write(fd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}()
}

// probeDone takes the probe's outcome once its eventfd is readable.
func (w *watch) probeDone() {
	p := w.probe
	select {
	case err := <-p.done:
		p.ended, p.err, p.ok = true, err, err == nil
		unix.Close(w.probeFD)
		w.probeFD = -1
	default:
	}
}

// stopProbe ends a running probe and returns its last error.
func (w *watch) stopProbe() error {
	p := w.probe
	if p == nil {
		return nil
	}
	if !p.ended {
		p.cancel()
		p.err = <-p.done // each check is bounded by ctx: prompt
		p.ended = true
	}
	if p.cancel != nil {
		p.cancel()
	}
	if w.probeFD >= 0 {
		unix.Close(w.probeFD)
		w.probeFD = -1
	}
	return p.err
}

// isReady is the launch's success: READY=1 from the daemon (svc's own,
// or a wrapped program told to notify), the probe passing, or exec done.
func (w *watch) isReady() bool {
	switch {
	case w.o.Exec == "" || w.o.Ready.Kind == ready.Notify:
		return w.ready
	case w.o.Ready.IsProbe():
		return w.probe != nil && w.probe.ok
	}
	return w.execDone
}
