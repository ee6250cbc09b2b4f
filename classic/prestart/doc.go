// Package prestart is the fast path of `svc start --classic` and `svc
// stop --classic` for cgo builds on Linux: the launcher and the middle
// process of package classic's launch protocol, and the stop, done in C
// in an ELF constructor that runs before the Go runtime starts (the
// technique of runc's nsexec).
//
// Every Go process start costs several milliseconds (runtime and package
// init of a binary that links net/http). The pure-Go launch pays three:
// launcher, middle and daemon. Here the constructor itself is the
// launcher: it binds the notify socket, forks the middle (setsid), which
// forks the daemon; the launcher and the middle never enter Go and
// _exit, while the daemon returns from the constructor and becomes a
// fresh Go process, with default signal dispositions, an empty signal
// mask, no descriptor above 2 and stdin on /dev/null. So only the daemon
// pays a Go start, as under start-stop-daemon.
//
// The constructor acts only when argv is `PROG start ... --classic ...`
// with flags it fully understands and Go would accept, and
// SVC_CLASSIC_HANDOFF is unset; anything else (-h, an unknown flag, a bad
// --timeout, a missing --pidfile) falls through to Go, which does it all
// or reports the error. The launcher prints and exits exactly as
// classic's Go launcher and `svc start` do. In the daemon, this package's
// init hands the notify address to package classic through
// SVC_CLASSIC_HANDOFF="daemon:<address>", which classic consumes as in
// the re-exec path.
//
// `svc stop --classic` is done there too when the pidfile names a running
// daemon (stop_linux.c): the same identity as package classic's (the sole
// proof of package classic/pidfile: a safe directory and file, F_GETLK
// naming the write-lock holder, the pid in the file, our program), pinned
// by a pidfd and checked again before SIGTERM, then a wait on the pidfd,
// SIGKILL after --timeout and removal of a stale pidfile. Any other state
// (stopped, stale, foreign, a symlink, an error) returns to Go before a
// signal is sent, and Go looks again and reports. A stop then costs no Go
// start at all.
//
// The C is in four files: prestart_linux.c (the constructor, argv as
// cli's start and stop read it, the forks, M and D's set-up),
// launcher_linux.c (L's wait and report, after classic/launch_linux.go),
// stop_linux.c (after classic/stop_unix.go and classic/pidfile) and
// gotext_linux.c (Go's reading and spelling of durations, numbers, errnos
// and signals, which the tests compare against Go's own). TestSameAsGo
// runs the same scenarios through a cgo and a pure-Go build of cmd/svc and compares
// what they print; BenchmarkStartReadyInterleaved measures both against
// start-stop-daemon.
//
// Import it for its side effect, from the main package of a program whose
// `start` and `stop` subcommands are svc's (cmd/svc):
//
//	import _ "github.com/svcdev/svc/classic/prestart"
//
// Without cgo, or off Linux (or with a libc other than glibc, which does
// not pass argv to constructors), it does nothing.
package prestart
