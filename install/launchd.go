package install

import (
	"fmt"
	"path"
	"strings"

	"github.com/svcdev/svc/launchd"
	"github.com/svcdev/svc/ready"
)

// Launchd installs a launchd job: a daemon in /Library/LaunchDaemons, or
// with the User scope an agent in ~/Library/LaunchAgents. launchd runs
// `BINARY run` in the foreground (it forbids daemonizing) and restarts it
// as the policy says. The launchctl commands are the modern ones
// (bootstrap, bootout, enable, kickstart); they are rendered on every OS
// but only mean something on darwin.
type Launchd struct {
	Home string // the user's home directory, for the User scope
	UID  int    // the user's uid, for the User scope's gui/UID domain
}

func (Launchd) Name() string { return "launchd" }

func (t Launchd) domain(s Spec) launchd.Domain {
	if s.Scope == User {
		return launchd.GUI(t.UID)
	}
	return launchd.System
}

// plistPath is where the job's plist lives.
func (t Launchd) plistPath(s Spec) (string, error) {
	if err := CheckName(s.Name); err != nil {
		return "", err
	}
	if s.Scope != User {
		return "/Library/LaunchDaemons/" + s.Name + ".plist", nil
	}
	if !path.IsAbs(t.Home) || strings.ContainsAny(t.Home, "\x00\n") {
		return "", fmt.Errorf("install: %s: launchd: %w: home directory %q: not an absolute path", s.Name, ErrInvalid, t.Home)
	}
	return path.Join(t.Home, "Library/LaunchAgents", s.Name+".plist"), nil
}

func (t Launchd) Plan(s Spec) (Plan, error) {
	p, err := t.plistPath(s)
	if err != nil {
		return Plan{}, err
	}
	job, err := t.Job(s)
	if err != nil {
		return Plan{}, err
	}
	data, err := job.Encode()
	if err != nil {
		return Plan{}, fmt.Errorf("install: %w", err)
	}
	d := t.domain(s)
	return Plan{
		Target: t.Name(),
		Files:  []File{{Path: p, Mode: 0o644, Content: data}},
		Commands: []Command{
			// launchd opens the log but makes no directory.
			t.logDir(s, path.Dir(job.StandardOutPath)),
			// A disabled override makes bootstrap fail: clear it first.
			run(launchd.Enable(d, s.Name)...),
			// Reload a changed plist: launchd reads it only at bootstrap.
			{Argv: launchd.Bootout(d, s.Name), IfChanged: true, MayFail: true},
			runIfChanged(launchd.Bootstrap(d, p)...),
		},
	}, nil
}

func (t Launchd) Uninstall(s Spec) (Plan, error) {
	p, err := t.plistPath(s)
	if err != nil {
		return Plan{}, err
	}
	return Plan{
		Target: t.Name(),
		Pre:    []Command{runMayFail(launchd.Bootout(t.domain(s), s.Name)...)},
		Remove: []string{p},
	}, nil
}

func (t Launchd) Control(s Spec, v Verb) (Control, error) {
	p, err := t.plistPath(s)
	if err != nil {
		return Control{}, err
	}
	d := t.domain(s)
	// A stopped job is booted out (stopping it otherwise makes KeepAlive
	// respawn it), so start and restart load it first.
	load := []Command{runMayFail(launchd.Bootstrap(d, p)...)}
	switch v {
	case Start:
		return Control{Before: load, Argv: launchd.Kickstart(d, s.Name, false)}, nil
	case Stop:
		return Control{Argv: launchd.Bootout(d, s.Name)}, nil
	case Restart:
		return Control{Before: load, Argv: launchd.Kickstart(d, s.Name, true)}, nil
	case Reload:
		return Control{Argv: launchd.Kill(d, s.Name, "SIGHUP")}, nil
	case Status:
		return Control{Argv: launchd.Print(d, s.Name), State: launchdState}, nil
	}
	return Control{}, fmt.Errorf("install: %s: launchd: unknown verb %q", s.Name, v)
}

