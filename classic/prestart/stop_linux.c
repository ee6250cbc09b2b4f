// `svc stop --classic` and `svc status --classic` in the constructor,
// before the Go runtime starts: the common cases (the pidfile names our
// running daemon; status of a stopped one) in C, so that they cost one
// C-sized process start instead of a Go one. Everything else (a stale or
// foreign pidfile, a symlink, an unsafe directory, any error before a
// signal is sent) returns to Go, which looks again from scratch and does,
// or reports, it all: C never signals on a judgement Go would not make.
//
// The proof is package classic/pidfile's (its doc.go; inspect_unix.go,
// file_unix.go, exe_linux.go), line for line: a directory and file that
// only we or root may write, a POSIX write lock whose holder F_GETLK
// names, the same pid in the file, and the holder running our program.
// The process is then pinned by a pidfd and the proof made again, so a
// pid reused between the look and the signal cannot be hit; the pidfd
// also tells of the exit, zombies included.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "prestart_linux.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

// classic.killWait: how long a SIGKILLed process may take to go.
#define KILL_WAIT (5 * SVC_SEC)

// read_pid is pidfile.readContent and parseContent: decimal digits with no
// leading zero or sign and at most one trailing newline, an int32 > 0.
static pid_t read_pid(int fd, int *empty)
{
	char b[33];
	long long v;
	ssize_t n = RETRY(pread(fd, b, sizeof b, 0));
	if (empty)
		*empty = n == 0;
	if (n <= 0 || n > 32)
		return 0;
	n -= b[n - 1] == '\n';
	if (n == 0 || b[0] < '1' || b[0] > '9' || svc_prestart_atoi(b, (size_t)n, &v) < 0 || v > 0x7fffffff)
		return 0;
	return (pid_t)v;
}

int svc_prestart_clean_path(const char *p)
{
	size_t n = strlen(p);
	if (p[0] != '/' || n < 2 || p[n - 1] == '/')
		return 0;
	for (const char *s = p; (s = strchr(s, '/')) != NULL; s++) {
		if (s[1] == '/' || (s[1] == '.' && (s[2] == '/' || s[2] == 0)) ||
		    (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == 0)))
			return 0;
	}
	return 1;
}

int svc_prestart_dir_safe(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	const char *slash = strrchr(path, '/');
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (!slash || n >= sizeof dir)
		return 0;
	memcpy(dir, path, n), dir[n] = 0;
	if (RETRY(stat(dir, &st)) < 0)
		return errno == ENOENT ? -1 : 0;
	return S_ISDIR(st.st_mode) && (st.st_mode & 022) == 0 && (st.st_uid == 0 || st.st_uid == geteuid());
}

// safe_file is open's checks on an open pidfile: a regular file owned by
// us or root, still at path.
static int safe_file(int fd, const char *path, struct stat *st)
{
	struct stat ln;
	return fstat(fd, st) == 0 && S_ISREG(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid()) &&
	       lstat(path, &ln) == 0 && ln.st_dev == st->st_dev && ln.st_ino == st->st_ino;
}

// strip_deleted cuts the " (deleted)" /proc adds to a replaced program.
static void strip_deleted(char *s, ssize_t *n)
{
	static const char d[] = " (deleted)";
	if (*n >= (ssize_t)sizeof d - 1 && memcmp(s + *n - (sizeof d - 1), d, sizeof d - 1) == 0)
		*n -= sizeof d - 1;
	s[*n] = 0;
}

// same_exe is pidfile.checkExe for our own program: 1 if pid runs it, or
// if /proc/PID/exe may not be read by us (the lock then stands alone).
static int same_exe(pid_t pid)
{
	char link[32], got[PATH_MAX], want[PATH_MAX];
	struct stat a, b;
	ssize_t gn, wn;
	snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
	if (stat(link, &a) < 0) {
		if (errno == EACCES || errno == EPERM)
			return 1;
	} else if (stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		return 1;
	}
	if ((gn = readlink(link, got, sizeof got - 1)) < 0)
		return errno == EACCES || errno == EPERM;
	if ((wn = readlink("/proc/self/exe", want, sizeof want - 1)) < 0)
		return 0;
	strip_deleted(got, &gn), strip_deleted(want, &wn);
	return gn == wn && memcmp(got, want, (size_t)gn) == 0;
}

// write_locker is the pid of the process holding a write lock on fd's
// whole file (F_GETLK), 0 for none or a read lock, -1 on error.
static pid_t write_locker(int fd)
{
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	if (RETRY(fcntl(fd, F_GETLK, &lk)) < 0)
		return -1;
	return lk.l_type == F_WRLCK ? lk.l_pid : 0;
}

// running is one look, pidfile.Inspect's Running: the pid of our daemon,
// proven; else 0, and *stopped says there is no pidfile (nor directory).
static pid_t running(const char *path, int *stopped)
{
	struct stat st;
	pid_t pid = 0;
	int fd, dir = svc_prestart_dir_safe(path);
	*stopped = dir < 0;
	if (dir <= 0)
		return 0;
	if ((fd = (int)RETRY(open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY))) < 0) {
		*stopped = errno == ENOENT;
		return 0;
	}
	if (!safe_file(fd, path, &st) || (pid = read_pid(fd, NULL)) <= 0 || write_locker(fd) != pid)
		pid = 0;
	close(fd);
	return pid > 0 && same_exe(pid) ? pid : 0;
}

