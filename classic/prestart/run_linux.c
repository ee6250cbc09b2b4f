// `svc run -- PROG ARGS` as package supervise runs it (../../supervise/
// doc.go), for the plain case only: no flag, no systemd (NOTIFY_SOCKET
// unset), no socket activation (LISTEN_FDS unset). svc then only forks,
// forwards signals, reaps and exits with PROG's status, which needs no Go
// runtime: as a container's PID 1, svc stays a single-threaded process of
// a few hundred kilobytes, as tini is.
//
// Whatever C cannot do exactly as Go does is left to Go before anything
// is visible: a PROG the lookup does not find (Go prints the 127 or 126
// and its message), an odd environment, a failed fork, and an exec that
// fails (the child reports its errno through a pipe, puts the terminal
// back, and the constructor returns; Go then does it all again and
// reports the failure in its own words).
//
// The rules this follows, from supervise_linux.go:
//   - PROG gets svc's environment minus NOTIFY_SOCKET, WATCHDOG_PID,
//     WATCHDOG_USEC, LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES and
//     SVC_RUN_LISTEN_EXEC; stdio and every other inherited descriptor;
//     the signal mask svc was started with; default dispositions but for
//     TTIN and TTOU, whose inherited one the Go runtime keeps too.
//   - PROG runs in its own process group, the terminal's foreground one
//     when svc's group had the terminal.
//   - The forwarded signals are blocked from before the fork and taken
//     with sigwaitinfo, so none is lost; blocked, they reach a PID 1 even
//     with the default disposition. The signals the Go runtime ignores
//     when nobody asked for them (PIPE, IO, PROF, the real-time ones) are
//     ignored too.
//   - Every exited child is reaped with waitpid(-1); PROG's status is the
//     one waited for. svc exits with it, 128+N for signal N as PID 1, and
//     dies of signal N (no core dump of its own) as any other pid.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "prestart_linux.h"

// supervise's forwarded, in its order.
static const int forwarded[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
				SIGTSTP, SIGALRM, SIGVTALRM, SIGPWR,  SIGXCPU, SIGXFSZ, SIGABRT};

// The variables that are svc's own (supervisor.start).
static const char *const stripped[] = {"NOTIFY_SOCKET",  "WATCHDOG_PID", "WATCHDOG_USEC",       "LISTEN_PID",
				       "LISTEN_FDS",     "LISTEN_FDNAMES", "SVC_RUN_LISTEN_EXEC", NULL};

// key_is tells whether the environment entry e is the variable name.
static int key_is(const char *e, const char *name)
{
	size_t n = strlen(name);
	return strncmp(e, name, n) == 0 && e[n] == '=';
}

// env_plain: every entry NAME=VALUE, no name twice (Go's os.Environ
// would drop the later ones), neither NOTIFY_SOCKET nor LISTEN_FDS; and
// PATH's value in *path_env, or NULL.
static int env_plain(char **envp, const char **path_env)
{
	*path_env = NULL;
	for (char **e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq)
			return 0;
		for (char **f = envp; f != e; f++)
			if (strncmp(*f, *e, (size_t)(eq - *e) + 1) == 0)
				return 0;
		if (key_is(*e, "NOTIFY_SOCKET") || key_is(*e, "LISTEN_FDS"))
			return 0;
		if (key_is(*e, "PATH"))
			*path_env = eq + 1;
	}
	return 1;
}

// executable is exec's findExecutable: 0 when path is a file we may
// execute (eaccess; the mode bits where that is refused), else -1.
static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || S_ISDIR(st.st_mode))
		return -1;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return 0;
	if (errno != ENOSYS && errno != EPERM)
		return -1;
	return st.st_mode & 0111 ? 0 : -1;
}

// dir_plain: an absolute directory without a ".." component, where
// filepath.Join's cleaning names the same file as the kernel would.
static int dir_plain(const char *d, size_t n)
{
	if (n == 0 || d[0] != '/')
		return 0;
	for (size_t i = 0; i < n;) {
		size_t c = i;
		while (c < n && d[c] != '/')
			c++;
		if (c - i == 2 && d[i] == '.' && d[i + 1] == '.')
			return 0;
		i = c + 1;
	}
	return 1;
}

// resolve is supervise's resolve when it succeeds: exec.LookPath over
// PATH. -1 for anything else (not found, a relative PATH entry, a PATH
// too long): Go's to find or to report.
static int resolve(const char *prog, const char *path_env, char *out)
{
	size_t plen = strlen(prog);
	if (*prog == 0 || strcmp(prog, ".") == 0 || strcmp(prog, "..") == 0 || plen >= PATH_MAX)
		return -1;
	if (strchr(prog, '/')) {
		if (executable(prog) < 0)
			return -1;
		memcpy(out, prog, plen + 1);
		return 0;
	}
	if (!path_env)
		return -1; // supervise's own walk of "."
	for (const char *d = path_env;;) {
		size_t n = strcspn(d, ":");
		if (!dir_plain(d, n) || n + 1 + plen >= PATH_MAX)
			return -1; // "" (.), relative or with "..": Go's
		memcpy(out, d, n);
		out[n] = '/';
		memcpy(out + n + 1, prog, plen + 1);
		if (executable(out) == 0)
			return 0;
		if (d[n] == 0)
			return -1;
		d += n + 1;
	}
}

