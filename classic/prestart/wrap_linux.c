// A wrapped program (`svc start --classic ... -- PROG ARGS`) as the C
// launcher sees it, after classic/wrap.go (ResolveExec), classic/
// wrap_linux.go (lastWords) and package ready (Parse, Prepare, Wait for
// tcp:), whose names the comments use. C serves only what it can judge
// exactly as Go does: no --ready, notify, and tcp: with a numeric address.
// Anything else returns -1 here and the whole start is left to Go.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "prestart_linux.h"

// clean is filepath.Clean of a rooted path into out (PATH_MAX): 0, or -1
// when it does not fit.
static int clean(const char *p, char *out)
{
	size_t n = strlen(p), r = 1, w = 1;
	if (p[0] != '/' || n >= PATH_MAX)
		return -1;
	out[0] = '/';
	while (r < n) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (w > 1)
				for (w--; w > 1 && out[w] != '/'; w--)
					;
		} else {
			if (w != 1)
				out[w++] = '/';
			for (; r < n && p[r] != '/'; r++)
				out[w++] = p[r];
		}
	}
	out[w] = 0;
	return 0;
}

// getwd is os.Getwd: $PWD when it names the working directory, as Go's
// kludge has it (a path through a symbolic link stays one), else getcwd.
static int go_getwd(char *out)
{
	const char *pwd = getenv("PWD");
	struct stat dot, st;
	if (pwd && pwd[0] == '/' && strlen(pwd) < PATH_MAX && stat(".", &dot) == 0 && stat(pwd, &st) == 0 &&
	    dot.st_dev == st.st_dev && dot.st_ino == st.st_ino)
		return strcpy(out, pwd), 0;
	return getcwd(out, PATH_MAX) ? 0 : -1;
}

int svc_prestart_abs(const char *path, char *out)
{
	char joined[PATH_MAX * 2];
	if (path[0] == '/')
		return clean(path, out);
	if (go_getwd(joined) < 0 || strlen(joined) + 1 + strlen(path) >= PATH_MAX)
		return -1;
	strcat(strcat(joined, "/"), path);
	return clean(joined, out);
}

// executable is exec's findExecutable: a file, not a directory, that
// eaccess(2) lets us run (its mode bits where eaccess cannot say).
static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || S_ISDIR(st.st_mode))
		return 0;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return 1;
	return (errno == ENOSYS || errno == EPERM) && (st.st_mode & 0111);
}

// look_path is exec.LookPath for a name without a slash, for the absolute
// PATH entries only: a relative one ("" is ".") met before the program is
// found leaves it to Go, which would find it there and refuse (ErrDot).
static int look_path(const char *file, char *out)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX * 2];
	if (!path || !*path || strcmp(file, ".") == 0 || strcmp(file, "..") == 0)
		return -1;
	for (const char *dir = path;; dir++) {
		size_t n = strcspn(dir, ":");
		if (n == 0 || dir[0] != '/' || n + 1 + strlen(file) >= PATH_MAX)
			return -1;
		memcpy(cand, dir, n), cand[n] = '/', strcpy(cand + n + 1, file);
		if (clean(cand, out) == 0 && executable(out))
			return 0;
		dir += n;
		if (*dir == 0)
			return -1;
	}
}

int svc_prestart_resolve_exec(const char *prog, char *out)
{
	char path[PATH_MAX], abs[PATH_MAX];
	struct stat st;
	if (!*prog || strlen(prog) >= PATH_MAX)
		return -1;
	if (strchr(prog, '/'))
		strcpy(path, prog);
	else if (look_path(prog, path) < 0)
		return -1;
	// filepath.Abs cleans lexically first, then EvalSymlinks resolves:
	// realpath(3) of a clean absolute path is the same walk.
	if (svc_prestart_abs(path, abs) < 0 || !realpath(abs, out))
		return -1;
	return stat(out, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) ? 0 : -1;
}

// ipv4 reads a dotted quad as net.ParseIP does (no leading zeros).
static int ipv4(const char *s, size_t n, struct in_addr *a)
{
	unsigned char b[4];
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		unsigned v = 0, digits = 0;
		if (k > 0 && (i >= n || s[i++] != '.'))
			return -1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			v = v * 10 + (unsigned)(s[i] - '0');
		if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[i - digits] == '0'))
			return -1;
		b[k] = (unsigned char)v;
	}
	if (i != n)
		return -1;
	memcpy(&a->s_addr, b, 4);
	return 0;
}

// ipv6_text is netip.Addr.String of an IPv6 address that is not an
// IPv4-mapped one: lower-case hex, the longest run of two or more zero
// groups (the first of equal ones) as "::".
static void ipv6_text(const unsigned char *b, char *out)
{
	unsigned g[8];
	int best = -1, bestn = 0;
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestn && j - i >= 2)
			best = i, bestn = j - i;
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out += sprintf(out, "::");
			i += bestn - 1;
			continue;
		}
		out += sprintf(out, i > 0 && i != best + bestn ? ":%x" : "%x", g[i]);
	}
	*out = 0;
}

