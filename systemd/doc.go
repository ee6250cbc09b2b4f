// Package systemd speaks systemd's protocols from the service side: the
// sd_notify(3) datagram protocol (readiness, status, reload, watchdog, fd
// store), socket activation (sd_listen_fds(3)), native journald logging, and
// the unit-file format (systemd.syntax(7), systemd.service(5)) with its
// quoting and specifier escaping.
//
// The protocol cores take explicit inputs (a socket address, fds, an
// environment map); the small FromEnv functions read the process environment.
// The same Notifier serves a real systemd and svc's classic mode, whose
// launcher listens on a private socket speaking the same protocol.
//
// Specs: https://www.freedesktop.org/software/systemd/man/sd_notify.html,
// https://www.freedesktop.org/software/systemd/man/sd_listen_fds.html,
// https://systemd.io/JOURNAL_NATIVE_PROTOCOL/,
// https://www.freedesktop.org/software/systemd/man/systemd.syntax.html.
package systemd
