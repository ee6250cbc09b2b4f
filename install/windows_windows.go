//go:build windows

package install

import (
	"errors"
	"fmt"

	"github.com/kardianos/service"
)

// nop satisfies service.Interface: installing needs a Service value, but
// this process never runs as the service.
type nop struct{}

func (nop) Start(service.Service) error { return nil }
func (nop) Stop(service.Service) error  { return nil }

func windowsService(s Spec) (service.Service, error) {
	c, err := windowsConfig(s)
	if err != nil {
		return nil, err
	}
	svc, err := service.New(nop{}, &service.Config{
		Name: c.Name, DisplayName: c.Name, Description: c.Description,
		Executable: c.Binary, Arguments: c.Args, UserName: c.User,
		WorkingDirectory: c.WorkingDir, EnvVars: c.Env, Dependencies: c.Dependencies,
		Option: service.KeyValue{"StartType": "automatic", "OnFailure": "restart"},
	})
	if err != nil {
		return nil, fmt.Errorf("install: %s: windows: %w", s.Name, err)
	}
	return svc, nil
}

// WindowsInstall registers s with the service control manager.
func WindowsInstall(s Spec) error {
	svc, err := windowsService(s)
	if err != nil {
		return err
	}
	if err := svc.Install(); err != nil {
		return fmt.Errorf("install: %s: windows: %w", s.Name, err)
	}
	return nil
}

// WindowsUninstall stops and removes s; a service that is not installed
// is no error.
func WindowsUninstall(s Spec) error {
	svc, err := windowsService(s)
	if err != nil {
		return err
	}
	if _, err := svc.Status(); errors.Is(err, service.ErrNotInstalled) {
		return nil
	}
	_ = svc.Stop() // stopping a stopped service fails; removal is what matters
	if err := svc.Uninstall(); err != nil {
		return fmt.Errorf("install: %s: windows: %w", s.Name, err)
	}
	return nil
}

// WindowsControl runs v on the installed service.
func WindowsControl(s Spec, v Verb) (State, error) {
	svc, err := windowsService(s)
	if err != nil {
		return State{}, err
	}
	switch v {
	case Start:
		err = svc.Start()
	case Stop:
		err = svc.Stop()
	case Restart:
		err = svc.Restart()
	case Reload:
		err = fmt.Errorf("install: %s: windows: reload: %w", s.Name, errors.ErrUnsupported)
	case Status:
		st, err := svc.Status()
		switch {
		case errors.Is(err, service.ErrNotInstalled):
			return State{Code: StatusUnknown, Word: "not-installed"}, nil
		case err != nil:
			return State{Code: StatusUnknown, Word: "unknown", Detail: err.Error()}, nil
		case st == service.StatusRunning:
			return State{Code: StatusRunning, Word: "running"}, nil
		case st == service.StatusStopped:
			return State{Code: StatusNotRunning, Word: "stopped"}, nil
		}
		return State{Code: StatusUnknown, Word: "unknown"}, nil
	}
	return State{}, err
}