// tcp_addr reads tcp:'s HOST:PORT as ready.Parse and net.Dialer would,
// for a numeric IPv4 or bracketed IPv6 host and a numeric port; the
// address is then spelt as Go's dial error spells it (TCPAddr.String).
static int tcp_addr(const char *a, struct svc_prestart_wrap *w)
{
	const char *colon, *host = a;
	size_t hn;
	unsigned long port = 0;
	if (a[0] == '[') {
		const char *end = strchr(a, ']');
		if (!end || end[1] != ':')
			return -1;
		host = a + 1, hn = (size_t)(end - host), colon = end + 1;
	} else {
		colon = strrchr(a, ':');
		if (!colon)
			return -1;
		hn = (size_t)(colon - a);
	}
	if (colon[1] == 0 || strlen(colon + 1) > 5)
		return -1;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -1; // a service name, a sign: Go's
		else
			port = port * 10 + (unsigned long)(*p - '0');
	if (port == 0 || port > 65535)
		return -1;
	memset(&w->sa, 0, sizeof w->sa);
	if (a[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)&w->sa;
		if (ipv4(host, hn, &in->sin_addr) < 0 || in->sin_addr.s_addr == 0)
			return -1; // a host name, or unspecified: Go's
		in->sin_family = AF_INET, in->sin_port = htons((unsigned short)port);
		w->salen = sizeof *in;
		inet_ntop(AF_INET, &in->sin_addr, w->addr, sizeof w->addr);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&w->sa;
		char h[64];
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, zero[16];
		if (hn == 0 || hn >= sizeof h || strspn(host, "0123456789abcdefABCDEF:") < hn)
			return -1; // a zone, an embedded IPv4: Go's
		memcpy(h, host, hn), h[hn] = 0;
		if (inet_pton(AF_INET6, h, &in6->sin6_addr) != 1 || !memcmp(&in6->sin6_addr, mapped, 12) ||
		    !memcmp(&in6->sin6_addr, zero, 16))
			return -1; // Go dials a mapped one as IPv4
		in6->sin6_family = AF_INET6, in6->sin6_port = htons((unsigned short)port);
		w->salen = sizeof *in6;
		w->addr[0] = '[';
		ipv6_text(in6->sin6_addr.s6_addr, w->addr + 1);
	}
	snprintf(w->addr + strlen(w->addr), sizeof w->addr - strlen(w->addr), "%s:%lu", a[0] == '[' ? "]" : "", port);
	return 0;
}

int svc_prestart_parse_ready(const char *s, struct svc_prestart_wrap *w)
{
	w->ready = SVC_READY_NONE, w->spec[0] = 0, w->addr[0] = 0;
	if (*s == 0)
		return 0;
	if (strcmp(s, "notify") == 0)
		return w->ready = SVC_READY_NOTIFY, 0;
	if (strncmp(s, "tcp:", 4) != 0 || strlen(s) >= sizeof w->spec || tcp_addr(s + 4, w) < 0)
		return -1;
	strcpy(w->spec, s); // ready.Spec.String: "tcp:" and the address as given
	w->ready = SVC_READY_TCP;
	return 0;
}

static long long now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * SVC_SEC + t.tv_nsec;
}

int svc_prestart_answers(const struct svc_prestart_wrap *w)
{
	struct pollfd p = {socket(w->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), POLLOUT, 0};
	int err = -1;
	socklen_t n = sizeof err;
	if (p.fd < 0)
		return 0;
	if (connect(p.fd, (const struct sockaddr *)&w->sa, w->salen) == 0)
		err = 0;
	else if (errno == EINPROGRESS && RETRY(poll(&p, 1, 500)) > 0 && getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
		err = -1;
	close(p.fd);
	return err == 0;
}

// The probe of tcp: (ready.Prober.Wait): checks 5 ms apart, doubling to
// 100 ms, each a non-blocking connect bounded by 2 s and the deadline.
#define CHECK_TIMEOUT (2 * SVC_SEC)

static void check_failed(struct svc_prestart_probe *p, const char *why, long long t)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	snprintf(p->last, sizeof p->last, "dial tcp %s: %s", p->w->addr, why);
	p->next = t + p->delay;
	p->delay = p->delay * 2 < 100000000LL ? p->delay * 2 : 100000000LL;
}

static void check_errno(struct svc_prestart_probe *p, const char *op, int e, long long t)
{
	char b[128], text[64];
	snprintf(b, sizeof b, "%s: %s", op, svc_prestart_errno_text(e, text, sizeof text));
	check_failed(p, b, t);
}

