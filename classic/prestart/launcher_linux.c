// The launcher L's wait and report (classic/launch_linux.go and
// launch_proto_linux.go, whose names the comments use): it watches the
// notify socket, the control socket and SIGINT/SIGTERM until READY=1, D's
// death or the timeout, and prints what `svc start` prints, byte for byte.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prestart_linux.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

// What the launcher knows (classic's watch).
static struct {
	long long timeout;
	const char *pidfile; // --pidfile, until X_SVC_PIDFILE names one
	pid_t middle, pid;
	int notify, ctrl, pidfd, sigfd;
	int ctrl_eof, ready, exited, already, killed, bad_pidfile, usage, reaped;
	int code, sig, already_pid;
	long long errnum;
	char line[256], status[1 << 16], named[PATH_MAX], name[256];
	size_t line_n, status_n;

	// A wrapped program (NULL: svc's own service): exec's pipe (the read
	// end D passes with X_SVC_EXEC=, -1 before), its outcome, the probe.
	const struct svc_prestart_wrap *wrap;
	int exec_fd, exec_done, exec_failed;
	struct svc_prestart_probe probe;
} L;
static char dgram[1 << 16];

// out is what L prints when it is done, on out_fd.
static char out[80 << 10];
static size_t out_n;
static int out_fd = 1;

static void add(const char *s, size_t n)
{
	n = n < sizeof out - out_n ? n : sizeof out - out_n;
	memcpy(out + out_n, s, n);
	out_n += n;
}

static void adds(const char *s) { add(s, strlen(s)); }

static void addi(long long v)
{
	char b[24];
	adds((snprintf(b, sizeof b, "%lld", v), b));
}

static const char *errno_text(long long n)
{
	static char b[64];
	if (n > INT_MAX)
		return (snprintf(b, sizeof b, "errno %lld", n), b);
	return svc_prestart_errno_text((int)n, b, sizeof b);
}

// syserr is os.NewSyscallError(op, errno).Error().
static const char *syserr(const char *op)
{
	static char b[128];
	return (snprintf(b, sizeof b, "%s: %s", op, errno_text(errno)), b);
}

static long long now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t); // cannot fail for this clock
	return t.tv_sec * SVC_SEC + t.tv_nsec;
}

// wait_for is classic's poll: at most ns (rounded up to ms, and to
// poll's limit: the callers loop), -1 forever.
static int wait_for(struct pollfd *p, int n, long long ns)
{
	long long ms = ns < 0 ? -1 : ns / 1000000 + 1;
	return (int)RETRY(poll(p, (nfds_t)n, ms > INT_MAX ? INT_MAX : (int)ms));
}

// wait_until is wait_for to the nanosecond (ppoll), for the probe's
// schedule: 5 ms apart means 5 ms, not 6.
static int wait_until(struct pollfd *p, int n, long long ns)
{
	struct timespec ts = {ns / SVC_SEC, ns % SVC_SEC};
	return (int)RETRY(ppoll(p, (nfds_t)n, &ts, NULL));
}

static void field(const char *f, size_t n)
{
	const char *eq = memchr(f, '=', n);
	size_t k = eq ? (size_t)(eq - f) : n, vn = eq ? n - k - 1 : 0;
	const char *v = eq ? eq + 1 : f + n;
	long long i;
#define KEY(s) (k == sizeof(s) - 1 && memcmp(f, s, k) == 0)
	if (KEY("READY"))
		L.ready |= vn == 1 && *v == '1';
	else if (KEY("STATUS"))
		memcpy(L.status, v, L.status_n = vn < sizeof L.status ? vn : sizeof L.status);
	else if (KEY("ERRNO") && svc_prestart_atoi(v, vn, &i) == 0 && i > 0)
		L.errnum = i;
	else if (KEY("X_SVC_PIDFILE")) {
		// A path L cannot hold exactly must not name some other file.
		L.bad_pidfile = vn >= sizeof L.named || memchr(v, 0, vn) != NULL;
		if (!L.bad_pidfile)
			memcpy(L.named, v, vn), L.named[vn] = 0;
	} else if (KEY("X_SVC_USAGE")) {
		L.usage = 1; // D printed Go's usage error on our stderr already
	} else if (KEY("X_SVC_NAME") && vn > 0 && vn < sizeof L.name && !memchr(v, 0, vn)) {
		memcpy(L.name, v, vn), L.name[vn] = 0;
	} else if (KEY("X_SVC_ALREADY")) {
		L.already = 1;
		L.already_pid = svc_prestart_atoi(v, vn, &i) == 0 && i > 0 && i <= INT_MAX ? (int)i : 0;
	}
#undef KEY
}