int svc_prestart_decide_run(int argc, char **argv, char **envp, char *path)
{
	const char *path_env;
	if (argc < 4 || strcmp(argv[1], "run") != 0 || strcmp(argv[2], "--") != 0)
		return 0;
	if (!env_plain(envp, &path_env))
		return 0;
	return resolve(argv[3], path_env, path) == 0;
}

// child becomes PROG; it returns nothing: on a failed exec it writes the
// errno to report and _exits.
static void child(char **argv, char **envp, const char *path, const sigset_t *mask, int fg, int report)
{
	struct sigaction dfl;
	sigset_t all;
	char **w = envp;
	int e;
	pid_t parent_group = getpgrp();
	// All signals stay blocked until exec: TIOCSPGRP from what is now a
	// background group would otherwise stop us with SIGTTOU.
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (setpgid(0, 0) < 0 || (fg && tcsetpgrp(0, getpid()) < 0))
		goto fail;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGTTIN && s != SIGTTOU)
			sigaction(s, &dfl, NULL); // EINVAL: glibc's own 32 and 33
	for (char **r = envp; r && *r; r++) {
		int drop = 0;
		for (const char *const *s = stripped; *s && !drop; s++)
			drop = key_is(*r, *s);
		if (!drop)
			*w++ = *r;
	}
	if (envp)
		*w = NULL;
	sigprocmask(SIG_SETMASK, mask, NULL);
	execve(path, argv, envp);
	sigprocmask(SIG_SETMASK, &all, NULL);
fail:
	e = errno;
	if (fg)
		tcsetpgrp(0, parent_group);
	(void)RETRY(write(report, &e, sizeof e));
	_exit(127);
}

// die_like ends svc as PROG ended (status st).
static void die_like(int st)
{
	int n;
	sigset_t one;
	struct rlimit none = {0, 0};
	if (WIFEXITED(st))
		_exit(WEXITSTATUS(st));
	n = WTERMSIG(st);
	if (getpid() != 1) {
		setrlimit(RLIMIT_CORE, &none);
		signal(n, SIG_DFL);
		kill(getpid(), n);
		sigemptyset(&one);
		sigaddset(&one, n);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
	}
	_exit(128 + n); // PID 1, or a signal whose default is not to die
}

void svc_prestart_run(char **argv, char **envp, const char *path)
{
	sigset_t handled, mask;
	struct sigaction dfl, old_chld, ign;
	int fg, report[2], e;
	pid_t pid, self = getpid();
	ssize_t n;
	sigemptyset(&handled);
	sigaddset(&handled, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
		sigaddset(&handled, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &handled, &mask) < 0)
		return;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	// An inherited SIG_IGN for SIGCHLD would reap PROG behind our back.
	if (sigaction(SIGCHLD, &dfl, &old_chld) < 0)
		goto restore_mask;
	if (self != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		goto restore; // Go says why
	fg = tcgetpgrp(0) == getpgrp();
	if (pipe2(report, O_CLOEXEC) < 0)
		goto restore;
	if ((pid = fork()) < 0) {
		close(report[0]);
		close(report[1]);
		goto restore;
	}
	if (pid == 0)
		child(argv + 3, envp, path, &mask, fg, report[1]);
	close(report[1]);
	n = RETRY(read(report[0], &e, sizeof e));
	close(report[0]);
	if (n != 0) {
		// exec failed: nothing ran. Go starts over and says why.
		(void)RETRY(waitpid(pid, NULL, 0));
		goto restore;
	}
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGIO, &ign, NULL);
	sigaction(SIGPROF, &ign, NULL);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaction(s, &ign, NULL);
	for (;;) {
		siginfo_t si;
		int s = (int)RETRY(sigwaitinfo(&handled, &si)), st;
		if (s < 0)
			continue; // cannot fail with a valid set
		if (s != SIGCHLD) {
			kill(pid, s);
			continue;
		}
		int gone = 0, status = 0;
		for (pid_t p; (p = waitpid(-1, &st, WNOHANG)) != 0;) {
			if (p < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (p == pid)
				gone = 1, status = st;
		}
		if (gone)
			die_like(status);
	}
restore:
	sigaction(SIGCHLD, &old_chld, NULL);
restore_mask:
	sigprocmask(SIG_SETMASK, &mask, NULL);
}
