package install

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/svcdev/svc/systemd"
)

// Systemd installs a native unit: /etc/systemd/system/NAME.service, or
// with the User scope ~/.config/systemd/user/NAME.service, enabled for
// multi-user.target (default.target for --user). The service is Type=notify
// (`BINARY run` says READY=1) and reloads by SIGHUP to $MAINPID.
// notify-reload would do that natively but needs systemd 253.
type Systemd struct {
	Home string // the user's home directory, for the User scope

	// UnitDir is where a system unit goes; "" is /etc/systemd/system, the
	// admin's. A package stages its unit in the distribution's directory
	// (/lib/systemd/system on Debian 12, /usr/lib/systemd/system on rpm
	// distributions), which the admin's /etc overrides. Enablement links
	// stay in /etc/systemd/system, where systemctl enable makes them.
	UnitDir string
}

// DefaultUnitDir is where a system unit goes when Systemd.UnitDir is empty.
const DefaultUnitDir = "/etc/systemd/system"

func (Systemd) Name() string { return "systemd" }

func (t Systemd) unitPath(s Spec) (string, error) {
	if err := CheckName(s.Name); err != nil {
		return "", err
	}
	if s.Scope != User {
		if err := t.checkUnitDir(s); err != nil {
			return "", err
		}
		return path.Join(t.unitDir(), s.Name+".service"), nil
	}
	if t.UnitDir != "" {
		return "", fmt.Errorf("install: %s: systemd: %w: unit directory %q: only a system unit can be placed (a user unit goes in ~/.config/systemd/user)", s.Name, ErrInvalid, t.UnitDir)
	}
	if !path.IsAbs(t.Home) || strings.ContainsAny(t.Home, "\x00\n") {
		return "", fmt.Errorf("install: %s: systemd: %w: home directory %q: not an absolute path", s.Name, ErrInvalid, t.Home)
	}
	return path.Join(t.Home, ".config/systemd/user", s.Name+".service"), nil
}

func (t Systemd) unitDir() string {
	if t.UnitDir == "" {
		return DefaultUnitDir
	}
	return t.UnitDir
}

func (t Systemd) checkUnitDir(s Spec) error {
	if t.UnitDir == "" {
		return nil
	}
	if err := checkAbs("unit directory", t.UnitDir); err != nil {
		return fmt.Errorf("install: %s: systemd: %w", s.Name, err)
	}
	return nil
}

// wantsLink is the link `systemctl enable` makes: in the admin's
// directory wherever the unit is.
func (t Systemd) wantsLink(s Spec, unitPath string) string {
	if s.Scope == User {
		return path.Join(path.Dir(unitPath), "default.target.wants", s.Name+".service")
	}
	return path.Join(DefaultUnitDir, "multi-user.target.wants", s.Name+".service")
}

// logDir makes a wrapped program's log directory: for a system service
// owned by root, as the manager, which writes the file, is; a user's is
// made by the user who installs it.
func (t Systemd) logDir(s Spec, dir string) Command {
	if s.Scope == User {
		return run("mkdir", "-p", dir)
	}
	return logDirCommand(dir, "root")
}

// systemctl is argv for systemctl in the spec's scope.
func systemctl(s Spec, args ...string) []string {
	argv := []string{"systemctl"}
	if s.Scope == User {
		argv = append(argv, "--user")
	}
	return append(argv, args...)
}

func (t Systemd) Plan(s Spec) (Plan, error) {
	p, err := t.unitPath(s)
	if err != nil {
		return Plan{}, err
	}
	unit, err := SystemdUnit(s)
	if err != nil {
		return Plan{}, err
	}
	unitName := s.Name + ".service"
	var cmds []Command
	if s.Wrapped() && s.LogFile != "" {
		// The manager opens the log (StandardOutput=append:) but makes
		// no directory for it.
		cmds = append(cmds, t.logDir(s, path.Dir(s.LogFile)))
	}
	return Plan{
		Target: t.Name(),
		Files:  []File{{Path: p, Mode: 0o644, Content: unit}},
		Commands: append(cmds,
			runIfChanged(systemctl(s, "daemon-reload")...),
			run(systemctl(s, "enable", unitName)...),
			runIfChanged(systemctl(s, "try-restart", unitName)...),
		),
	}, nil
}

func (t Systemd) Uninstall(s Spec) (Plan, error) {
	p, err := t.unitPath(s)
	if err != nil {
		return Plan{}, err
	}
	unitName := s.Name + ".service"
	return Plan{
		Target: t.Name(),
		Pre:    []Command{runMayFail(systemctl(s, "disable", "--now", unitName)...)},
		// The .wants link too: disable cannot remove it once the unit
		// file is gone, and --root staging runs no systemctl at all.
		Remove: []string{p, t.wantsLink(s, p)},
		Commands: []Command{
			runMayFail(systemctl(s, "daemon-reload")...),
			resetFailed(systemctl(s, "is-failed", "--quiet", unitName), systemctl(s, "reset-failed", unitName)),
		},
	}, nil
}

func (t Systemd) Control(s Spec, v Verb) (Control, error) {
	if err := CheckName(s.Name); err != nil {
		return Control{}, err
	}
	unitName := s.Name + ".service"
	c := Control{Unit: unitName, User: s.Scope == User, Verb: v}
	if v == Status {
		c.Argv = systemctl(s, "show", "--property=LoadState,ActiveState,SubState,Result,MainPID", unitName)
		c.State = systemdState
		return c, nil
	}
	c.Argv = systemctl(s, string(v), unitName)
	return c, nil
}