// recv_dgram reads one datagram into dgram (NUL-terminated), without
// waiting: its length, or -1 (errno EAGAIN when none is there); *from is
// the sender's pid as the kernel vouches (SCM_CREDENTIALS), *passed the
// first descriptor it passed (SCM_RIGHTS, close-on-exec), ours to close,
// or -1. Any other it passed is closed: FDSTORE=1 means nothing to a
// launcher.
static ssize_t recv_dgram(pid_t *from, int *passed)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 64)];
	struct iovec iov = {dgram, sizeof dgram - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n = RETRY(recvmsg(L.notify, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
	*from = 0, *passed = -1;
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred u;
			memcpy(&u, CMSG_DATA(c), sizeof u);
			*from = u.pid;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
				if (*passed < 0)
					*passed = fd;
				else
					close(fd);
			}
		}
	}
	dgram[n] = 0;
	return n;
}

// read_notify drains the notify socket, keeping what D, and only D, said:
// the only descriptor kept is exec's pipe, passed with X_SVC_EXEC=.
static int read_notify(void)
{
	for (;;) {
		pid_t from;
		int fd;
		ssize_t n = recv_dgram(&from, &fd);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		for (const char *f = dgram, *end = dgram + n; from == L.pid && f < end;) {
			const char *nl = memchr(f, '\n', (size_t)(end - f));
			field(f, (size_t)((nl ? nl : end) - f));
			f = nl ? nl + 1 : end;
		}
		if (fd >= 0 && from == L.pid && L.exec_fd < 0 && (strncmp(dgram, "X_SVC_EXEC=", 11) == 0 || strstr(dgram, "\nX_SVC_EXEC=")))
			L.exec_fd = fd;
		else if (fd >= 0)
			close(fd);
	}
}

// read_exec reads exec's pipe, which poll found readable: EOF is the
// program running (a probe starts), a byte exec's failure (its reason and
// exit code follow from D).
static void read_exec(long long deadline)
{
	char b;
	ssize_t n = read(L.exec_fd, &b, 1);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(L.exec_fd);
	L.exec_fd = -1;
	if (n != 0) {
		L.exec_failed = 1;
		return;
	}
	L.exec_done = 1;
	if (L.wrap && L.wrap->ready == SVC_READY_TCP && !L.probe.started)
		svc_prestart_probe_begin(&L.probe, L.wrap, deadline);
}

// is_ready is the launch's success: READY=1 from D (svc's own service, or
// a wrapped program told to notify), the probe passing, or exec done.
static int is_ready(void)
{
	if (!L.wrap || L.wrap->ready == SVC_READY_NOTIFY)
		return L.ready;
	if (L.wrap->ready == SVC_READY_TCP)
		return L.probe.ok;
	return L.exec_done;
}

static void control_line(const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);
	size_t k = sp ? (size_t)(sp - s) : n;
	long long v;
	if (!sp || svc_prestart_atoi(sp + 1, n - k - 1, &v) < 0 || v < 0 || v > INT_MAX)
		return; // not ours to understand; the protocol may grow
	if (k == 3 && memcmp(s, "pid", 3) == 0 && L.pid == 0 && v > 0) {
		L.pid = (pid_t)v;
		// Opened before M reports D's death (M reports before it reaps),
		// so the pid cannot have been reused.
		L.pidfd = (int)syscall(SYS_pidfd_open, L.pid, 0);
	} else if (k == 4 && memcmp(s, "exit", 4) == 0) {
		L.exited = 1, L.code = (int)v;
	} else if (k == 6 && memcmp(s, "signal", 6) == 0) {
		L.exited = 1, L.code = 1, L.sig = (int)v;
	}
}

static int read_control(void)
{
	char b[256];
	ssize_t n = read(L.ctrl, b, sizeof b);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0 && errno != ECONNRESET)
		return -1;
	L.ctrl_eof = n <= 0;
	for (ssize_t i = 0; i < n; i++) {
		if (b[i] == '\n') {
			control_line(L.line, L.line_n);
			L.line_n = 0;
		} else if (L.line_n < sizeof L.line) {
			L.line[L.line_n++] = b[i];
		}
	}
	return 0;
}

