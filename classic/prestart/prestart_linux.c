// The launcher L and the middle M of package classic's launch protocol
// (../doc.go), run in an ELF constructor before the Go runtime starts, as
// runc's nsexec does: `svc start --classic` then pays for one Go start, the
// daemon D's, instead of three. L and M never enter Go: they _exit. D
// returns from the constructor and Go starts in it as if it had been
// exec'd; prestart_cgo_linux.go hands it the notify address.
//
// This file decides (argv as cli/start.go reads it) and forks; L's wait
// and report are in launcher_linux.c. M is classic/middle_linux.go, L is
// classic/launch*.go: the comments use their names. Plain C on purpose:
// no malloc, no stdio streams (a buffered stream is flushed twice across
// fork, or never before _exit), every system call checked and retried on
// EINTR.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prestart_linux.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define HANDOFF "SVC_CLASSIC_HANDOFF" // classic.HandoffEnv

int svc_prestart_daemon;
const char *svc_prestart_prog = "svc";
char svc_prestart_addr[SVC_PRESTART_ADDR_MAX];

// cli.parseStart's flags. An unknown flag leaves argv to Go, which
// reports it; a test checks this list against `svc start --classic -h`.
const char *const svc_prestart_bool_flags[] = {"classic", "test.never-ready", "no-new-privs", NULL};
const char *const svc_prestart_value_flags[] = {"pidfile", "log",   "user",   "group",          "umask", "chdir",
						"timeout", "ready", "exec", "listen", "shutdown-delay", NULL};
// The value flags Go parses as durations: a bad one is a usage error.
static const char *const duration_flags[] = {"timeout", "shutdown-delay", NULL};

// What package flag takes for a request for help.
static const char *const help_flags[] = {"h", "help", NULL};

// Whether walk skipped a flag it took for the program's own.
static int own_flags;

static int in(const char *const *set, const char *s, size_t n)
{
	for (; *set; set++)
		if (strlen(*set) == n && memcmp(*set, s, n) == 0)
			return 1;
	return 0;
}

// parse_bool is strconv.ParseBool: 1, 0, or -1 for an error.
static int parse_bool(const char *s)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False", NULL};
	return in(t, s, strlen(s)) ? 1 : in(f, s, strlen(s)) ? 0 : -1;
}

// flag_name is a flag argument without its one or two dashes; NULL for
// an argument that is not a flag.
static const char *flag_name(const char *a)
{
	return a[0] != '-' ? NULL : a + 1 + (a[1] == '-');
}

// classic_asked is cli.classicAsked: the first --classic decides.
static int classic_asked(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *name = flag_name(argv[i]);
		size_t n = name ? strcspn(name, "=") : 0;
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (n == 7 && memcmp(name, "classic", 7) == 0)
			return name[n] == 0 || parse_bool(name + n + 1) == 1;
	}
	return 0;
}

// octal_mask is cli's umask check: strconv.ParseUint(s, 8, 32) <= 0777.
static int octal_mask(const char *s)
{
	unsigned v = 0;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '7' || (v = v * 8 + (unsigned)(*p - '0')) > 0777)
			return 0;
	return *s != 0;
}

