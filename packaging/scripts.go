package packaging

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
)

// Service is what the maintainer scripts manage.
type Service struct {
	Name       string      // package name
	Unit       string      // systemd unit the package ships ("svc.service"); "" for none
	InitScript string      // basename of the script in /etc/init.d; "" for none
	User       string      // system account the service runs as; "" for root
	Group      string      // its primary group (the deb makes one named like User)
	Gecos      string      // the account's comment
	State      []StatePath // removed on purge
}

// StatePath is a file or directory that exists because the package is
// installed: made by postinst (Create: a directory, e.g. for logs) or by
// the service at run time (its pidfile, its log), and removed on purge.
type StatePath struct {
	Path   string
	Create bool        // postinst makes it as a directory
	Mode   fs.FileMode // for Create
	Owner  string      // for Create; "" leaves it root's
	Group  string
}

// Scripts are a package's rendered maintainer scripts; "" means none.
type Scripts struct {
	PreInstall, PostInstall, PreRemove, PostRemove string
}

//go:embed scripts/*.tmpl
var scriptFS embed.FS

var scriptTmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"sh":    shQuote,
	"octal": func(m fs.FileMode) string { return fmt.Sprintf("%04o", uint32(m.Perm())) },
}).ParseFS(scriptFS, "scripts/*.tmpl"))

// DebScripts renders the postinst, prerm and postrm of the deb.
func DebScripts(s Service) (Scripts, error) {
	if err := s.validate(); err != nil {
		return Scripts{}, err
	}
	var out Scripts
	var err error
	for _, r := range []struct {
		dst  *string
		name string
	}{
		{&out.PostInstall, "deb-postinst.tmpl"},
		{&out.PreRemove, "deb-prerm.tmpl"},
		{&out.PostRemove, "deb-postrm.tmpl"},
	} {
		if *r.dst, err = renderScript(r.name, s); err != nil {
			return Scripts{}, err
		}
	}
	return out, nil
}

// RPMScripts renders %pre, %post, %preun and %postun of the rpm. The rpm
// needs a systemd unit: its distributions have no LSB init to fall back on.
func RPMScripts(s Service) (Scripts, error) {
	if err := s.validate(); err != nil {
		return Scripts{}, err
	}
	if s.Unit == "" {
		return Scripts{}, fmt.Errorf("packaging: %s: the rpm needs a systemd unit", s.Name)
	}
	var out Scripts
	var err error
	for _, r := range []struct {
		dst  *string
		name string
	}{
		{&out.PreInstall, "rpm-pre.tmpl"},
		{&out.PostInstall, "rpm-post.tmpl"},
		{&out.PreRemove, "rpm-preun.tmpl"},
		{&out.PostRemove, "rpm-postun.tmpl"},
	} {
		if *r.dst, err = renderScript(r.name, s); err != nil {
			return Scripts{}, err
		}
	}
	return out, nil
}

func renderScript(name string, s Service) (string, error) {
	var b bytes.Buffer
	data := struct {
		Service
		InitScriptPath string
	}{s, "/etc/init.d/" + s.InitScript}
	if err := scriptTmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("packaging: %s: render %s: %w", s.Name, name, err)
	}
	return b.String(), nil
}

// shQuote quotes s for sh(1) when it holds anything but plain word
// characters. Values are validated first; quoting is the second fence.
func shQuote(s string) string {
	if s != "" && strings.Trim(s, shPlain) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

const shPlain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-"