// launchdState maps launchctl print's answer to LSB codes.
func launchdState(exit int, out []byte) State {
	if exit == launchd.PrintNotFound {
		return State{Code: StatusNotRunning, Word: "stopped", Detail: "not loaded"}
	}
	if exit != 0 {
		return State{Code: StatusUnknown, Word: "unknown", Detail: fmt.Sprintf("launchctl print exit code %d", exit)}
	}
	in := launchd.ParsePrint(out)
	switch {
	case in.State == "running":
		return State{Code: StatusRunning, Word: "running", Detail: fmt.Sprintf("pid %d", in.PID)}
	case in.State == "spawn scheduled":
		return State{Code: StatusNotRunning, Word: "starting", Detail: in.State}
	case in.LastExitCode != "" && in.LastExitCode != "0" && in.LastExitCode != "(never exited)":
		return State{Code: StatusDead, Word: "failed", Detail: "last exit code " + in.LastExitCode}
	case in.State != "":
		return State{Code: StatusNotRunning, Word: "stopped", Detail: in.State}
	}
	return State{Code: StatusUnknown, Word: "unknown", Detail: "no state in launchctl print output"}
}

// logPath is where launchd sends the job's stdout and stderr: the
// spec's log file, or the platform's place for logs (Homebrew's
// /usr/local/var/log for a daemon, ~/Library/Logs for an agent).
// Without one, a job's errors go nowhere.
func (t Launchd) logPath(s Spec) (string, error) {
	switch {
	case s.LogFile != "":
		return s.LogFile, nil
	case s.Scope != User:
		return "/usr/local/var/log/" + s.Name + ".log", nil
	}
	p, err := t.plistPath(s) // checks the home directory
	if err != nil {
		return "", err
	}
	return path.Join(path.Dir(path.Dir(p)), "Logs", s.Name+".log"), nil
}

// logDir makes the log's directory: for a daemon, owned by its user; an
// agent's is made by the user who installs it.
func (t Launchd) logDir(s Spec, dir string) Command {
	if s.Scope == User {
		return run("mkdir", "-p", dir)
	}
	return logDirCommand(dir, s.owner())
}

// Job builds the launchd job for s. A wrapped program (Spec.Exec) is the
// job's program itself, with no readiness: launchd has none (kickstart
// returns once the job is spawned), so a Spec.Ready is refused rather than
// promised and dropped; so is a Spec.ReloadSignal, launchd having no
// reload either.
func (t Launchd) Job(s Spec) (*launchd.Job, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	argv := s.runArgv()
	if s.Wrapped() {
		if s.Ready.Kind != ready.None {
			return nil, fmt.Errorf("install: %s: launchd: %w: readiness %q: launchd has no readiness protocol (launchctl kickstart returns once the job is spawned); install without --ready",
				s.Name, ErrInvalid, s.Ready)
		}
		if s.ReloadSignal != "" {
			return nil, fmt.Errorf("install: %s: launchd: %w: reload signal %s: a launchd job has no reload of its own (svc reload sends SIGHUP through launchctl kill); install without --reload-signal",
				s.Name, ErrInvalid, s.ReloadSignal)
		}
		argv = append([]string{s.Exec}, s.Args...)
	}
	log, err := t.logPath(s)
	if err != nil {
		return nil, err
	}
	job := &launchd.Job{
		StandardOutPath:   log,
		StandardErrorPath: log,
		Label:             s.Name,
		ProgramArguments:  argv,
		UserName:          s.User,
		GroupName:         s.Group,
		WorkingDirectory:  s.workingDir(),
		RunAtLoad:         true,
		ThrottleInterval:  int((s.restartSec() + 999e6) / 1e9),
	}
	if len(s.Environment) > 0 {
		job.EnvironmentVariables = map[string]string{}
		for _, e := range s.Environment {
			job.EnvironmentVariables[e.Name] = e.Value
		}
	}
	switch s.restart() {
	case RestartAlways:
		job.KeepAlive = &launchd.KeepAlive{Always: true}
	case RestartOnFailure:
		f := false
		job.KeepAlive = &launchd.KeepAlive{SuccessfulExit: &f}
	}
	if err := job.Validate(); err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	return job, nil
}
