// `svc stop --classic` in the constructor, before the Go runtime starts:
// classic.Stop's common case (the pidfile names the live process that
// holds its lock) in C, so that a stop costs one C-sized process start
// instead of a Go one. Everything else (no pidfile, a stale or foreign
// one, a symlink, a process already gone, any error before a signal is
// sent) returns to Go, which looks again from scratch and does, or
// reports, it all: C never signals on a judgement Go would not make.
//
// Identity is classic's (state_linux.go): the pid in the file is the one
// /proc/locks lists as the only holder of the inode's exclusive flock,
// and it has not exited. The process is then pinned by a pidfd and the
// pidfile judged again, so a pid reused between the look and the signal
// cannot be hit; the pidfd also tells of the exit, zombies included.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

// /proc/locks, whole. A longer one (over ~20000 locks) is left to Go.
static char locks[1 << 20];

// read_pid is readPIDContent and parsePIDContent: decimal digits with no
// leading zero or sign and at most one trailing newline, an int32 > 0.
static pid_t read_pid(int fd)
{
	char b[33];
	long long v;
	ssize_t n = RETRY(pread(fd, b, sizeof b, 0));
	if (n <= 0 || n > 32)
		return 0;
	n -= b[n - 1] == '\n';
	if (n == 0 || b[0] < '1' || b[0] > '9' || svc_prestart_atoi(b, (size_t)n, &v) < 0 || v > 0x7fffffff)
		return 0;
	return (pid_t)v;
}

// num reads digits in base (10 or lowercase 16) at *p, moving *p past
// them; 0 if there are none or they overflow.
static int num(const char **p, const char *end, int base, unsigned long long *v)
{
	const char *s = *p;
	*v = 0;
	for (; *p < end; (*p)++) {
		int c = **p, d = c >= '0' && c <= '9' ? c - '0' : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			break;
		if (*v > (~0ULL - (unsigned long long)d) / (unsigned long long)base)
			return 0;
		*v = *v * (unsigned long long)base + (unsigned long long)d;
	}
	return *p > s;
}

// svc_prestart_lock_holder is flockHolders for one line: the pid of a granted exclusive
// FLOCK on (major, minor, ino), else 0. A line looks like
// "3: FLOCK  ADVISORY  WRITE 1234 fe:00:9986414 0 EOF"; a waiter has "->"
// after the number.
long long svc_prestart_lock_holder(const char *l, const char *end, unsigned maj, unsigned min, unsigned long long ino)
{
	const char *f[7];
	size_t fn[7];
	int k = 0, i = 0;
	unsigned long long pid, a, b, c;
	for (const char *p = l; k < 7;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		f[k] = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		fn[k] = (size_t)(p - f[k]);
		k++;
	}
	if (k > 0 && f[0][fn[0] - 1] == ':')
		i++; // the line's number
	if (i < k && fn[i] == 2 && memcmp(f[i], "->", 2) == 0)
		return 0; // waiting, not holding
	if (k - i < 5 || fn[i] != 5 || memcmp(f[i], "FLOCK", 5) != 0 || fn[i + 2] != 5 || memcmp(f[i + 2], "WRITE", 5) != 0)
		return 0;
	const char *p = f[i + 3], *pe = p + fn[i + 3];
	if (!num(&p, pe, 10, &pid) || p != pe || pid == 0 || pid > 0x7fffffff)
		return 0;
	p = f[i + 4], pe = p + fn[i + 4];
	if (!num(&p, pe, 16, &a) || p == pe || *p++ != ':' || !num(&p, pe, 16, &b) || p == pe || *p++ != ':' ||
	    !num(&p, pe, 10, &c) || p != pe)
		return 0;
	return a == maj && b == min && c == ino ? (long long)pid : 0;
}

// lock_holder is the one pid holding st's inode's exclusive flock: 0 for
// none, -1 for more than one, or when /proc/locks cannot be read whole.
static long long lock_holder(const struct stat *st)
{
	size_t n = 0;
	long long found = 0;
	int fd = (int)RETRY(open("/proc/locks", O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = RETRY(read(fd, locks + n, sizeof locks - n));
		if (r < 0 || (r == 0 && n == sizeof locks)) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof locks) {
			char c;
			if (RETRY(read(fd, &c, 1)) != 0) {
				close(fd);
				return -1;
			}
			break;
		}
	}
	close(fd);
	for (const char *l = locks, *end = locks + n; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		long long pid = svc_prestart_lock_holder(l, nl ? nl : end, major(st->st_dev), minor(st->st_dev), (unsigned long long)st->st_ino);
		if (pid && found)
			return -1;
		if (pid)
			found = pid;
		l = nl ? nl + 1 : end;
	}
	return found;
}

