package packaging

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/svcdev/svc/install"
)

// Inits are the init systems the deb carries files for, staged in this
// order by `svc install --root ROOT --init INIT`.
var Inits = []string{"systemd", "sysv"}

// SysVLog is where the packaged service logs under SysV init; under
// systemd it logs to the journal.
const SysVLog = "/var/log/" + Name + "/" + Name + ".log"

// InstallArgs are the `svc install` flags the package is staged with for
// init (besides --root and --init): the service runs the packaged binary
// as the svc system user, which postinst creates; the unit goes in the
// package's directory (the admin's /etc/systemd/system overrides it, never
// edits it) and names the shipped man page.
func InstallArgs(init string) []string {
	args := []string{"--name", Name, "--binary", "/usr/bin/" + Name, "--run-as", Name, "--group", Name}
	switch init {
	case "systemd":
		args = append(args, "--unit-dir", strings.TrimSuffix(debUnitDir, "/"), "--doc", "man:"+Name+"(1)")
	case "sysv":
		args = append(args, "--log", SysVLog)
	}
	return args
}

// StageWithInstaller stages the package's files the way a user installs
// svc: bin (ROOT/usr/bin/svc) runs `install --root ROOT --init INIT
// InstallArgs(INIT)` for each of Inits.
func StageWithInstaller(ctx context.Context, bin, root string) error {
	for _, init := range Inits {
		args := append([]string{"install", "--root", root, "--init", init}, InstallArgs(init)...)
		cmd := exec.CommandContext(ctx, bin, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("packaging: %s %s: %w\n%s", bin, strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// collect lists the regular files under root as the package's payload.
// Files below /etc are conffiles (Debian policy 10.7.2). Symlinks are
// enablement (*.wants/, rc?.d/): the maintainer scripts do that on the
// target, so the package ships none; any other link is an error.
func collect(root string) ([]File, error) {
	var out []File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		dst := "/" + filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			if isEnablement(dst) {
				return nil
			}
			return fmt.Errorf("packaging: staged %s: a symlink that is not enablement", dst)
		case !d.Type().IsRegular():
			return fmt.Errorf("packaging: staged %s: not a regular file", dst)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, File{Src: p, Dst: dst, Mode: fi.Mode().Perm(),
			Conffile: strings.HasPrefix(dst, "/etc/")})
		return nil
	})
	return out, err
}

func isEnablement(dst string) bool {
	dir := path.Dir(dst)
	return strings.HasSuffix(dir, ".wants") || strings.HasSuffix(dir, ".requires") ||
		(strings.HasPrefix(dir, "/etc/rc") && strings.HasSuffix(dir, ".d"))
}

// service reads the maintainer scripts' subject from the payload: the
// unit in /lib/systemd/system, the script in /etc/init.d, and the account
// the unit runs as (User=, Group=), which the package must create.
func service(files []File) (Service, error) {
	s := Service{Name: Name, Gecos: Name + " service"}
	for _, f := range files {
		switch dir, base := path.Split(f.Dst); {
		case dir == debUnitDir && strings.HasSuffix(base, ".service"):
			if s.Unit != "" {
				return s, fmt.Errorf("packaging: two units staged: %s and %s", s.Unit, base)
			}
			s.Unit = base
			user, group, err := unitAccount(f.Src)
			if err != nil {
				return s, err
			}
			s.User, s.Group = user, group
		case dir == "/etc/init.d/":
			s.InitScript = base
			// The classic daemon removes its pidfile when it stops; one
			// left by a SIGKILL goes on purge.
			s.State = append(s.State, StatePath{Path: install.PIDFile(Name)})
		}
		logs, err := logFiles(f.Src)
		if err != nil {
			return s, err
		}
		for _, l := range logs {
			s.State = appendState(s.State, l)
		}
	}
	if s.User != "" && s.Group == "" {
		s.Group = s.User // adduser --group and useradd make one of that name
	}
	if s.User == "root" {
		s.User, s.Group = "", ""
	}
	for i, st := range s.State {
		if st.Create && s.User != "" {
			// Debian's log directories: the daemon writes, adm reads.
			s.State[i].Owner, s.State[i].Group = s.User, "adm"
		}
	}
	return s, nil
}

// logFiles finds the `--log FILE` the installer passed to the service in
// a staged unit or script: logs go on purge (Debian policy 10.8).
func logFiles(name string) ([]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(data, 0) >= 0 {
		// A binary (usr/bin/svc): its strings are messages, not a command
		// line ("give --log FILE to see it").
		return nil, nil
	}
	var logs []string
	words := strings.Fields(string(data))
	for i := 0; i+1 < len(words); i++ {
		if strings.Trim(words[i], `'"`) == "--log" {
			logs = append(logs, strings.Trim(words[i+1], `'"`))
		}
	}
	return logs, nil
}

// appendState adds a log file to purge: its own directory below /var/log
// when it has one (made by postinst), else the file and its rotations.
func appendState(st []StatePath, log string) []StatePath {
	p := StatePath{Path: log}
	if d := path.Dir(log); d != "/var/log" {
		p = StatePath{Path: d, Create: true, Mode: 0o750}
	}
	for _, have := range st {
		if have.Path == p.Path {
			return st
		}
	}
	return append(st, p)
}

// unitAccount reads User= and Group= from a unit's [Service] section.
func unitAccount(unit string) (user, group string, err error) {
	data, err := os.ReadFile(unit)
	if err != nil {
		return "", "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section != "[Service]" {
			continue
		}
		switch strings.TrimSpace(k) {
		case "User":
			user = strings.TrimSpace(v)
		case "Group":
			group = strings.TrimSpace(v)
		}
	}
	return user, group, sc.Err()
}

// archOf names the GOARCH the binary was built for, which nfpm maps to
// the deb and rpm architecture names.
func archOf(bin string) (string, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return "", fmt.Errorf("packaging: %w", err)
	}
	defer f.Close()
	arch, ok := map[elf.Machine]string{
		elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_386: "386",
		elf.EM_RISCV: "riscv64", elf.EM_S390: "s390x", elf.EM_PPC64: "ppc64le",
	}[f.Machine]
	if !ok {
		return "", fmt.Errorf("packaging: %s: no package architecture for ELF machine %v", bin, f.Machine)
	}
	return arch, nil
}