// remove_pidfile is the launcher's pidfile.RemoveStale: D's pidfile goes
// if nobody write-locks it, it still names D, and the name is still that
// file's. As in Go, a failure is not reported: nothing more to do.
static void remove_pidfile(void)
{
	if (L.pid > 0 && !L.bad_pidfile)
		svc_prestart_remove_stale(L.named[0] ? L.named : L.pidfile, L.pid);
}

// reap_middle waits, until the deadline or a signal, for M to exit, and
// reaps it. After it, D has been re-parented: a manager that reads the
// pidfile once we exit (systemd's Type=forking) finds its own child.
static void reap_middle(long long deadline)
{
	if (L.reaped)
		return; // and its pid may be another process's by now
	int fd = (int)syscall(SYS_pidfd_open, L.middle, 0);
	while (fd >= 0 && deadline > now()) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {L.sigfd, POLLIN, 0}};
		if (wait_for(p, 2, deadline - now()) < 0 || p[0].revents || p[1].revents)
			break;
	}
	if (fd >= 0)
		close(fd);
	RETRY(waitpid(L.middle, NULL, WNOHANG));
}

// kill_middle kills M and everything in its process group, D included.
// M may not have called setsid yet, when its group is still ours: so it
// is killed by pid first and reaped (its pid cannot be reused before),
// then its group, which outlives it while a D it started is in it.
static void kill_middle(void)
{
	kill(L.middle, SIGKILL);
	RETRY(waitpid(L.middle, NULL, 0)); // SIGKILLed: it goes at once
	L.reaped = 1;
	kill(-L.middle, SIGKILL);
}

// report prints the *StartError as cli.fail does and returns ExitCode.
// A wrapped program is named by its path; once it ran, its STATUS= is how
// it was (its last status), not why it failed, and its last words in the
// log follow.
static int report(int code, const char *cause, int timed_out)
{
	static char words[4 * 4096 + 64];
	char b[64];
	const struct svc_prestart_wrap *w = L.wrap;
	int ran = w && L.exec_done;
	size_t status_n = ran ? 0 : L.status_n;
	out_fd = 2;
	adds(L.name), adds(" start: classic: ");
	if (w) {
		adds(w->exec);
		if (L.pid > 0)
			adds(" (pid "), addi(L.pid), adds(")");
	} else {
		adds("daemon");
		if (L.pid > 0)
			adds(" pid "), addi(L.pid);
	}
	adds(": ");
	if (timed_out) {
		adds("not ready after "), adds(svc_prestart_format_duration(L.timeout, b));
	} else if (cause) {
		adds(cause);
	} else if (status_n > 0) {
		add(L.status, status_n);
		if (L.errnum && !memmem(L.status, status_n, errno_text(L.errnum), strlen(errno_text(L.errnum))))
			adds(": "), adds(errno_text(L.errnum));
	} else if (L.errnum) {
		adds(errno_text(L.errnum));
	} else if (L.sig) {
		adds("killed by signal "), addi(L.sig), adds(" ("), adds(svc_prestart_signal_text(L.sig, b, sizeof b));
		adds(") before it was ready");
	} else {
		adds("exited with status "), addi(code), adds(" before it was ready");
	}
	if (timed_out && w && L.probe.started)
		adds(" (last check of "), adds(w->spec), adds(": "), adds(svc_prestart_probe_last(&L.probe)), adds(")");
	if (ran && L.status_n > 0)
		adds(" (its last status: "), add(L.status, L.status_n), adds(")");
	if (L.killed)
		adds("; killed");
	if (w && !timed_out && !cause && status_n == 0 && !L.sig && code == 0)
		adds(" (a wrapped program must stay in the foreground: turn off its own daemonizing)");
	if (ran) {
		size_t n = w->log[0] ? svc_prestart_last_words(w->log, w->log_offset, words, sizeof words) : 0;
		if (n > 0)
			adds("; its last words, in "), adds(w->log), adds(":\n  "), add(words, n);
		else if (!w->log[0])
			adds(" (its output went to /dev/null: give --log FILE to see it)");
		else
			adds(" (it wrote nothing to "), adds(w->log), adds(")");
	}
	adds("\n");
	return code > 0 && code < 256 ? code : 1;
}