static long long now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * SVC_SEC + t.tv_nsec;
}

long long svc_prestart_deadline(long long ns)
{
	long long t = now();
	return ns > LLONG_MAX - t ? LLONG_MAX : t + ns;
}

// await waits up to ns for the pidfd to turn readable: 1 exited, 0 not
// yet, -1 poll failed.
static int await(int pidfd, long long ns)
{
	long long deadline = svc_prestart_deadline(ns);
	for (;;) {
		struct pollfd p = {pidfd, POLLIN, 0};
		long long left = deadline - now();
		struct timespec ts = {left > 0 ? left / SVC_SEC : 0, left > 0 ? left % SVC_SEC : 0};
		int r = ppoll(&p, 1, &ts, NULL);
		if (r > 0)
			return 1;
		if (r == 0 && deadline - now() <= 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static void print(int fd, const char *s)
{
	for (size_t n = strlen(s); n > 0;) {
		ssize_t w = RETRY(write(fd, s, n));
		if (w <= 0)
			return; // as Go's fmt.Fprintf, whose error nobody checks
		s += w, n -= (size_t)w;
	}
}

// fail is cli.fail: "svc stop: " and the error's text.
static int fail(const char *what)
{
	print(2, svc_prestart_prog);
	print(2, " stop: ");
	print(2, what);
	print(2, "\n");
	return 1;
}

int svc_prestart_remove_stale(const char *path, pid_t pid)
{
	struct stat st;
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	int empty, r = 0, fd = (int)RETRY(open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
	if (fd < 0 && errno != ENOENT && errno != ELOOP)
		fd = (int)RETRY(open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
	if (fd < 0)
		return 0; // gone: the daemon removed it, as it should (else Go's look tells)
	if (safe_file(fd, path, &st) && (RETRY(fcntl(fd, F_SETLK, &lk)) == 0 || write_locker(fd) == 0)) {
		pid_t got = read_pid(fd, &empty);
		if ((empty || got == pid) && RETRY(unlink(path)) < 0 && errno != ENOENT)
			r = errno;
	} // else held: a new daemon's, or being replaced by one
	close(fd);
	return r;
}

// signal_pinned sends sig through the pidfd; a process already gone is
// not an error. 0, or -1 with errno set.
static int signal_pinned(int pidfd, int sig)
{
	long r = RETRY(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
	return r < 0 && errno != ESRCH ? -1 : 0;
}

// stop_error is cli.fail for a *classic.Stop error after SIGTERM went out.
static int stop_error(const char *path, const char *what)
{
	char b[PATH_MAX + 256];
	snprintf(b, sizeof b, "stop %s: %s", path, what);
	return fail(b);
}

int svc_prestart_stop(long long timeout, const char *path)
{
	char b[160], t[64];
	int pidfd, r, stopped;
	pid_t pid = running(path, &stopped);
	if (pid <= 0)
		return -1;
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return -1;
	if (running(path, &stopped) != pid || await(pidfd, 0) != 0 || signal_pinned(pidfd, SIGTERM) < 0) {
		close(pidfd);
		return -1; // nothing was sent: Go looks again and tells
	}
	if ((r = await(pidfd, timeout)) == 0) {
		if (signal_pinned(pidfd, SIGKILL) < 0) {
			snprintf(b, sizeof b, "pidfd_send_signal: %s", svc_prestart_errno_text(errno, t, sizeof t));
			return stop_error(path, b);
		}
		if ((r = await(pidfd, KILL_WAIT)) == 0) {
			snprintf(b, sizeof b, "pid %d outlived SIGKILL by %s", (int)pid, svc_prestart_format_duration(KILL_WAIT, t));
			return stop_error(path, b);
		}
	}
	if (r < 0) {
		snprintf(b, sizeof b, "poll: %s", svc_prestart_errno_text(errno, t, sizeof t));
		return stop_error(path, b);
	}
	close(pidfd);
	if ((r = svc_prestart_remove_stale(path, pid)) != 0) {
		char m[PATH_MAX * 2 + 96];
		snprintf(m, sizeof m, "pidfile %s: unlink %s: %s", path, path, svc_prestart_errno_text(r, t, sizeof t));
		return fail(m);
	}
	snprintf(b, sizeof b, "stopped (pid %d)\n", (int)pid);
	print(1, b);
	return 0;
}

int svc_prestart_status(const char *path)
{
	char b[64];
	int stopped;
	pid_t pid = running(path, &stopped);
	if (pid > 0) {
		snprintf(b, sizeof b, "running (pid %d)\n", (int)pid);
		print(1, b);
		return 0;
	}
	if (stopped) {
		print(1, "stopped\n");
		return 3;
	}
	return -1;
}
