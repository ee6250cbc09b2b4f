// Package install turns a service description (Spec) into what an init
// system needs, in three steps kept apart so each can be read and tested:
//
//   - a Target (systemd, SysV, OpenRC, launchd) renders a Spec into a Plan:
//     files with their content and mode, symlinks, and the argv of each
//     command to run. Rendering is pure and builds on every GOOS, so every
//     renderer is golden-tested on Linux;
//   - Plan.String is what `svc install --dry-run` prints;
//   - Apply carries a Plan out: each file is written to a temp file in its
//     directory, fsynced and renamed (a half-written unit never exists),
//     and the commands run only when no Root is given (packagers stage into
//     a directory and run nothing).
//
// Uninstall has its own Plan: stop, disable, remove every file and link the
// install made, reload. Control gives the argv that start, stop, restart,
// reload and query an installed service through its init system, and
// State maps the init system's answer to LSB status codes.
//
// A Spec with Exec wraps a program that knows nothing of svc (`svc install
// --exec`): systemd runs it directly (Type=exec, or Type=notify for one
// that speaks sd_notify) or through `svc run --ready` for a probe; the
// SysV and OpenRC scripts start it through `svc start --classic ... --
// PROG`, so their start returns only once it is ready; launchd runs it as
// the job and, having no readiness, refuses one (see wrap.go).
//
// Every target confines the service as far as its init can (Spec.Harden
// and the named opt-outs): systemd gets a sandbox scored near 1 by
// systemd-analyze security (UnitExposure scores a unit offline), SysV and
// OpenRC a umask, no_new_privs and the service's own directories.
//
// Windows services go through the service control manager instead
// (WindowsInstall, github.com/kardianos/service).
//
// DetectInit picks the host's init from real markers (/run/systemd/system,
// /run/openrc/softlevel, /proc/1/comm, GOOS), with the evidence it looked
// at, for `svc detect --explain`.
//
// References: systemd.service(5); the LSB 5.0 core spec, "Init Script
// Actions" and "Comment Conventions for Init Scripts"; openrc-run(8) and
// supervise-daemon(8); launchd.plist(5) and launchctl(1).
package install
