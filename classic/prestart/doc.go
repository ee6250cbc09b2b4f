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
// A wrapped program (`svc start --classic ... [--ready R] -- PROG ARGS`,
// or --exec PROG) is launched the same way when C can judge its readiness
// exactly as Go does (wrap_linux.c): no --ready (ready once exec
// succeeded, which the daemon tells through the exec pipe it passes with
// X_SVC_EXEC=), --ready notify (READY=1 from the daemon's pid, PROG's once
// it exec'd), or --ready tcp: with a numeric IPv4 or IPv6 address (a
// non-blocking connect every 5 ms, doubling to 100 ms, as package ready
// does). PROG is resolved as classic.ResolveExec does, and a failure
// prints what classic.StartError does: the probe's last check, the
// program's last status and its last words from --log, escaped. The
// daemon's Go still does daemon(7)'s set-up and execs PROG, so the whole
// start pays one Go start. The rest is Go's: other kinds of --ready
// (http:, file:, exec:, a host name), a PROG C cannot resolve as Go does,
// a program's own flags next to a wrapped program (a boolean C cannot
// tell from one with a value would move PROG), and a tcp: target that
// already answers (Go refuses it; C could not know whether the program
// takes --ready at all: examples/echod does not, and its daemon's Go
// prints that usage error for every wrapped form C launches for it).
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
// `svc run -- PROG ARGS` (run_linux.c), package supervise's foreground
// supervisor, is done there whole when it is the plain case: no flag,
// NOTIFY_SOCKET and LISTEN_FDS unset, an environment of NAME=VALUE
// entries without repeats, and a PROG exec.LookPath finds over an
// absolute PATH. svc then forks PROG, forwards supervise's signals
// (blocked from before the fork, taken with sigwaitinfo), reaps every
// child with waitpid(-1) and exits as PROG did, as supervise/doc.go says;
// a container's PID 1 so costs what tini costs, with no Go runtime. A PROG
// not found, or an exec that fails, is left to Go, which starts over and
// reports it (127 or 126) in its own words. Only a program that wraps
// (cli.Program.Wrap) may be served, and C cannot see the Program: a
// program says so at link time by importing package
// classic/prestart/wrapper, whose C symbol this package's C references
// weakly (NULL elsewhere: examples/echod gets Go's usage error). With
// -linkmode=internal the reference stays NULL and Go serves run as
// before.
//
// The C is in six files: prestart_linux.c (the constructor, argv as
// cli's start and stop read it, the forks, M and D's set-up),
// launcher_linux.c (L's wait and report, after classic/launch_linux.go),
// wrap_linux.c (a wrapped program: ResolveExec, ready.Parse and the tcp:
// probe, lastWords),
// run_linux.c (after supervise/supervise_linux.go),
// stop_linux.c (after classic/stop_unix.go and classic/pidfile) and
// gotext_linux.c (Go's reading and spelling of durations, numbers, errnos
// and signals, which the tests compare against Go's own). TestSameAsGo
// runs the same scenarios through a cgo and a pure-Go build of cmd/svc and compares
// what they print; BenchmarkStartReadyInterleaved measures both against
// start-stop-daemon. TestRunSameAsGo does the same for `svc run -- PROG`,
// and TestRunNoGoRuntime checks under strace that its C starts no Go.
//
// Import it for its side effect, from the main package of a program whose
// `start` and `stop` subcommands are svc's (cmd/svc):
//
//	import _ "github.com/svcdev/svc/classic/prestart"
//
// and, from a program that sets cli.Program.Wrap, also
//
//	import _ "github.com/svcdev/svc/classic/prestart/wrapper"
//
// Without cgo, or off Linux (or with a libc other than glibc, which does
// not pass argv to constructors), it does nothing.
package prestart