// await_unnamed is the Go launcher's awaitUnnamed: M died before it named
// D, and a D it had started may have made the pidfile before the kill
// reached it. Every D says hello (X_SVC_NAME=) before it touches the
// pidfile: each sender of one is waited for, until the deadline or a
// signal, and a pidfile naming it is removed once its lock is free.
static void await_unnamed(long long deadline)
{
	for (int k = 0; k < 64; k++) {
		pid_t from;
		int fd;
		if (recv_dgram(&from, &fd) < 0)
			return;
		if (fd >= 0)
			close(fd);
		if (from <= 0 || (strncmp(dgram, "X_SVC_NAME=", 11) != 0 && !strstr(dgram, "\nX_SVC_NAME=")))
			continue;
		if ((fd = (int)syscall(SYS_pidfd_open, from, 0)) >= 0) {
			struct pollfd p[2] = {{fd, POLLIN, 0}, {L.sigfd, POLLIN, 0}};
			if (deadline > now())
				wait_for(p, 2, deadline - now());
			close(fd);
			if (p[1].revents)
				return; // a signal: stay killable
		}
		svc_prestart_remove_stale(L.pidfile, from);
	}
}

// abort kills D through its pidfd (never a recycled pid) or else M and
// its group; waits, for at most 5 s and only until a signal comes, for
// M's report and D's end; and removes D's pidfile once D is dead (its
// lock is free). The rule, as in Go's abort: never block without a
// deadline, and stay killable.
static int abort_launch(const char *cause, int timed_out)
{
	char copy[256];
	long long deadline = svc_prestart_deadline(5 * SVC_SEC);
	int interrupted = 0;
	snprintf(copy, sizeof copy, "%s", cause ? cause : ""); // syserr's buffer is reused
	// As in Go, an error of the kill itself is not reported: M's report
	// (or its silence) tells what became of D.
	if (!L.exited) {
		if (L.pidfd >= 0)
			syscall(SYS_pidfd_send_signal, L.pidfd, SIGKILL, NULL, 0);
		else
			kill_middle();
		L.killed = 1;
	}
	while (!interrupted && !L.exited && !L.ctrl_eof && deadline > now()) {
		struct pollfd p[2] = {{L.ctrl, POLLIN, 0}, {L.sigfd, POLLIN, 0}};
		if (wait_for(p, 2, deadline - now()) < 0 || (p[0].revents && read_control() < 0))
			break;
		interrupted = p[1].revents != 0;
	}
	while (!interrupted && L.pidfd >= 0 && deadline > now()) {
		struct pollfd p[2] = {{L.pidfd, POLLIN, 0}, {L.sigfd, POLLIN, 0}};
		if (wait_for(p, 2, deadline - now()) < 0 || p[0].revents)
			break;
		interrupted = p[1].revents != 0;
	}
	struct pollfd gone = {L.pidfd, POLLIN, 0};
	if (L.pid == 0) {
		if (!interrupted)
			await_unnamed(deadline); // reads the datagrams nobody named
	} else {
		read_notify();
		if (L.pidfd < 0 || wait_for(&gone, 1, 0) > 0)
			remove_pidfile();
	}
	return report(0, cause ? copy : NULL, timed_out);
}

// middle_failure says how M ended before it named D.
static const char *middle_failure(void)
{
	static char b[160];
	char t[64];
	int ws = 0;
	RETRY(waitpid(L.middle, &ws, 0));
	L.reaped = 1;
	if (WIFEXITED(ws))
		snprintf(b, sizeof b, "middle process pid %d exited with status %d before it started the daemon", L.middle, WEXITSTATUS(ws));
	else
		snprintf(b, sizeof b, "middle process pid %d died (%s) before it started the daemon", L.middle,
			 svc_prestart_signal_text(WTERMSIG(ws), t, sizeof t));
	return b;
}

static int done(const char *what, int pid)
{
	adds(what), adds(" (pid "), addi(pid), adds(")\n");
	return 0;
}

