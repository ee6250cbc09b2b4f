// Package classic daemonizes the SysV way, done right: daemon(7)'s fifteen
// steps, with readiness, a write-locked pidfile whose holder is proven
// (package classic/pidfile), and stop/status/reload by pidfile. It is
// what `svc start --classic` (and the LSB init script) runs.
//
// Go cannot fork a running runtime, so each "fork" of daemon(7) is either a
// re-exec of the same binary with an explicit hand-off, or (cmd/svc, cgo on
// Linux: package classic/prestart) a real fork(2) done in a C constructor
// before the Go runtime starts. Both speak the protocol below.
//
// # The launch protocol
//
// Three processes: L, the launcher (what the operator ran); M, the middle
// (session leader, never the daemon); D, the daemon (not a session leader,
// so it can never reacquire a controlling terminal).
//
//  1. L binds a private notify socket: unixgram, abstract address
//     "@svc-classic-<L's pid>-<16 random hex>", SO_PASSCRED on. It speaks the
//     sd_notify protocol, so the same Notifier.Ready call serves systemd and
//     classic mode, and any sd_notify-speaking program can be launched.
//  2. L makes a control socketpair (SOCK_STREAM) with M and starts M with
//     setsid(2). M starts D, writes "pid <D>\n" on the control socket, then
//     waits for either D's exit — it writes "exit <code>\n" or
//     "signal <signo>\n" and exits — or EOF on the control socket (L is done)
//     — it exits 0 at once, leaving D to be re-parented.
//  3. D is handed SVC_CLASSIC_HANDOFF="daemon:<notify address>" in its
//     environment (M gets "middle:<address>" and the control socket as fd 3).
//     D consumes the variable and unsets it before anything else, so no
//     marker leaks into the service or its children. D's stdin is
//     /dev/null; stdout/stderr are L's until D redirects them (so flag and
//     early errors reach the operator), which it does before READY=1.
//  4. L accepts datagrams only from D's pid (SCM_CREDENTIALS). It remembers
//     STATUS=, ERRNO=, X_SVC_PIDFILE= (the pidfile D holds) and
//     X_SVC_ALREADY=<pid> (another daemon holds the pidfile). It returns:
//     - READY=1: success, exit 0, printing "started (pid D)";
//     - D exits 0 after X_SVC_ALREADY: exit 0, "already running (pid P)";
//     - D exits otherwise before READY: D's exit code (1 if killed by a
//     signal), printing STATUS (and ERRNO's text) — the daemon's own error;
//     - the timeout passes: SIGKILL D through a pidfd, wait for M's report,
//     remove D's pidfile if it still names D, exit 1.
//
// Daemon set-up in D, in this order: hand-off consumed; signal dispositions
// default and mask empty; fds other than 0-2 closed; umask (022 unless
// asked); chdir ("/" unless asked); the log file opened (before dropping
// privileges, as start-stop-daemon does); the pidfile created and locked;
// privileges dropped (supplementary groups, then gid, then uid); stdout and
// stderr to the log file or /dev/null; then the service runs and says READY.
//
// # The pidfile
//
// Package classic/pidfile holds it and the proof of identity that stop,
// status and reload believe before they act (its doc.go says why it
// cannot be faked by a user who can only read the pidfile, and why it
// costs O(1)): a directory and file only we or root may write; a POSIX
// write lock held for the daemon's whole life, whose holder F_GETLK names;
// the pid in the file equal to that holder; the holder running our
// program. The launcher checks the directory before it forks. A pidfile
// that fails the proof is never signalled and never reported running.
package classic
