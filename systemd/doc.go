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
// github.com/coreos/go-systemd/v22 is the protocol layer where it does the
// job: activation.Files(false) takes socket-activated fds. svc keeps its
// own code only where go-systemd is wrong for it:
//   - notify: daemon.SdNotify reads only $NOTIFY_SOCKET (the classic
//     launcher's socket is passed explicitly), cannot pass fds (FDSTORE=1),
//     and with unset=true unsets NOTIFY_SOCKET process-wide;
//   - listeners: activation.Listeners and ListenersWithNames call
//     Files(true), unsetting LISTEN_* before mode detection reads them;
//   - journal: journal.Send writes only to the fixed journald socket (no
//     address to test against), takes fields as an unordered map, and
//     prints to stderr on a bad field name;
//   - unit files: unit.Serialize writes values verbatim (a "\n" adds a
//     directive).
//
// Specs: https://www.freedesktop.org/software/systemd/man/sd_notify.html,
// https://www.freedesktop.org/software/systemd/man/sd_listen_fds.html,
// https://systemd.io/JOURNAL_NATIVE_PROTOCOL/,
// https://www.freedesktop.org/software/systemd/man/systemd.syntax.html.
package systemd
