package packaging

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The svc package: what the installer cannot say about it.
const (
	Name       = "svc"
	maintainer = "svc maintainers <maintainers@svcdev.invalid>"
	homepage   = "https://github.com/svcdev/svc"
	license    = "MIT" // the copyright file has the text (DEP-5 calls it Expat)
	summary    = "Run one service binary correctly under every Unix init"
)

const description = `svc makes one service binary behave correctly under every way a Unix
machine starts services: systemd (sd_notify readiness, watchdog, socket
activation, journald), SysV init scripts (classic daemonization with a
write-locked pidfile and a launcher that returns when the daemon is ready),
OpenRC, launchd and containers.

This package installs the svc command and runs its reference HTTP service
on 127.0.0.1:8080 as a system service, through the systemd unit or the LSB
init script that "svc install" renders.`

//go:embed copyright
var copyrightText []byte

//go:embed lintian-overrides
var lintianOverrides []byte

// manDescription and manSections are the man page's prose around the
// commands the binary lists itself.
var manDescription = append(strings.Split(description, "\n\n"),
	"Each command prints its flags with \"svc COMMAND -h\".")

var manSections = []Section{
	{"EXIT STATUS", []string{
		"0 on success, 1 on failure, 2 on a usage error.",
		"status uses the LSB codes: 0 running, 1 dead but the pidfile exists, 3 not running, 4 unknown.",
	}},
	{"FILES", []string{
		"/lib/systemd/system/svc.service: the systemd unit (override it in /etc/systemd/system).",
		"/etc/init.d/svc: the LSB init script, used where the init is not systemd.",
	}},
	{"SEE ALSO", []string{"systemctl(1), systemd.service(5), daemon(7), sd_notify(3), invoke-rc.d(8), update-rc.d(8)"}},
}

// describe turns the staged root into the svc Package: the installer's
// files plus the man page, copyright and (rpm) preset, and the Service the
// maintainer scripts manage, read from what the installer wrote.
func describe(ctx context.Context, root, bin string, v Version, changelog, work string) (Package, error) {
	fs, err := collect(root)
	if err != nil {
		return Package{}, err
	}
	svc, err := service(fs)
	if err != nil {
		return Package{}, err
	}
	arch, err := archOf(bin)
	if err != nil {
		return Package{}, err
	}
	extra, err := docFiles(ctx, bin, v, work)
	if err != nil {
		return Package{}, err
	}
	p := Package{
		Service:     svc,
		Version:     v.Upstream,
		Release:     v.Release,
		Arch:        arch,
		Maintainer:  maintainer,
		Summary:     summary,
		Description: description,
		Homepage:    homepage,
		License:     license,
		Changelog:   changelog,
		MTime:       v.Date,
		Files:       append(fs, extra...),
	}
	p.PreDepends = []string{
		// invoke-rc.d --skip-systemd-native came with 1.54; lintian asks
		// for Pre-Depends since prerm runs it before Depends are sure.
		"init-system-helpers (>= 1.54~)",
	}
	p.Depends = map[Format][]string{}
	if glibc, err := glibcVersion(bin); err != nil {
		return Package{}, err
	} else if glibc != "" {
		// cgo (classic/prestart) links libc; dpkg-shlibdeps would say so.
		p.Depends[Deb] = append(p.Depends[Deb], "libc6 (>= "+glibc+")")
		p.Depends[RPM] = append(p.Depends[RPM], "glibc >= "+glibc)
	}
	if p.User != "" {
		p.Depends[Deb] = append(p.Depends[Deb], "adduser")
		p.Depends[RPM] = append(p.Depends[RPM], "shadow-utils") // useradd in %pre
	}
	if p.Unit == "" {
		return Package{}, fmt.Errorf("packaging: the staging tree %s has no systemd unit", root)
	}
	return p, nil
}

// docFiles writes the man page, copyright and rpm preset into work.
func docFiles(ctx context.Context, bin string, v Version, work string) ([]File, error) {
	help, err := ReadHelp(ctx, bin)
	if err != nil {
		return nil, err
	}
	page := Page{Version: v.Upstream, Date: v.Date, Synopsis: summary,
		Description: manDescription, Sections: manSections}
	man := filepath.Join(work, Name+".1.gz")
	if err := writeGzip(man, ManPage(help, page)); err != nil {
		return nil, err
	}
	cp := filepath.Join(work, "copyright")
	overrides := filepath.Join(work, "lintian-overrides")
	if err := os.WriteFile(overrides, lintianOverrides, 0o644); err != nil {
		return nil, err
	}
	preset := filepath.Join(work, "90-"+Name+".preset")
	if err := os.WriteFile(cp, copyrightText, 0o644); err != nil {
		return nil, err
	}
	// The rpm's %systemd_post applies presets; this one enables the unit
	// unless the admin's presets (in /etc) say otherwise.
	if err := os.WriteFile(preset, []byte("enable "+Name+".service\n"), 0o644); err != nil {
		return nil, err
	}
	return []File{
		{Src: man, Dst: "/usr/share/man/man1/" + Name + ".1.gz", Mode: 0o644, RPMFlag: RPMDoc},
		{Src: cp, Dst: "/usr/share/doc/" + Name + "/copyright", Mode: 0o644, RPMFlag: RPMLicense},
		{Src: overrides, Dst: "/usr/share/lintian/overrides/" + Name, Mode: 0o644, Only: Deb},
		{Src: preset, Dst: "/usr/lib/systemd/system-preset/90-" + Name + ".preset", Mode: 0o644, Only: RPM},
	}, nil
}