// walk reads argv[2:] as package flag reads a FlagSet of bools and
// values, and calls take for each value flag; it returns 0 at anything Go
// would refuse (bad syntax, an unknown flag, -h, a missing value, a bad
// bool or duration, an argument left over), or take's 0. A duration flag's
// value comes to take parsed, in d.
//
// With own set, a flag it does not know is the program's own (a program
// built on svc's CLI adds its flags to start's): it is skipped, with the
// next argument as its value unless that looks like a flag. C cannot know
// the program's flags before Go starts, so the daemon, whose Go parses the
// same argv, has the last word: a usage error there reaches the operator
// as Go would print it (X_SVC_USAGE, launcher_linux.c).
//
// With rest set, the arguments after the flags are taken, as package flag
// does (from the first argument that is not a flag, or after "--"), and
// *rest is the index of the first; else they are a usage error.
static int walk(int argc, char **argv, const char *const *bools, const char *const *values, int own, int *rest,
		int (*take)(const char *name, size_t n, const char *v, long long d))
{
	long long d = 0;
	if (rest)
		*rest = argc;
	for (int i = 2; i < argc; i++) {
		const char *name = flag_name(argv[i]), *v = NULL;
		size_t n;
		if (strcmp(argv[i], "--") == 0 && (rest || i + 1 == argc)) {
			if (rest)
				*rest = i + 1;
			break;
		}
		if (rest && (!name || strcmp(argv[i], "-") == 0)) {
			*rest = i;
			break;
		}
		if (!name || *name == 0 || *name == '-' || *name == '=')
			return 0; // an argument, or bad syntax: a usage error
		n = strcspn(name, "=");
		if (name[n] == '=')
			v = name + n + 1;
		if (in(bools, name, n)) {
			if (v && parse_bool(v) < 0)
				return 0;
			continue;
		}
		if (own && !in(values, name, n) && !in(help_flags, name, n)) {
			if (!v && i + 1 < argc && argv[i + 1][0] != '-')
				i++; // its value
			own_flags = 1;
			continue;
		}
		if (!in(values, name, n) || (!v && i + 1 == argc))
			return 0; // -h, -help, unknown, or no value
		if (!v)
			v = argv[++i];
		if (in(duration_flags, name, n) && svc_prestart_parse_duration(v, &d) < 0)
			return 0;
		if (!take(name, n, v, d))
			return 0;
	}
	return 1;
}

#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)

// What walk found for start (one launch per process, so static).
static struct {
	const char *umask, *log, *dir, *pidfile, *ready, *exec;
	long long timeout;
} start;
static struct svc_prestart_wrap wrap;
static int wrapped;

const struct svc_prestart_wrap *svc_prestart_wrapped(void) { return wrapped ? &wrap : NULL; }

static int take_start(const char *name, size_t n, const char *v, long long d)
{
	if ((IS("user") || IS("group")) && *v == 0)
		return 0; // Go refuses an empty one, and says so
	if (IS("timeout"))
		start.timeout = d;
	if (IS("pidfile"))
		start.pidfile = v;
	if (IS("umask"))
		start.umask = v;
	if (IS("log"))
		start.log = v;
	if (IS("chdir"))
		start.dir = v;
	if (IS("ready"))
		start.ready = v;
	if (IS("exec"))
		start.exec = v;
	return 1;
}

// wrap_program is cli's startFlags.wrapped for what C serves: PROG (from
// --exec, else the first argument after the flags) resolved as
// classic.ResolveExec does, and --ready as ready.Parse reads it. 1: a
// wrapped program C launches; 0: svc's own service; -1: Go's.
static int wrap_program(const char *prog)
{
	wrapped = 0;
	if (svc_prestart_parse_ready(start.ready, &wrap) < 0)
		return -1;
	if (!prog)
		return wrap.ready == SVC_READY_NONE ? 0 : -1; // Go refuses --ready alone
	// The daemon's Go parses the same argv: a program's flag C skipped
	// might have been a boolean, and its "value" PROG.
	if (own_flags || svc_prestart_resolve_exec(prog, wrap.exec) < 0)
		return -1;
	wrap.log[0] = 0;
	if (*start.log && svc_prestart_abs(start.log, wrap.log) < 0)
		return -1;
	wrapped = 1;
	return 1;
}

