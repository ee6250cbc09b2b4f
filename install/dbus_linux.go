package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
)

// viaDBus carries out c through the service manager's D-Bus API (go-systemd's
// dbus package) and returns the verb's exit code. ok is false when no bus
// could be reached: then the caller runs c.Argv (systemctl), which has its
// own ways in (a polkit agent, for one).
//
// For start, stop, restart and reload it waits for the job and reports its
// result; a job that did not finish "done" is explained on stderr (the
// unit's state and Result=, the service's status text, the last journal
// lines), as `systemctl start` only points at `journalctl -xeu`. For status
// it writes the properties systemdState reads to stdout.
func (c Control) viaDBus(ctx context.Context, stdout, stderr io.Writer) (code int, ok bool) {
	conn, err := managerBus(ctx, c.User)
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	if c.Verb == Status {
		writeUnitState(ctx, conn, c.Unit, stdout)
		return 0, true
	}
	jobs := map[Verb]func(context.Context, string, string, chan<- string) (int, error){
		Start: conn.StartUnitContext, Stop: conn.StopUnitContext,
		Restart: conn.RestartUnitContext, Reload: conn.ReloadUnitContext,
	}
	job := jobs[c.Verb]
	if job == nil {
		return 0, false
	}
	done := make(chan string, 1)
	if _, err := job(ctx, c.Unit, "replace", done); err != nil {
		fmt.Fprintf(stderr, "%s %s: %v\n", c.Verb, c.Unit, err)
		var de dbus.Error
		if errors.As(err, &de) && (de.Name == "org.freedesktop.systemd1.NoSuchUnit" || de.Name == "org.freedesktop.systemd1.LoadFailed") {
			return lsbNotInstalled, true
		}
		return 1, true
	}
	select {
	case result := <-done:
		if result == "done" {
			return 0, true
		}
		explainJob(ctx, conn, c, result, stderr)
	case <-ctx.Done():
		fmt.Fprintf(stderr, "%s %s: %v (the job goes on)\n", c.Verb, c.Unit, ctx.Err())
	}
	return 1, true
}

// lsbNotInstalled is LSB's "program is not installed", systemctl's exit
// code for a unit that does not exist.
const lsbNotInstalled = 5

// managerBus connects to the manager c is for, the way systemctl does: as
// root, the system manager's private socket (no dbus-daemon needed); for
// the User scope, the user manager's private socket in $XDG_RUNTIME_DIR;
// otherwise the system bus, where polkit decides.
func managerBus(ctx context.Context, user bool) (*sdbus.Conn, error) {
	if user {
		dir := os.Getenv("XDG_RUNTIME_DIR")
		if dir == "" {
			return nil, errors.New("install: XDG_RUNTIME_DIR is not set")
		}
		return sdbus.NewConnection(func() (*dbus.Conn, error) {
			return dialPrivate(ctx, dir+"/systemd/private")
		})
	}
	if os.Geteuid() == 0 {
		return sdbus.NewSystemdConnectionContext(ctx)
	}
	return sdbus.NewSystemConnectionContext(ctx)
}

// dialPrivate opens a direct (peer-to-peer, no Hello) connection to a
// manager's private socket at path, authenticated by our uid.
func dialPrivate(ctx context.Context, path string) (*dbus.Conn, error) {
	conn, err := dbus.Dial("unix:path="+dbusAddrEscape(path), dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// dbusAddrEscape escapes a value for a D-Bus address (D-Bus specification,
// "Server Addresses"): every byte but [-0-9A-Za-z_/.\*] as %XX.
func dbusAddrEscape(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("-_/.\\*", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// unitState reads what status and a failed job's explanation need: the
// unit's LoadState, ActiveState and SubState, and (for a service that
// exists) its Result, MainPID and StatusText. One Get each: GetAll of the
// Unit and Service interfaces sends some 300 properties, and decoding
// them cost more than the rest of `svc status`.
func unitState(ctx context.Context, conn *sdbus.Conn, unit string) map[string]string {
	st := map[string]string{}
	for _, k := range []string{"LoadState", "ActiveState", "SubState"} {
		p, err := conn.GetUnitPropertyContext(ctx, unit, k)
		if err != nil {
			return st
		}
		if v, ok := p.Value.Value().(string); ok {
			st[k] = v
		}
	}
	if st["LoadState"] == "not-found" {
		return st
	}
	for _, k := range []string{"Result", "MainPID", "StatusText"} {
		p, err := conn.GetServicePropertyContext(ctx, unit, k)
		if err != nil {
			return st
		}
		st[k] = fmt.Sprint(p.Value.Value())
	}
	return st
}

// writeUnitState writes the unit's state as `systemctl show` would (one
// KEY=value a line), for systemdState. A unit the bus cannot describe
// writes nothing, which systemdState reads as unknown.
func writeUnitState(ctx context.Context, conn *sdbus.Conn, unit string, w io.Writer) {
	st := unitState(ctx, conn, unit)
	for _, k := range []string{"LoadState", "ActiveState", "SubState", "Result", "MainPID"} {
		if v, ok := st[k]; ok && !strings.ContainsAny(v, "\n") {
			fmt.Fprintf(w, "%s=%s\n", k, v)
		}
	}
}

// explainJob says why a job did not finish "done": the job's result, the
// unit's state and Result=, the service's last status text and the last
// lines it logged.
func explainJob(ctx context.Context, conn *sdbus.Conn, c Control, result string, stderr io.Writer) {
	st := unitState(ctx, conn, c.Unit)
	fmt.Fprintf(stderr, "%s %s: job %s; unit %s (%s)", c.Verb, c.Unit, result, st["ActiveState"], st["SubState"])
	if r := st["Result"]; r != "" && r != "success" {
		fmt.Fprintf(stderr, ", result %s", r)
	}
	fmt.Fprintln(stderr)
	if s := st["StatusText"]; s != "" {
		fmt.Fprintf(stderr, "status: %s\n", s)
	}
	if lines := journalTail(ctx, c); len(lines) > 0 {
		fmt.Fprintf(stderr, "last lines of its journal:\n%s", lines)
	}
}

// journalTail is the unit's last journal lines, indented, or nothing
// when journalctl cannot say.
func journalTail(ctx context.Context, c Control) []byte {
	argv := []string{"journalctl", "--no-pager", "--quiet", "--output=short", "--lines=10", "--unit=" + c.Unit}
	if c.User {
		argv = append([]string{"journalctl", "--user"}, argv[1:]...)
	}
	cmd := exec.CommandContext(ctx, resolve(argv[0]), argv[1:]...)
	cmd.Env = commandEnv()
	out, err := cmd.Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return nil
	}
	var b bytes.Buffer
	for _, l := range bytes.SplitAfter(bytes.TrimRight(out, "\n"), []byte("\n")) {
		b.WriteString("  ")
		b.Write(l)
	}
	b.WriteByte('\n')
	return b.Bytes()
}
