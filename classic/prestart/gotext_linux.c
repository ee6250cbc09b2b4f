// Go's reading and spelling of numbers, durations, errnos and signals, in
// C: the launcher must read --timeout as flag.Duration does, control lines
// and ERRNO= as strconv.Atoi does, and print, byte for byte, what the Go
// launcher prints (time.Duration.String, syscall.Errno.Error,
// syscall.Signal.String). The tests compare each against Go itself.

#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "prestart_linux.h"

#define MAXNS 9223372036854775808ULL // 1<<63, as in time.ParseDuration

static const struct {
	const char *name;
	unsigned long long ns;
} units[] = {
	{"ns", 1ULL}, {"us", 1000ULL}, {"\xc2\xb5s", 1000ULL}, {"\xce\xbcs", 1000ULL},
	{"ms", 1000000ULL}, {"s", 1000000000ULL}, {"m", 60000000000ULL}, {"h", 3600000000000ULL},
};

static int isdigit_(char c) { return c >= '0' && c <= '9'; }

// svc_prestart_parse_duration is time.ParseDuration, step for step, float
// fraction arithmetic included, so both sides agree to the nanosecond.
int svc_prestart_parse_duration(const char *s, long long *ns)
{
	unsigned long long d = 0;
	int neg = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (*s == 0)
		return -1;
	while (*s) {
		unsigned long long v = 0, f = 0, u = 0;
		double scale = 1;
		int pre = 0, post = 0, over = 0;
		if (*s != '.' && !isdigit_(*s))
			return -1;
		for (; isdigit_(*s); s++, pre = 1) {
			if (v > MAXNS / 10)
				return -1;
			v = v * 10 + (unsigned)(*s - '0');
			if (v > MAXNS)
				return -1;
		}
		if (*s == '.') {
			for (s++; isdigit_(*s); s++, post = 1) {
				if (over || f > (MAXNS - 1) / 10 || f * 10 + (unsigned)(*s - '0') > MAXNS) {
					over = 1; // Go drops the digits it cannot hold
					continue;
				}
				f = f * 10 + (unsigned)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			return -1;
		size_t n = 0;
		while (s[n] && s[n] != '.' && !isdigit_(s[n]))
			n++;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strlen(units[i].name) == n && memcmp(units[i].name, s, n) == 0)
				u = units[i].ns;
		if (u == 0 || v > MAXNS / u)
			return -1;
		v *= u;
		if (f > 0 && (v += (unsigned long long)((double)f * ((double)u / scale))) > MAXNS)
			return -1;
		if ((d += v) > MAXNS)
			return -1;
		s += n;
	}
	if (neg) {
		*ns = (long long)(0 - d);
		return 0;
	}
	if (d > MAXNS - 1)
		return -1;
	*ns = (long long)d;
	return 0;
}

// frac and whole write backwards from the end of buf, as Go's fmtFrac
// and fmtInt do.
static char *frac(char *w, unsigned long long *v, int prec)
{
	int print = 0;
	for (int i = 0; i < prec; i++, *v /= 10) {
		print = print || *v % 10 != 0;
		if (print)
			*--w = (char)('0' + *v % 10);
	}
	if (print)
		*--w = '.';
	return w;
}

static char *whole(char *w, unsigned long long v)
{
	do
		*--w = (char)('0' + v % 10);
	while (v /= 10);
	return w;
}

// svc_prestart_format_duration is time.Duration.String for ns >= 0.
const char *svc_prestart_format_duration(long long ns, char buf[32])
{
	unsigned long long u = (unsigned long long)ns;
	char *w = buf + 31;
	*w = 0;
	*--w = 's';
	if (u == 0) {
		*--w = '0';
	} else if (u < 1000000000ULL) {
		int prec = 6;
		if (u < 1000ULL) {
			prec = 0;
			*--w = 'n';
		} else if (u < 1000000ULL) {
			prec = 3;
			w -= 2;
			memcpy(w, "\xc2\xb5", 2);
		} else {
			*--w = 'm';
		}
		w = frac(w, &u, prec);
		w = whole(w, u);
	} else {
		w = frac(w, &u, 9);
		w = whole(w, u % 60);
		if ((u /= 60) > 0) {
			*--w = 'm';
			w = whole(w, u % 60);
			if ((u /= 60) > 0) {
				*--w = 'h';
				w = whole(w, u);
			}
		}
	}
	return w;
}

// golike turns glibc's "Broken pipe" into Go's "broken pipe", keeping
// "CPU time limit exceeded" and "I/O possible" as Go does.
static const char *golike(const char *s, char *buf, int len)
{
	snprintf(buf, (size_t)len, "%s", s);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && buf[1] >= 'a' && buf[1] <= 'z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

// svc_prestart_errno_text is syscall.Errno(n).Error(). Go's table stops
// before EHWPOISON (133), and has no names for the unused 41 and 58.
const char *svc_prestart_errno_text(int n, char *buf, int len)
{
	const char *s = n > 0 && n < 133 ? strerrordesc_np(n) : NULL;
	if (s == NULL) {
		snprintf(buf, (size_t)len, "errno %d", n);
		return buf;
	}
	return golike(s, buf, len);
}

// svc_prestart_signal_text is syscall.Signal(n).String(): names for the
// 31 classic signals, "signal N" for the others.
const char *svc_prestart_signal_text(int n, char *buf, int len)
{
	const char *s = n > 0 && n < 32 ? sigdescr_np(n) : NULL;
	if (s == NULL) {
		snprintf(buf, (size_t)len, "signal %d", n);
		return buf;
	}
	return golike(s, buf, len);
}

// svc_prestart_atoi is strconv.Atoi: 0, or -1 on error.
int svc_prestart_atoi(const char *s, size_t n, long long *v)
{
	unsigned long long u = 0;
	int neg = n > 0 && *s == '-';
	if (n > 0 && (*s == '-' || *s == '+'))
		s++, n--;
	if (n == 0)
		return -1;
	for (; n > 0; s++, n--)
		if (*s < '0' || *s > '9' || u > LLONG_MAX / 10 || (u = u * 10 + (unsigned)(*s - '0')) > (unsigned long long)LLONG_MAX + (unsigned)neg)
			return -1;
	*v = neg ? (long long)(0 - u) : (long long)u;
	return 0;
}