// systemdState maps a unit's ActiveState (systemd's unit_active_state) to
// LSB codes: only active and reloading are running, as `systemctl status`
// counts them; failed is dead (1), not merely stopped.
func systemdState(exit int, out []byte) State {
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			props[k] = v
		}
	}
	active, sub := props["ActiveState"], props["SubState"]
	detail := active
	if sub != "" {
		detail += " (" + sub + ")"
	}
	if exit != 0 || active == "" {
		return State{Code: StatusUnknown, Word: "unknown", Detail: fmt.Sprintf("systemctl show exit code %d", exit)}
	}
	if props["LoadState"] == "not-found" && active == "inactive" {
		return State{Code: StatusUnknown, Word: "not-installed", Detail: "not-found"}
	}
	switch active {
	case "active":
		return State{Code: StatusRunning, Word: "running", Detail: detail}
	case "reloading":
		return State{Code: StatusRunning, Word: "reloading", Detail: detail}
	case "activating":
		return State{Code: StatusNotRunning, Word: "starting", Detail: detail}
	case "deactivating":
		return State{Code: StatusNotRunning, Word: "stopping", Detail: detail}
	case "failed":
		return State{Code: StatusDead, Word: "failed", Detail: detail + ", result " + props["Result"]}
	case "inactive":
		return State{Code: StatusNotRunning, Word: "stopped", Detail: detail}
	}
	return State{Code: StatusUnknown, Word: "unknown", Detail: detail}
}

// SystemdService builds the unit model for s. A wrapped program (Spec.Exec)
// is Type=exec without a readiness, Type=notify when it speaks sd_notify
// itself or when `BINARY run --ready SPEC --` probes it; its output goes
// to the journal, or appended to the log file (see systemdExec).
func SystemdService(s Spec) (systemd.Service, error) {
	if err := s.Validate(); err != nil {
		return systemd.Service{}, err
	}
	svc := systemd.Service{
		Description:      s.description(),
		Documentation:    s.Documentation,
		Type:             "notify",
		ExecStart:        s.runArgv(),
		ReloadSignal:     "HUP",
		User:             s.User,
		Group:            s.Group,
		WorkingDirectory: s.WorkingDir,
		Restart:          string(s.restart()),
		RestartSec:       s.restartSec(),
		UserUnit:         s.Scope == User,
	}
	if s.Wrapped() {
		if err := systemdExec(&svc, s); err != nil {
			return systemd.Service{}, err
		}
	}
	sb, err := systemdSandbox(s)
	if err != nil {
		return systemd.Service{}, err
	}
	svc.Sandbox = sb
	if s.harden() != HardenOff {
		svc.UMask = "0077" // state and logs are the service's own
	}
	for _, e := range s.Environment {
		svc.Environment = append(svc.Environment, systemd.EnvVar{Name: e.Name, Value: e.Value})
	}
	// A requirement is ordered after too, as LSB Required-Start and
	// OpenRC need imply.
	svc.After = unitNames(s.After, s.Requires)
	svc.Wants = unitNames(s.Wants)
	svc.Requires = unitNames(s.Requires)
	return svc, nil
}

// systemdExec sets how the unit runs a wrapped program. Its log file is
// the manager's StandardOutput=append:, opened before the sandbox and any
// LogsDirectory= exist (systemd issue 27591), so the plan makes its
// directory at install time (Systemd.Plan) and the program needs no write
// access to it. Reload is Spec.ReloadSignal to the main process (which
// `svc run` forwards to the program), or none: systemctl reload then
// refuses ("job type reload is not applicable") instead of killing a
// program that does not handle SIGHUP.
func systemdExec(svc *systemd.Service, s Spec) error {
	svc.ReloadSignal = s.ReloadSignal
	direct := append([]string{s.Exec}, s.Args...)
	switch s.readiness() {
	case readyNone:
		svc.Type, svc.ExecStart = "exec", direct
	case readyNotify:
		svc.Type, svc.NotifyAccess, svc.ExecStart = "notify", "main", direct
	default:
		if err := s.needRunner("systemd", "run --ready"); err != nil {
			return err
		}
		svc.Type = "notify"
		svc.ExecStart = append([]string{s.Binary, "run", "--ready", s.Ready.String(), "--"}, direct...)
	}
	if s.LogFile != "" {
		svc.StandardOutput = "append:" + s.LogFile
		svc.StandardError = "append:" + s.LogFile
	}
	return nil
}

// unitNames maps dependencies to unit names, dropping repeats.
func unitNames(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, d := range l {
			if n := unitName(d); !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// SystemdUnit renders the unit file for s.
func SystemdUnit(s Spec) ([]byte, error) {
	svc, err := SystemdService(s)
	if err != nil {
		return nil, err
	}
	u, err := svc.Unit()
	if err != nil {
		return nil, fmt.Errorf("install: %s: %w", s.Name, err)
	}
	var b bytes.Buffer
	if _, err := u.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("install: %s: %w", s.Name, err)
	}
	return b.Bytes(), nil
}

// resetFailed runs reset (systemctl reset-failed) only if check
// (systemctl is-failed) says the unit failed: an uninstalled unit that
// did not fail is gone after daemon-reload, and reset-failed would print
// an error about it.
func resetFailed(check, reset []string) Command {
	return Command{Argv: reset, MayFail: true, If: check}
}
