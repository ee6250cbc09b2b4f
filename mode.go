package svc

import (
	"fmt"
	"strconv"
	"strings"
)

// Mode is how the service runs. The zero Mode is ModeAuto.
type Mode string

// Modes. Classic is never detected: it is asked for (svc start --classic)
// and reached through package classic's hand-off.
const (
	ModeAuto       Mode = ""
	ModeForeground Mode = "foreground"
	ModeSystemd    Mode = "systemd"
	ModeLaunchd    Mode = "launchd"
	ModeContainer  Mode = "container"
	ModeWindows    Mode = "windows"
	ModeClassic    Mode = "classic"
)

// ParseMode accepts the names used by --mode and SVC_MODE; "auto" and ""
// give ModeAuto.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.TrimSpace(s)); m {
	case "auto", ModeAuto:
		return ModeAuto, nil
	case ModeForeground, ModeSystemd, ModeLaunchd, ModeContainer, ModeWindows, ModeClassic:
		return m, nil
	}
	return ModeAuto, fmt.Errorf("svc: unknown mode %q (want auto, foreground, systemd, launchd, container, windows or classic)", s)
}

func (m Mode) String() string {
	if m == ModeAuto {
		return "auto"
	}
	return string(m)
}

// Env is what detection looks at. FromProcess fills it from this process;
// tests build one by hand.
type Env struct {
	Getenv       func(string) string
	PID          int
	GOOS         string
	StderrDevIno string // "dev:ino" of fd 2, "" if unknown
	StderrIsTTY  bool
	WindowsSCM   bool // running under the Windows service control manager
	ParentName   string
}

// Evidence is one fact Detect looked at, in the order it looked.
type Evidence struct {
	Name    string // e.g. "NOTIFY_SOCKET"
	Value   string // what was seen; "" when absent
	Matched bool   // whether it points to Mode
	Mode    Mode   // the mode it would select
}

func (e Evidence) String() string {
	v := e.Value
	if v == "" {
		v = "(absent)"
	}
	mark := "no "
	if e.Matched {
		mark = "YES"
	}
	return fmt.Sprintf("%s %-16s %-40s -> %s", mark, e.Name, v, e.Mode)
}

// Detection is the chosen mode and the evidence behind it.
type Detection struct {
	Mode     Mode
	Evidence []Evidence
}

// Detect picks the mode from env, in the order of docs/contract.md: explicit mode
// (want, then SVC_MODE), systemd markers, launchd, the Windows SCM, PID 1,
// then plain foreground. An invalid SVC_MODE is an error, not a guess.
func Detect(env Env, want Mode) (Detection, error) {
	var d Detection
	add := func(name, val string, ok bool, m Mode) bool {
		d.Evidence = append(d.Evidence, Evidence{Name: name, Value: val, Matched: ok, Mode: m})
		if ok && d.Mode == ModeAuto {
			d.Mode = m
		}
		return ok
	}
	get := env.Getenv
	if get == nil {
		get = func(string) string { return "" }
	}
	if add("--mode", modeValue(want), want != ModeAuto, want) {
		return d, nil
	}
	if s := get("SVC_MODE"); s != "" {
		m, err := ParseMode(s)
		if err != nil {
			return d, fmt.Errorf("svc: SVC_MODE: %w", err)
		}
		if add("SVC_MODE", s, m != ModeAuto, m) {
			return d, nil
		}
	}
	ns := get("NOTIFY_SOCKET")
	add("NOTIFY_SOCKET", ns, ns != "", ModeSystemd)
	inv := get("INVOCATION_ID")
	add("INVOCATION_ID", inv, inv != "", ModeSystemd)
	lp := get("LISTEN_PID")
	add("LISTEN_PID", lp, lp != "" && lp == strconv.Itoa(env.PID), ModeSystemd)
	js := get("JOURNAL_STREAM")
	add("JOURNAL_STREAM", js, js != "" && js == env.StderrDevIno, ModeSystemd)
	xpc := get("XPC_SERVICE_NAME")
	add("XPC_SERVICE_NAME", xpc, env.GOOS == "darwin" && xpc != "" && xpc != "0", ModeLaunchd)
	if env.GOOS == "darwin" {
		add("parent process", env.ParentName, env.ParentName == "launchd", ModeLaunchd)
	}
	if env.GOOS == "windows" {
		add("windows SCM", strconv.FormatBool(env.WindowsSCM), env.WindowsSCM, ModeWindows)
	}
	add("pid", strconv.Itoa(env.PID), env.PID == 1, ModeContainer)
	add("stderr tty", strconv.FormatBool(env.StderrIsTTY), env.StderrIsTTY, ModeForeground)
	if d.Mode == ModeAuto {
		d.Mode = ModeForeground
	}
	return d, nil
}

func modeValue(m Mode) string {
	if m == ModeAuto {
		return ""
	}
	return string(m)
}

// Explain renders the detection for `svc detect --explain`.
func (d Detection) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mode: %s\n", d.Mode)
	for _, e := range d.Evidence {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	return b.String()
}
