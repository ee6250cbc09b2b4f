package install

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Host is what a Target needs to know about the machine it installs on.
// FromHost fills it; tests build one by hand.
type Host struct {
	Root    string // "" or "/" for this machine; a staging dir for packagers
	UnitDir string // Systemd.UnitDir: a package's unit directory, "" for /etc/systemd/system
	GOOS    string
	Home    string // the user's home, for the User scope
	UID     int
	Enable  Enabler // how SysV scripts are enabled
	Systemd bool    // PID 1 is systemd (/run/systemd/system)
}

// FromHost describes this machine, with root as the install root.
func FromHost(root string) Host {
	h := Host{Root: root, GOOS: runtime.GOOS, UID: os.Getuid()}
	h.Home, _ = os.UserHomeDir()
	switch {
	case lookPath("update-rc.d"):
		h.Enable = EnableUpdateRCD
	case lookPath("chkconfig"):
		h.Enable = EnableChkconfig
	}
	fi, err := os.Stat("/run/systemd/system")
	h.Systemd = err == nil && fi.IsDir()
	return h
}

// lookPath also searches the sbin directories, which a user's PATH often
// lacks.
func lookPath(name string) bool {
	if _, err := exec.LookPath(name); err == nil {
		return true
	}
	for _, d := range []string{"/usr/sbin", "/sbin"} {
		if fi, err := os.Stat(filepath.Join(d, name)); err == nil && fi.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

// ErrNoInit is returned when no init system was named or detected.
var ErrNoInit = errors.New("install: no init system detected (pass --init systemd, sysv, openrc or launchd)")

// ErrNoUnitDir is returned by NewTarget for a Host with a UnitDir and a
// target that has no unit directory (anything but systemd).
var ErrNoUnitDir = errors.New("only systemd has a unit directory")

// NewTarget returns the Target called name for h.
func (h Host) NewTarget(name string) (Target, error) {
	t, err := h.newTarget(name)
	if err == nil && h.UnitDir != "" && name != "systemd" {
		return nil, fmt.Errorf("install: %s: unit directory %q: %w", name, h.UnitDir, ErrNoUnitDir)
	}
	return t, err
}

func (h Host) newTarget(name string) (Target, error) {
	switch name {
	case "systemd":
		return Systemd{Home: h.Home, UnitDir: h.UnitDir}, nil
	case "sysv":
		return SysV{Enable: h.Enable, Systemd: h.Systemd}, nil
	case "openrc":
		return OpenRC{}, nil
	case "launchd":
		return Launchd{Home: h.Home, UID: h.UID}, nil
	case "", "auto":
		return nil, ErrNoInit
	}
	return nil, fmt.Errorf("install: unknown init system %q (want auto, systemd, sysv, openrc or launchd)", name)
}

// Installed returns the target whose files for s are present under
// h.Root, or nil. An /etc/init.d script is OpenRC's when it runs under
// openrc-run, SysV's otherwise.
func (h Host) Installed(s Spec) Target {
	for _, name := range Targets() {
		t, err := h.NewTarget(name)
		if err != nil {
			continue
		}
		p, err := t.Uninstall(s)
		if err != nil || len(p.Remove) == 0 {
			continue
		}
		main := filepath.Join(h.root(), p.Remove[0])
		if _, err := os.Lstat(main); err != nil {
			continue
		}
		if name == "sysv" || name == "openrc" {
			if openrcScript(main) != (name == "openrc") {
				continue
			}
		}
		return t
	}
	return nil
}

func (h Host) root() string {
	if h.Root == "" {
		return "/"
	}
	return h.Root
}

func openrcScript(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	return sc.Text() == "#!/sbin/openrc-run"
}