// check_start begins one check: connected at once, refused at once, or
// in progress on p->fd.
static void check_start(struct svc_prestart_probe *p, long long t)
{
	p->fd = socket(p->w->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return check_errno(p, "socket", errno, t);
	if (connect(p->fd, (struct sockaddr *)&p->w->sa, p->w->salen) == 0) {
		close(p->fd), p->fd = -1, p->ok = 1;
		return;
	}
	if (errno != EINPROGRESS && errno != EINTR)
		return check_errno(p, "connect", errno, t);
	p->check_deadline = t + CHECK_TIMEOUT < p->deadline ? t + CHECK_TIMEOUT : p->deadline;
}

void svc_prestart_probe_begin(struct svc_prestart_probe *p, const struct svc_prestart_wrap *w, long long deadline)
{
	p->w = w, p->deadline = deadline, p->started = 1, p->ok = 0, p->fd = -1;
	p->delay = 5000000LL, p->last[0] = 0;
	check_start(p, now());
}

void svc_prestart_probe_step(struct svc_prestart_probe *p, int writable)
{
	long long t = now();
	if (!p->started || p->ok)
		return;
	if (p->fd >= 0) {
		int err = 0;
		socklen_t n = sizeof err;
		if (writable) {
			if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
				err = errno;
			if (err == 0) {
				close(p->fd), p->fd = -1, p->ok = 1;
				return;
			}
			if (err != EINPROGRESS && err != EALREADY)
				return check_errno(p, "connect", err, t);
		}
		if (t >= p->check_deadline)
			return check_failed(p, "i/o timeout", t);
		return;
	}
	if (t >= p->next && t < p->deadline)
		check_start(p, t);
}

long long svc_prestart_probe_wake(const struct svc_prestart_probe *p)
{
	if (!p->started || p->ok)
		return LLONG_MAX;
	return p->fd >= 0 ? p->check_deadline : p->next;
}

const char *svc_prestart_probe_last(struct svc_prestart_probe *p)
{
	// A check still in progress at the deadline ends as Go's does when
	// its context's deadline passes.
	if (p->fd >= 0)
		check_failed(p, "i/o timeout", now());
	return p->last;
}

// utf8 is utf8.DecodeRune's length of a valid sequence at s (n > 0
// bytes), its rune in *r; 0 for an invalid one.
static int utf8(const unsigned char *s, size_t n, unsigned *r)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	int len;
	if (c < 0x80)
		return *r = c, 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, *r = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, *r = c & 0x0f, lo = c == 0xe0 ? 0xa0 : lo, hi = c == 0xed ? 0x9f : hi;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, *r = c & 0x07, lo = c == 0xf0 ? 0x90 : lo, hi = c == 0xf4 ? 0x8f : hi;
	else
		return 0;
	if ((size_t)len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 1; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		*r = *r << 6 | (s[i] & 0x3f);
	}
	return len;
}

// printable is classic's: control characters but tab, DEL, C1 and
// invalid UTF-8 as \xNN. out must hold 4n bytes.
static size_t printable(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned r;
		int len = utf8(s + i, n - i, &r);
		if (len == 0)
			o += (size_t)sprintf(out + o, "\\x%02x", s[i]), len = 1;
		else if ((r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0))
			o += (size_t)sprintf(out + o, "\\x%02x", r);
		else
			memcpy(out + o, s + i, (size_t)len), o += (size_t)len;
		i += (size_t)len;
	}
	return o;
}

#define LAST_WORDS_BYTES 4096
#define LAST_WORDS_LINES 20

size_t svc_prestart_last_words(const char *path, long long offset, char *out, size_t cap)
{
	static unsigned char b[LAST_WORDS_BYTES];
	struct stat st;
	size_t n = 0, o = 0;
	int fd = (int)RETRY(open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || st.st_size <= offset)
		return close(fd), 0;
	long long from = st.st_size - LAST_WORDS_BYTES > offset ? st.st_size - LAST_WORDS_BYTES : offset;
	while (n < (size_t)(st.st_size - from)) {
		ssize_t r = RETRY(pread(fd, b + n, (size_t)(st.st_size - from) - n, from + (long long)n));
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	unsigned char *s = b, *end = b + n;
	if (from > offset) { // cut mid-line: drop the partial first line
		unsigned char *nl = memchr(s, '\n', n);
		if (nl)
			s = nl + 1;
	}
	while (end > s && end[-1] == '\n')
		end--;
	// The last lines: from after the 20th newline counted from the end.
	unsigned char *start = end;
	for (int lines = 0; start > s; start--)
		if (start[-1] == '\n' && ++lines == LAST_WORDS_LINES)
			break;
	for (unsigned char *l = start; l <= end && cap - o > 4 * (size_t)(end - l) + 3;) {
		unsigned char *nl = memchr(l, '\n', (size_t)(end - l));
		unsigned char *e = nl ? nl : end;
		o += printable(l, (size_t)(e - l), out + o);
		if (!nl)
			break;
		memcpy(out + o, "\n  ", 3), o += 3;
		l = nl + 1;
	}
	return o;
}
