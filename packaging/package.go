package packaging

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/rpm"
)

// Format is a package format Build writes.
type Format string

const (
	Deb Format = "deb"
	RPM Format = "rpm"
)

// Package is one package to build: the service its scripts manage, the
// control fields, and the files.
type Package struct {
	Service
	Version     string // upstream version, "0.1.0"
	Release     string // packaging revision, "1"
	Arch        string // GOARCH
	Maintainer  string // "Name <address>"
	Summary     string // one line
	Description string // the extended description; blank lines part paragraphs
	Homepage    string
	License     string    // SPDX-ish name for the rpm; the deb has the copyright file
	Changelog   string    // path of a changelog.yml (goreleaser/chglog)
	MTime       time.Time // every file's mtime, for reproducible packages
	Depends     map[Format][]string
	PreDepends  []string // deb only
	Files       []File
}

// File is one file of the payload.
type File struct {
	Only     Format      // the one format that carries it; "" for all
	Src      string      // on disk
	Dst      string      // absolute path on the target
	Mode     fs.FileMode // permission bits
	Conffile bool        // deb conffile, rpm %config(noreplace)
	RPMFlag  RPMFlag     // rpm %doc or %license; the deb has no such flag
}

// RPMFlag marks an rpm file as documentation: rpm -qd lists it, and
// --excludedocs (install_weak_deps-less containers) leaves %doc out.
type RPMFlag string

// RPM file flags.
const (
	RPMDoc     RPMFlag = files.TypeRPMDoc
	RPMLicense RPMFlag = files.TypeRPMLicense
)

// Debian 12 (bookworm) still ships units below /lib; rpm distributions use
// %{_unitdir}. The deb is the reference layout (the installer's --root).
const (
	debUnitDir = "/lib/systemd/system/"
	rpmUnitDir = "/usr/lib/systemd/system/"
)

// Build writes p as a format package into dir and returns its path. work
// is a scratch directory for the rendered maintainer scripts.
func Build(p Package, format Format, dir, work string) (string, error) {
	info, err := p.info(format, work)
	if err != nil {
		return "", err
	}
	var pkgr nfpm.Packager
	switch format {
	case Deb:
		pkgr = deb.Default
	case RPM:
		pkgr = rpm.DefaultRPM
	default:
		return "", fmt.Errorf("packaging: format %q: %w", format, errors.ErrUnsupported)
	}
	out := filepath.Join(dir, pkgr.ConventionalFileName(info))
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if err := pkgr.Package(info, f); err != nil {
		f.Close()
		os.Remove(out)
		return "", fmt.Errorf("packaging: %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(out)
		return "", err
	}
	return out, nil
}

// info is the nfpm description of p for format. Scripts are written into
// work, because nfpm reads them from files.
func (p Package) info(format Format, work string) (*nfpm.Info, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var sc Scripts
	var err error
	contents, err := p.contents(format)
	if err != nil {
		return nil, err
	}
	if format == RPM {
		sc, err = RPMScripts(p.Service)
	} else {
		sc, err = DebScripts(p.Service)
	}
	if err != nil {
		return nil, err
	}
	scripts, err := writeScripts(sc, filepath.Join(work, string(format)))
	if err != nil {
		return nil, err
	}
	info := &nfpm.Info{
		Name:        p.Name,
		Arch:        p.Arch,
		Platform:    "linux",
		Version:     p.Version,
		Release:     p.Release,
		Section:     "admin",
		Priority:    "optional",
		Maintainer:  p.Maintainer,
		Description: p.Summary + "\n" + p.Description,
		Vendor:      p.Maintainer,
		Homepage:    p.Homepage,
		License:     p.License,
		Changelog:   p.Changelog,
		MTime:       p.MTime,
		Overridables: nfpm.Overridables{
			Depends:  p.Depends[format],
			Contents: contents,
			Scripts:  scripts,
			RPM:      nfpm.RPM{Summary: p.Summary, Group: "System Environment/Daemons"},
			Deb:      nfpm.Deb{Predepends: p.PreDepends},
		},
	}
	// VersionSchema "none": the version is the changelog's, taken as is.
	info.VersionSchema = "none"
	return nfpm.WithDefaults(info), nil
}

func (p Package) validate() error {
	if err := p.Service.validate(); err != nil {
		return err
	}
	for what, v := range map[string]string{"version": p.Version, "release": p.Release} {
		if !versionPart.MatchString(v) {
			return invalid(what, v, "want a digit, then [0-9a-z.~+]")
		}
	}
	if strings.ContainsAny(p.Summary+p.Maintainer+p.Homepage+p.License, "\n\r") {
		return invalid("control field", p.Summary, "one line only")
	}
	return nil
}

// contents maps p.Files to nfpm's. The rpm takes the unit from %{_unitdir}
// and leaves out /etc/init.d (see doc.go).
func (p Package) contents(format Format) (files.Contents, error) {
	var cs files.Contents
	for _, f := range p.Files {
		if f.Only != "" && f.Only != format {
			continue
		}
		dst := f.Dst
		if !path.IsAbs(dst) || path.Clean(dst) != dst {
			return nil, invalid("destination", dst, "want a clean absolute path")
		}
		if format == RPM {
			if strings.HasPrefix(dst, "/etc/init.d/") {
				continue
			}
			if rest, ok := strings.CutPrefix(dst, debUnitDir); ok {
				dst = rpmUnitDir + rest
			}
			// %license files live apart from %doc (Fedora's
			// %{_licensedir}), so --excludedocs keeps them.
			if rest, ok := strings.CutPrefix(dst, "/usr/share/doc/"); ok && f.RPMFlag == RPMLicense {
				dst = "/usr/share/licenses/" + rest
			}
		}
		c := &files.Content{
			Source:      f.Src,
			Destination: dst,
			FileInfo:    &files.ContentFileInfo{Mode: f.Mode, MTime: p.MTime},
		}
		if format == RPM && f.RPMFlag != "" {
			c.Type = string(f.RPMFlag)
		}
		if f.Conffile {
			c.Type = files.TypeConfigNoReplace
			if format == Deb {
				c.Type = files.TypeConfig // every deb conffile keeps local edits
			}
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// writeScripts puts the non-empty scripts into dir as files for nfpm.
func writeScripts(sc Scripts, dir string) (nfpm.Scripts, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nfpm.Scripts{}, err
	}
	var out nfpm.Scripts
	for _, s := range []struct {
		name, text string
		dst        *string
	}{
		{"preinst", sc.PreInstall, &out.PreInstall},
		{"postinst", sc.PostInstall, &out.PostInstall},
		{"prerm", sc.PreRemove, &out.PreRemove},
		{"postrm", sc.PostRemove, &out.PostRemove},
	} {
		if s.text == "" {
			continue
		}
		name := filepath.Join(dir, s.name)
		if err := os.WriteFile(name, []byte(s.text), 0o755); err != nil {
			return nfpm.Scripts{}, err
		}
		*s.dst = name
	}
	return out, nil
}