// svc_prestart_decide walks argv as package flag does and returns the
// timeout only when Go would launch with these flags: anything Go would
// refuse, or that L does not understand, is left to Go to report.
long long svc_prestart_decide(int argc, char **argv, char **envp, const char **pidfile)
{
	static char cwd[PATH_MAX];
	int rest;
	*pidfile = "";
	if (argc < 2 || strcmp(argv[1], "start") != 0 || !classic_asked(argc, argv))
		return 0;
	for (char **e = envp; e && *e; e++)
		if (strncmp(*e, HANDOFF "=", sizeof HANDOFF) == 0)
			return 0; // a middle or daemon of the re-exec path
	start.umask = "022", start.log = "", start.dir = "/", start.pidfile = "", start.ready = "", start.exec = "";
	start.timeout = 30 * SVC_SEC; // classic.DefaultTimeout
	own_flags = 0;
	if (!walk(argc, argv, svc_prestart_bool_flags, svc_prestart_value_flags, 1, &rest, take_start))
		return 0;
	*pidfile = start.pidfile;
	if (**pidfile == 0 || !octal_mask(start.umask))
		return 0;
	if (wrap_program(*start.exec ? start.exec : rest < argc ? argv[rest] : NULL) < 0)
		return 0;
	// A path Go would spell otherwise (pidfile.Clean), or whose directory
	// is missing or unsafe, is Go's to report, before anything forks.
	if (!svc_prestart_clean_path(*pidfile) || svc_prestart_dir_safe(*pidfile) <= 0)
		return 0; // relative too: Go makes it absolute, checks and reports
	// Options.resolved makes relative paths absolute: Go must say why it
	// cannot (the working directory was removed).
	if (((*start.log && *start.log != '/') || *start.dir != '/') && !getcwd(cwd, sizeof cwd))
		return 0;
	return start.timeout > 0 ? start.timeout : 30 * SVC_SEC;
}

// cli's stop flags, checked as the start ones are.
const char *const svc_prestart_stop_bool_flags[] = {"classic", NULL};
const char *const svc_prestart_stop_value_flags[] = {"pidfile", "timeout", NULL};

static struct {
	const char *pidfile;
	long long timeout;
} stop;

static int take_stop(const char *name, size_t n, const char *v, long long d)
{
	if (IS("timeout"))
		stop.timeout = d;
	if (IS("pidfile"))
		stop.pidfile = v;
	return 1;
}

// svc_prestart_decide_stop is svc_prestart_decide for `svc stop
// --classic`: the timeout after SIGTERM (cli's default 10s for <= 0)
// when Go would stop with these flags, else 0.
long long svc_prestart_decide_stop(int argc, char **argv, const char **pidfile)
{
	*pidfile = "";
	if (argc < 2 || strcmp(argv[1], "stop") != 0 || !classic_asked(argc, argv))
		return 0;
	stop.pidfile = "", stop.timeout = 10 * SVC_SEC; // cli.defaultStopTimeout
	if (!walk(argc, argv, svc_prestart_stop_bool_flags, svc_prestart_stop_value_flags, 0, NULL, take_stop))
		return 0;
	*pidfile = stop.pidfile;
	if (!svc_prestart_clean_path(*pidfile))
		return 0; // relative, or spelt otherwise than pidfile.Clean would
	return stop.timeout > 0 ? stop.timeout : 10 * SVC_SEC; // classic.DefaultStopTimeout
}

// cli's status flags.
const char *const svc_prestart_status_bool_flags[] = {"classic", "wait", NULL};
const char *const svc_prestart_status_value_flags[] = {"pidfile", NULL};

static int take_status(const char *name, size_t n, const char *v, long long d)
{
	(void)d;
	if (IS("pidfile"))
		stop.pidfile = v;
	return 1;
}

#undef IS

const char *svc_prestart_decide_status(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "status") != 0 || !classic_asked(argc, argv))
		return NULL;
	stop.pidfile = "";
	if (!walk(argc, argv, svc_prestart_status_bool_flags, svc_prestart_status_value_flags, 0, NULL, take_status))
		return NULL;
	// --wait blocks until the daemon is gone: Go's to do (the last one
	// given decides, as package flag has it).
	int wait = 0;
	for (int i = 2; i < argc; i++) {
		const char *name = flag_name(argv[i]);
		size_t n = name ? strcspn(name, "=") : 0;
		if (n == 4 && memcmp(name, "wait", 4) == 0)
			wait = name[n] == 0 || parse_bool(name + n + 1) == 1;
	}
	if (wait)
		return NULL;
	return svc_prestart_clean_path(stop.pidfile) ? stop.pidfile : NULL;
}

