package install

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Evidence is one marker DetectInit looked at, in the order it looked.
type Evidence struct {
	Marker  string // "/run/systemd/system"
	Value   string // what was found; "" when absent
	Matched bool
	Init    string // the init system it would select
}

func (e Evidence) String() string {
	v, mark := e.Value, "no "
	if v == "" {
		v = "(absent)"
	}
	if e.Matched {
		mark = "YES"
	}
	return fmt.Sprintf("%s %-22s %-30s -> %s", mark, e.Marker, v, e.Init)
}

// Detection is the init system DetectInit chose ("" if none) and why.
type Detection struct {
	Init     string
	Evidence []Evidence
}

// Explain renders the detection for `svc detect --explain`.
func (d Detection) Explain() string {
	var b strings.Builder
	init := d.Init
	if init == "" {
		init = "none (pass --init)"
	}
	fmt.Fprintf(&b, "init: %s\n", init)
	for _, e := range d.Evidence {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	return b.String()
}

// pid1Inits maps /proc/1/comm to the init system it runs.
var pid1Inits = map[string]string{
	"systemd":     "systemd",
	"openrc-init": "openrc",
	"init":        "sysv",
	"launchd":     "launchd",
}

// DetectInit finds the init system of the host whose root is root ("/"
// for this one), from the markers the init systems themselves use:
// darwin means launchd; /run/systemd/system is sd_booted(3)'s test;
// /run/openrc/softlevel is what openrc-run checks before it runs; last,
// the name of PID 1 (a plain "init" is SysV when /etc/init.d exists).
func DetectInit(root, goos string) Detection {
	var d Detection
	add := func(marker, value string, ok bool, init string) {
		d.Evidence = append(d.Evidence, Evidence{Marker: marker, Value: value, Matched: ok, Init: init})
		if ok && d.Init == "" {
			d.Init = init
		}
	}
	add("GOOS", goos, goos == "darwin", "launchd")
	isDir := func(p string) bool {
		fi, err := os.Stat(filepath.Join(root, p))
		return err == nil && fi.IsDir()
	}
	exists := func(p string) bool {
		_, err := os.Stat(filepath.Join(root, p))
		return err == nil
	}
	sd := isDir("/run/systemd/system")
	add("/run/systemd/system", present(sd, "directory"), sd, "systemd")
	orc := exists("/run/openrc/softlevel")
	add("/run/openrc/softlevel", present(orc, "exists"), orc, "openrc")

	comm := readComm(filepath.Join(root, "/proc/1/comm"))
	init := pid1Inits[comm]
	if init == "sysv" && !isDir("/etc/init.d") {
		init = ""
	}
	want := init
	if want == "" {
		want = "(unknown init)"
	}
	add("/proc/1/comm", comm, init != "", want)
	return d
}

func present(ok bool, what string) string {
	if ok {
		return what
	}
	return ""
}

func readComm(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	return strings.TrimSpace(sc.Text())
}
