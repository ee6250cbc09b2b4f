package install

import (
	"fmt"
	"strings"
)

// WindowsConfig is the part of a Spec the Windows service control manager
// takes (through github.com/kardianos/service): it has no log file, group
// or restart delay, and the binary is a Windows path.
type WindowsConfig struct {
	Name, Description, Binary, User, WorkingDir string
	Args                                        []string // after `BINARY run`
	Env                                         map[string]string
	Dependencies                                []string
}

// windowsConfig checks s for Windows and converts it.
func windowsConfig(s Spec) (WindowsConfig, error) {
	if err := CheckName(s.Name); err != nil {
		return WindowsConfig{}, err
	}
	if s.Scope == User {
		return WindowsConfig{}, fmt.Errorf("install: %s: windows: %w", s.Name, ErrUnsupportedScope)
	}
	if s.Wrapped() {
		return WindowsConfig{}, fmt.Errorf("install: %s: windows: %w: a wrapped program (--exec): the service control manager runs only programs that speak its protocol", s.Name, ErrInvalid)
	}
	if s.Group != "" || s.LogFile != "" {
		return WindowsConfig{}, fmt.Errorf("install: %s: windows: %w: a group or a log file cannot be set for a Windows service", s.Name, ErrInvalid)
	}
	// Validate the rest with a Unix stand-in for the binary path.
	u := s
	u.Binary, u.WorkingDir = "/bin", ""
	if err := u.Validate(); err != nil {
		return WindowsConfig{}, err
	}
	if s.Binary == "" || strings.ContainsAny(s.Binary, "\x00\n\"") {
		return WindowsConfig{}, fmt.Errorf("install: %s: windows: %w: binary %q", s.Name, ErrInvalid, s.Binary)
	}
	c := WindowsConfig{Name: s.Name, Description: s.description(), Binary: s.Binary,
		User: s.User, WorkingDir: s.WorkingDir, Args: s.runArgs()}
	if len(s.Environment) > 0 {
		c.Env = map[string]string{}
		for _, e := range s.Environment {
			c.Env[e.Name] = e.Value
		}
	}
	c.Dependencies = append(append(c.Dependencies, s.Requires...), s.After...)
	return c, nil
}
