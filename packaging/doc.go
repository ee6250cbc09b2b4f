// Package packaging builds the deb and rpm of svc with nfpm
// (github.com/goreleaser/nfpm), from the very files the installer writes:
// `svc install --root STAGING --init systemd` and `--init sysv` render the
// unit and the LSB init script into a staging tree, and that tree becomes
// the package's payload, so a packaged svc and `svc install` never drift.
//
// The staging flags (InstallArgs) make the service run the packaged
// /usr/bin/svc as the system user svc: the reference service needs no
// privilege (an unprivileged port, no state), a static system account
// works for both the unit (User=) and the SysV script (svc start --classic
// --user), which DynamicUser= would not, and the classic daemon opens its
// pidfile and log before it drops to it. postinst (adduser --system) and
// the rpm's %pre (useradd -r) create the account; purge keeps it, as
// Debian does, since files may still carry its uid. Under SysV the service
// logs to /var/log/svc (made by postinst, removed on purge); under systemd
// to the journal.
//
// What the package adds around the staged files:
//
//   - maintainer scripts (scripts/*.tmpl), written out by hand as debhelper
//     13's dh_installsystemd and dh_installinit would generate them (there
//     is no debhelper here): enable and start on install through
//     deb-systemd-helper/deb-systemd-invoke, or update-rc.d/invoke-rc.d
//     where the init is not systemd; restart on upgrade; stop on remove;
//     on purge, undo the enablement and remove what the service made at
//     run time. The rpm's are the %systemd_post, %systemd_preun and
//     %systemd_postun_with_restart macros written out. Debian policy
//     chapter 6 and 9.3 (https://www.debian.org/doc/debian-policy/) and
//     https://docs.fedoraproject.org/en-US/packaging-guidelines/Scriptlets/;
//   - a man page generated from the binary's own `svc help` and
//     `svc COMMAND -h`, so it cannot describe flags the binary lacks;
//   - /usr/share/doc/NAME/copyright (DEP-5) and the changelog (changelog.yml
//     in goreleaser/chglog's format, which nfpm turns into
//     changelog.Debian.gz and the rpm %changelog). The changelog's newest
//     entry is the package version, as debian/changelog is for dpkg.
//
// The deb carries the unit in /lib/systemd/system (package-owned, staged
// there by `svc install --unit-dir`; the admin's /etc/systemd/system
// overrides it) and the init script in /etc/init.d as a
// conffile. The rpm carries only the unit, in /usr/lib/systemd/system: rpm
// distributions boot systemd, and their /etc/init.d is a symlink owned by
// another package.
//
// Rendering scripts, the man page and the nfpm description is pure; Make
// (the `make package` entry, cmd/mkpkg) runs `go build` and the built svc.
package packaging