// outcome decides, once the sockets are read, whether the launch is over;
// -1 if not.
static int outcome(void)
{
	struct pollfd p = {L.pidfd, POLLIN, 0};
	if (is_ready())
		return done("started", L.pid);
	if (L.exited && L.already && L.code == 0)
		return done("already running", L.already_pid);
	if (L.exited && L.usage)
		return L.code > 0 && L.code < 256 ? L.code : 2; // said by D, as Go says it
	if (L.exited)
		return remove_pidfile(), report(L.code, NULL, 0);
	if (L.ctrl_eof && L.pid == 0) {
		const char *why = middle_failure(); // reaps M first
		kill(-L.middle, SIGKILL);           // a daemon M may have forked is in its group
		return report(0, why, 0);
	}
	if (L.ctrl_eof && L.pidfd < 0)
		return abort_launch("middle process died; daemon lost", 0);
	if (L.ctrl_eof && wait_for(&p, 1, 0) > 0)
		return remove_pidfile(), report(1, "exited before it was ready (its status was lost with the middle process)", 0);
	return -1;
}

// watch waits for READY=1, M's report of D's death, the timeout, or
// SIGINT/SIGTERM (cli.signalContext). D's datagrams wait in the socket
// until M has named D.
static int watch(void)
{
	long long deadline = svc_prestart_deadline(L.timeout);
	for (;;) {
		struct pollfd p[5] = {{L.pid ? L.notify : -1, POLLIN, 0}, {L.sigfd, POLLIN, 0},
				      {L.ctrl_eof ? L.pidfd : L.ctrl, POLLIN, 0}, {L.exec_fd, POLLIN, 0},
				      {L.probe.started ? L.probe.fd : -1, POLLOUT, 0}};
		struct signalfd_siginfo si;
		char b[64], t[48];
		long long t0 = now(), wake = svc_prestart_probe_wake(&L.probe);
		int rc;
		if (deadline <= t0)
			return abort_launch(NULL, 1);
		if (wait_until(p, 5, (wake < deadline ? (wake > t0 ? wake : t0) : deadline) - t0) < 0)
			return abort_launch(syserr("poll"), 0);
		// In the Go launcher's order: exec's pipe, the probe, the control
		// socket, the notify socket.
		if (L.exec_fd >= 0 && p[3].revents)
			read_exec(deadline);
		svc_prestart_probe_step(&L.probe, p[4].revents != 0);
		if (!L.ctrl_eof && p[2].revents && read_control() < 0)
			return abort_launch(syserr("read control socket"), 0);
		// After the control socket: D's last words are queued before M
		// can report its death.
		if (L.pid && read_notify() < 0)
			return abort_launch(syserr("recvmsg notify socket"), 0);
		// An exec pipe that came with this round's datagrams is read now:
		// a program that exec'd and died at once has it at EOF already,
		// and its death must not be judged as if it never ran.
		if (L.exec_fd >= 0 && poll(&(struct pollfd){L.exec_fd, POLLIN, 0}, 1, 0) > 0)
			read_exec(deadline);
		if ((rc = outcome()) >= 0)
			return rc;
		if (p[1].revents && RETRY(read(L.sigfd, &si, sizeof si)) == sizeof si) {
			snprintf(b, sizeof b, "%s signal received", svc_prestart_signal_text((int)si.ssi_signo, t, sizeof t));
			return abort_launch(b, 0);
		}
	}
}

// svc_prestart_watch is L once M runs: it waits, prints and returns the
// exit code, after reaping M as the Go launcher does.
int svc_prestart_watch(long long timeout, const char *pidfile, const struct svc_prestart_wrap *wrap, pid_t middle, int notify,
		       int ctrl, int sigfd)
{
	L.timeout = timeout, L.pidfile = pidfile, L.middle = middle, L.wrap = wrap, L.exec_fd = -1, L.probe.fd = -1;
	snprintf(L.name, sizeof L.name, "%s", svc_prestart_prog);
	L.notify = notify, L.ctrl = ctrl, L.sigfd = sigfd, L.pidfd = -1;
	fcntl(ctrl, F_SETFL, O_NONBLOCK); // read only what poll saw; never block
	int rc = watch();
	// EOF on the control socket tells M to exit; once reaped, D is
	// re-parented. (After a failure M is gone or killed already.)
	close(ctrl);
	reap_middle(svc_prestart_deadline(5 * SVC_SEC));
	for (size_t o = 0; o < out_n;) {
		ssize_t w = RETRY(write(out_fd, out + o, out_n - o));
		if (w <= 0)
			break; // as Go's fmt.Fprintf, whose error nobody checks
		o += (size_t)w;
	}
	return rc;
}