// say writes one control line for M; 0 if L is gone.
static int say(int ctl, const char *s)
{
	for (size_t n = strlen(s); n > 0;) {
		ssize_t w = RETRY(send(ctl, s, n, MSG_NOSIGNAL));
		if (w < 0)
			return 0;
		s += w, n -= (size_t)w;
	}
	return 1;
}

// die is for failures of M and D before Go: the message goes to L's
// stderr, which both still share, and L reports the exit status.
static void die(const char *who, const char *op)
{
	char b[256];
	char t[64];
	int n = snprintf(b, sizeof b, "%s start: classic: %s: %s: %s\n", svc_prestart_prog, who, op, svc_prestart_errno_text(errno, t, sizeof t));
	if (n > 0)
		(void)RETRY(write(2, b, (size_t)n)); // if stderr is gone, so is the message
	_exit(1);
}

// notify_socket binds "@svc-classic-<pid>-<16 hex>" with SO_PASSCRED
// (classic's listenNotify); -1 leaves the failure to Go.
static int notify_socket(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int one = 1, fd, n = snprintf(svc_prestart_addr, sizeof svc_prestart_addr, "@svc-classic-%d-", (int)getpid());
	if (RETRY(getrandom(rnd, sizeof rnd, 0)) != sizeof rnd)
		return -1;
	for (int i = 0; i < 8; i++)
		svc_prestart_addr[n++] = hex[rnd[i] >> 4], svc_prestart_addr[n++] = hex[rnd[i] & 15];
	svc_prestart_addr[n] = 0;
	memcpy(sa.sun_path + 1, svc_prestart_addr + 1, (size_t)n - 1); // sun_path[0] = 0: abstract
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

// watch_signals blocks SIGINT and SIGTERM, unless ignored, and returns a
// signalfd for them (-1: none to watch; -2: failed, the mask restored):
// an interrupted launcher kills the daemon it started (cli.signalContext).
static int watch_signals(sigset_t *old)
{
	sigset_t set;
	struct sigaction sa;
	int fd;
	sigemptyset(&set);
	if (sigaction(SIGINT, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
		sigaddset(&set, SIGINT);
	if (sigaction(SIGTERM, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
		sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -2;
	if (sigisemptyset(&set))
		return -1;
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		sigprocmask(SIG_SETMASK, old, NULL);
		return -2;
	}
	return fd;
}

// daemon_setup gives D what exec would have: default dispositions, an
// empty mask, no descriptor above 2 (L's sockets included). stdin is
// already /dev/null, M's.
static void daemon_setup(void)
{
	struct sigaction dfl;
	struct rlimit rl;
	sigset_t none;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && sigaction(s, &dfl, NULL) < 0 && errno != EINVAL)
			die("daemon", "sigaction"); // EINVAL: glibc's own 32 and 33
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		die("daemon", "sigprocmask");
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
		if (errno != ENOSYS || getrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("daemon", "close_range");
		// Linux before 5.9: one by one. No EINTR retry: Linux closes anyway.
		for (rlim_t fd = 3; fd < rl.rlim_cur && fd < (1 << 20); fd++)
			close((int)fd);
	}
	svc_prestart_daemon = 1;
}

// middle is M: a session leader that forks D, names it on the control
// socket, then reports its death, or exits as soon as L closes the
// socket. It returns only in D.
static void middle(int ctl)
{
	char line[32];
	int fd, pidfd;
	sigset_t all;
	pid_t d;
	// Every signal blocked, as the Go middle catches them all: nothing but
	// SIGKILL keeps it from reporting. D empties its mask.
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
		die("middle process", "sigprocmask");
	if (setsid() < 0)
		die("middle process", "setsid");
	if ((fd = (int)RETRY(open("/dev/null", O_RDONLY))) < 0 || (fd != 0 && (RETRY(dup2(fd, 0)) < 0 || close(fd) < 0)))
		die("middle process", "open /dev/null");
	if ((d = fork()) < 0)
		die("middle process", "start daemon: fork");
	if (d == 0)
		return daemon_setup();
	snprintf(line, sizeof line, "pid %d\n", d);
	if (!say(ctl, line))
		_exit(0); // L is gone: D is on its own
	if ((pidfd = (int)syscall(SYS_pidfd_open, d, 0)) < 0)
		_exit(1); // L sees EOF and watches D itself
	for (;;) {
		struct pollfd p[2] = {{ctl, POLLIN, 0}, {pidfd, POLLIN, 0}};
		siginfo_t si;
		char b[64];
		ssize_t n;
		if (RETRY(poll(p, 2, -1)) < 0)
			_exit(1);
		if (p[1].revents) {
			// WNOWAIT: D stays a zombie, its pid unused, until the
			// report is out; our exit hands it to init.
			memset(&si, 0, sizeof si);
			if (RETRY(waitid(P_PID, (id_t)d, &si, WEXITED | WNOWAIT)) < 0)
				snprintf(line, sizeof line, "exit 1\n");
			else
				snprintf(line, sizeof line, "%s %d\n", si.si_code == CLD_EXITED ? "exit" : "signal", si.si_status);
			say(ctl, line);
			_exit(0);
		}
		if ((n = read(ctl, b, sizeof b)) == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			_exit(0); // EOF: L is done
	}
}

// std_open tells whether descriptors 0, 1 and 2 are open: if one is not,
// a file we open would take its number and we would print into it.
static int std_open(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return 0;
	return 1;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

// launch is L. It returns in D, or in L when it did not fork (Go then
// starts and does, or reports, it all).
static void launch(long long timeout, const char *pidfile)
{
	int fds[4] = {-1, -1, -1, -1}; // notify socket, L's and M's control ends, signalfd
	sigset_t old;
	pid_t m;
	// A closed standard descriptor would be taken by our sockets, and L
	// would print into one: leave that to Go.
	if (!std_open())
		return;
	if (wrapped) {
		struct stat st;
		// ready.Prepare: a target that answers already is Go's to refuse
		// (and only Go knows whether this program takes --ready at all).
		if (wrap.ready == SVC_READY_TCP && svc_prestart_answers(&wrap))
			return;
		wrap.log_offset = *wrap.log && stat(wrap.log, &st) == 0 ? st.st_size : 0; // classic.logSize
	}
	if ((fds[0] = notify_socket()) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds + 1) < 0)
		return close_all(fds, 1);
	if ((fds[3] = watch_signals(&old)) < -1)
		return close_all(fds, 3);
	if ((m = fork()) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return close_all(fds, 4);
	}
	if (m == 0) {
		close_all(fds, 2);
		close_all(fds + 3, 1);
		return middle(fds[2]);
	}
	close(fds[2]);
	_exit(svc_prestart_watch(timeout, pidfile, svc_prestart_wrapped(), m, fds[0], fds[1], fds[3]));
}

#ifdef __GLIBC__
// glibc passes argc, argv and envp to ELF constructors; musl does not, and
// there Go does it all.
__attribute__((constructor)) static void prestart(int argc, char **argv, char **envp)
{
	const char *pidfile, *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
	long long timeout;
	if (argc > 0 && argv[0][0])
		svc_prestart_prog = slash ? slash + 1 : argv[0];
	if (&svc_prestart_wraps && std_open()) {
		static char path[PATH_MAX];
		if (svc_prestart_decide_run(argc, argv, envp, path))
			svc_prestart_run(argv, envp, path);
	}
	timeout = svc_prestart_decide(argc, argv, envp, &pidfile);
	if (timeout > 0)
		launch(timeout, pidfile);
	if ((timeout = svc_prestart_decide_stop(argc, argv, &pidfile)) > 0 && std_open()) {
		int rc = svc_prestart_stop(timeout, pidfile);
		if (rc >= 0)
			_exit(rc);
	}
	if ((pidfile = svc_prestart_decide_status(argc, argv)) != NULL && std_open()) {
		int rc = svc_prestart_status(pidfile);
		if (rc >= 0)
			_exit(rc);
	}
}
#endif
