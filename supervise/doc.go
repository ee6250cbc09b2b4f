// Package supervise runs one program in the foreground on svc's behalf:
// `svc run [--ready SPEC] [--timeout D] -- PROG ARGS`. It is what a
// container's PID 1 or a systemd Type=notify unit runs when the program
// itself knows nothing of either: svc stays in front, PROG runs as its
// only direct child.
//
// What it does, on Linux:
//
//   - PROG without a slash is looked up in PATH. A PROG that is missing
//     exits 127 and one that cannot be executed 126, as a shell would,
//     with a message naming it.
//   - PROG inherits stdio, the working directory and the environment,
//     minus the variables that are svc's own: NOTIFY_SOCKET, WATCHDOG_PID
//     and WATCHDOG_USEC (given back only as described below) and the
//     LISTEN_* of socket activation (passed on, see below).
//   - svc exits with PROG's exit status as soon as PROG is gone; it does
//     not wait for PROG's orphans. If signal N killed PROG, svc as PID 1
//     exits 128+N, as tini and dumb-init do; as any other pid it dies of
//     signal N itself (Options.Raise, which svc run sets): a shell still
//     sees 128+N, and systemd sees a main process killed by SIGTERM, a
//     clean stop, where tini's exit code 143 leaves the unit failed
//     (tini's answer is -e 143).
//   - Signals: HUP, INT, QUIT, TERM, USR1, USR2, WINCH, CONT, TSTP, ALRM,
//     VTALRM, PWR, XCPU, XFSZ and ABRT are forwarded to PROG. tini forwards
//     every signal but the synchronous ones (SEGV, BUS, FPE, ILL, TRAP,
//     SYS, ABRT) and TTIN/TTOU; svc leaves out also URG and PROF, which the
//     Go runtime uses itself, and PIPE and IO, which only ever concern the
//     process they are sent to. ABRT is forwarded because it is what
//     systemd's watchdog sends the main process (svc) to get a core dump
//     of the program.
//   - Process groups: PROG runs in a process group of its own, made the
//     terminal's foreground group when svc had the terminal (as tini
//     does), so ^C reaches PROG once, from the terminal, not twice.
//     Forwarded signals go to PROG's pid alone, as tini's default and
//     dumb-init's --single-child do, not to its whole group (tini -g,
//     dumb-init's default): a service such as PostgreSQL or nginx wants
//     the stop signal at its main process, which then stops its workers
//     in order, and a signal to every worker at once defeats that. Under
//     systemd the unit's cgroup reaches whatever PROG leaves behind; a
//     shell script run as PROG should exec its last command, or trap and
//     forward.
//   - Orphans: as PID 1 svc reaps every process re-parented to it; as any
//     other pid it becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so
//     PROG's orphans are re-parented to svc and reaped too. The reaper
//     collects any exited child with wait4(-1) but recognises PROG's pid,
//     so PROG's status is never lost. While an exec: probe runs its
//     command, whose status belongs to the probe, only PROG's pid is
//     waited for; orphans that exit meanwhile are reaped right after.
//
// Under systemd (NOTIFY_SOCKET set: svc is the unit's main process, the
// unit Type=notify):
//
//   - Without --ready, svc says READY=1 once PROG has been executed
//     (Type=exec's meaning) and, if the unit has a watchdog, pings it as
//     long as PROG runs.
//   - --ready notify gives PROG a notify socket of its own (a datagram
//     socket in the abstract namespace, at a name nobody can guess,
//     SO_PASSCRED on) and relays to systemd every datagram whose sender
//     is PROG's own pid, file descriptors included (FDSTORE=1,
//     BARRIER=1): READY=1, STATUS=, STOPPING=1, RELOADING=1 with
//     MONOTONIC_USEC=, ERRNO=, WATCHDOG=1 and WATCHDOG=trigger,
//     EXTEND_TIMEOUT_USEC= and the rest. MAINPID= is dropped: svc stays
//     the unit's main process, so systemd's MAINPID is svc's pid, and
//     `systemctl kill --kill-whom=main` signals svc, which forwards.
//     Datagrams from other pids (PROG's children) are dropped, as
//     NotifyAccess=main would. PROG gets WATCHDOG_USEC but no
//     WATCHDOG_PID, so sd_watchdog_enabled(3) accepts it, and its
//     WATCHDOG=1 pings are relayed.
//   - A probe (tcp:, http:, file:, exec:; package ready) makes svc say
//     READY=1 and STATUS= once it passes. With a watchdog, svc re-runs
//     the probe every half interval and pings only while it passes.
//   - --timeout D bounds the wait for readiness: past it svc sets STATUS=
//     to the reason, stops PROG (TERM, then KILL 10s later) and exits 1.
//     Without --timeout, systemd's TimeoutStartSec= bounds it.
//   - On SIGTERM svc says STOPPING=1, then forwards it.
//
// Socket activation: when systemd hands svc sockets (LISTEN_PID is svc's
// pid), PROG gets them at the same descriptors with LISTEN_FDS and
// LISTEN_FDNAMES, and LISTEN_PID set to PROG's own pid. Go cannot set an
// environment variable between fork and exec, so PROG is then started
// through a re-exec of svc's own binary that sets LISTEN_PID to its pid
// and execs PROG (see the init function): one more exec, only in this
// case.
//
// Outside systemd, readiness still bounds the start: --ready with
// --timeout stops PROG and fails if it is not ready in time.
//
// On other systems Run is a plain foreground runner: PROG with stdio and
// environment, INT, TERM and HUP forwarded, its exit status returned;
// --ready is refused there with errors.ErrUnsupported.
//
// References: tini (https://github.com/krallin/tini, README and
// tini.c), dumb-init (https://github.com/Yelp/dumb-init, README),
// sd_notify(3), sd_listen_fds(3), prctl(2) PR_SET_CHILD_SUBREAPER.
//
// In a cgo build of a program that imports classic/prestart/wrapper
// (cmd/svc), the plain case (`run -- PROG ARGS`: no flag, no
// NOTIFY_SOCKET, no LISTEN_FDS) is done in C before the Go runtime starts
// (classic/prestart/run_linux.c), with the behaviour above: as a PID 1 it
// then costs what tini costs.
package supervise
