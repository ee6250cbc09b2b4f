package systemdtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// host is what Boot needs from the host, found once per process.
type host struct {
	systemd string // the systemd binary
	cgroup2 string // where the host mounts its cgroup2 hierarchy
	unshare string
	nsenter string
	sh      string
}

var (
	probeOnce   sync.Once
	probedHost  host
	probeReason error // why the host cannot run an instance; nil if it can
)

func probe() (host, error) {
	probeOnce.Do(func() { probedHost, probeReason = probeHost() })
	return probedHost, probeReason
}

// insidePATH is the PATH of the setup script and of commands run inside.
const insidePATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func probeHost() (host, error) {
	var h host
	if os.Geteuid() != 0 {
		return h, errors.New("needs root (namespaces, mounts, cgroups); run the tests as root")
	}
	if !hasCapSysAdmin() {
		return h, errors.New("needs CAP_SYS_ADMIN (an unprivileged container?)")
	}
	for _, p := range []string{"/usr/lib/systemd/systemd", "/lib/systemd/systemd"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			h.systemd = p
			break
		}
	}
	if h.systemd == "" {
		return h, errors.New("no systemd binary (/usr/lib/systemd/systemd); apt-get install systemd")
	}
	var err error
	if h.cgroup2, err = cgroup2Mount(); err != nil {
		return h, err
	}
	if !hasOverlayfs() {
		return h, errors.New("no overlayfs in this kernel (/proc/filesystems)")
	}
	tools := map[string]*string{"unshare": &h.unshare, "nsenter": &h.nsenter, "sh": &h.sh}
	for _, name := range []string{"unshare", "nsenter", "sh", "setpriv", "mount", "umount", "pivot_root", "systemctl"} {
		p, err := lookTool(name)
		if err != nil {
			return h, fmt.Errorf("no %s in PATH or %s; apt-get install util-linux mount systemd", name, insidePATH)
		}
		if dst := tools[name]; dst != nil {
			*dst = p
		}
	}
	// --wdns (util-linux 2.38) sets the working directory inside the
	// mount namespace; without it a command would keep a host directory as
	// its cwd.
	help, _ := exec.Command(h.nsenter, "--help").Output()
	if !bytes.Contains(help, []byte("--wdns")) {
		return h, errors.New("nsenter lacks --wdns (util-linux 2.38 or later needed)")
	}
	return h, nil
}

// lookTool finds name in PATH or in the standard directories (the test's
// PATH often lacks the sbin directories).
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return filepath.Abs(p)
	}
	for _, d := range filepath.SplitList(insidePATH) {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// cgroup2Mount returns the first cgroup2 mount point: /sys/fs/cgroup on a
// unified host, /sys/fs/cgroup/unified on a hybrid one.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields := strings.Fields(pre)
		if !ok || len(fields) < 5 || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		return unescapeMountinfo(fields[4]), nil
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no cgroup2 hierarchy mounted (need a unified or hybrid cgroup host)")
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hasOverlayfs() bool {
	b, err := os.ReadFile("/proc/filesystems")
	if err == nil && bytes.Contains(b, []byte("\toverlay\n")) {
		return true
	}
	// Not loaded yet: mount(2) loads the module on demand.
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	_, err = os.Stat(filepath.Join("/lib/modules", unix.ByteSliceToString(u.Release[:]), "kernel/fs/overlayfs"))
	return err == nil
}

func hasCapSysAdmin() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<unix.CAP_SYS_ADMIN) != 0
		}
	}
	return false
}