// alive is pidAlive: the process exists and is neither a zombie nor dead.
// An unreadable stat is no answer here: Go decides.
static int alive(pid_t pid)
{
	char path[32], b[512];
	ssize_t n;
	int fd;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = (int)RETRY(open(path, O_RDONLY | O_CLOEXEC))) < 0)
		return 0;
	n = RETRY(read(fd, b, sizeof b));
	close(fd);
	if (n <= 0)
		return 0;
	const char *rp = memrchr(b, ')', (size_t)n);
	if (!rp || rp + 2 >= b + n || rp[1] != ' ')
		return 0;
	return rp[2] != 'Z' && rp[2] != 'X';
}

// running is one look, Inspect's Running: the pid of the live process
// that alone holds the pidfile's lock and is named in it; else 0.
static pid_t running(const char *path)
{
	struct stat st, ln;
	pid_t pid = 0;
	int fd = (int)RETRY(open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && lstat(path, &ln) == 0 && ln.st_dev == st.st_dev &&
	    ln.st_ino == st.st_ino && (pid = read_pid(fd)) > 0 && lock_holder(&st) != pid)
		pid = 0;
	close(fd);
	return pid > 0 && alive(pid) ? pid : 0;
}

static long long now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * SVC_SEC + t.tv_nsec;
}

// await waits up to ns for the pidfd to turn readable: 1 exited, 0 not
// yet, -1 poll failed.
static int await(int pidfd, long long ns)
{
	long long deadline = now() + ns;
	for (;;) {
		struct pollfd p = {pidfd, POLLIN, 0};
		long long left = deadline - now();
		struct timespec ts = {left > 0 ? left / SVC_SEC : 0, left > 0 ? left % SVC_SEC : 0};
		int r = ppoll(&p, 1, &ts, NULL);
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

// remove_stale is removeStalePIDFile: the pidfile goes if nobody holds it,
// it still names pid, and the name is still that file's.
static void remove_stale(const char *path, pid_t pid)
{
	struct stat st, ln;
	int fd = (int)RETRY(open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
	if (fd < 0)
		return; // gone: the daemon removed it, as it should
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && RETRY(flock(fd, LOCK_EX | LOCK_NB)) == 0 &&
	    read_pid(fd) == pid && lstat(path, &ln) == 0 && ln.st_dev == st.st_dev && ln.st_ino == st.st_ino)
		unlink(path);
	close(fd);
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

// signal_pinned sends sig through the pidfd; a process already gone is
// not an error. 0, or -1 with errno set.
static int signal_pinned(int pidfd, int sig)
{
	long r = RETRY(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
	return r < 0 && errno != ESRCH ? -1 : 0;
}

// fail is cli.fail for a *classic.Stop error after SIGTERM went out.
static int fail(const char *path, const char *what)
{
	print(2, "svc stop: classic: stop ");
	print(2, path);
	print(2, ": ");
	print(2, what);
	print(2, "\n");
	return 1;
}

int svc_prestart_stop(long long timeout, const char *path)
{
	char b[160], t[64];
	pid_t pid = running(path);
	int pidfd, r;
	if (pid <= 0)
		return -1;
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return -1;
	if (running(path) != pid || signal_pinned(pidfd, SIGTERM) < 0) {
		close(pidfd);
		return -1; // nothing was sent: Go looks again and tells
	}
	if ((r = await(pidfd, timeout)) == 0) {
		if (signal_pinned(pidfd, SIGKILL) < 0) {
			snprintf(b, sizeof b, "pidfd_send_signal: %s", svc_prestart_errno_text(errno, t, sizeof t));
			return fail(path, b);
		}
		if ((r = await(pidfd, KILL_WAIT)) == 0) {
			snprintf(b, sizeof b, "pid %d outlived SIGKILL by %s", (int)pid, svc_prestart_format_duration(KILL_WAIT, t));
			return fail(path, b);
		}
	}
	if (r < 0) {
		snprintf(b, sizeof b, "poll: %s", svc_prestart_errno_text(errno, t, sizeof t));
		return fail(path, b);
	}
	close(pidfd);
	remove_stale(path, pid);
	snprintf(b, sizeof b, "stopped (pid %d)\n", (int)pid);
	print(1, b);
	return 0;
}
