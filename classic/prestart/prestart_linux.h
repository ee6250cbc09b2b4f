// The C side of package prestart; see doc.go and prestart_linux.c.

#ifndef SVC_PRESTART_LINUX_H
#define SVC_PRESTART_LINUX_H

#include <sys/types.h>

// "@svc-classic-<pid>-<16 hex>" and its NUL.
#define SVC_PRESTART_ADDR_MAX 64

// The program's name as messages give it until the daemon says its own
// (X_SVC_NAME=): argv[0]'s last element.
extern const char *svc_prestart_prog;

// Set by the constructor in the daemon D only: the Go init reads them to
// hand D the launcher's notify address, as the re-exec path would.
extern int svc_prestart_daemon;
extern char svc_prestart_addr[SVC_PRESTART_ADDR_MAX];

// The constructor's decision: the --timeout in ns (and the --pidfile)
// when it launches, 0 when it leaves argv to Go. Tests call it from Go.
long long svc_prestart_decide(int argc, char **argv, char **envp, const char **pidfile);

// The flags of `svc start --classic`, by kind, NULL-terminated.
extern const char *const svc_prestart_bool_flags[];
extern const char *const svc_prestart_value_flags[];
extern const char *const svc_prestart_go_only_flags[];

// The same for `svc stop --classic` (stop_linux.c): the timeout in ns and
// the --pidfile when the constructor may try to stop, else 0.
long long svc_prestart_decide_stop(int argc, char **argv, const char **pidfile);
extern const char *const svc_prestart_stop_bool_flags[];
extern const char *const svc_prestart_stop_value_flags[];

// svc_prestart_stop stops pidfile's daemon as classic.Stop does when it
// runs, prints what `svc stop` prints and returns the exit code; -1 when
// it sent nothing and leaves the stop to Go.
int svc_prestart_stop(long long timeout, const char *pidfile);

// `svc status --classic`: the --pidfile when C may answer, else NULL;
// svc_prestart_status prints what `svc status` prints and returns the
// LSB code for a proven running daemon (0) or no pidfile (3), else -1.
const char *svc_prestart_decide_status(int argc, char **argv);
extern const char *const svc_prestart_status_bool_flags[];
extern const char *const svc_prestart_status_value_flags[];
int svc_prestart_status(const char *pidfile);

// pidfile.Clean's form (1: absolute and clean) and pidfile.CheckDir (1:
// safe, 0: unsafe or unreadable, -1: missing), for the decisions.
int svc_prestart_clean_path(const char *path);
int svc_prestart_dir_safe(const char *path);

// pidfile.RemoveStale: 0, or the errno of the unlink that failed.
int svc_prestart_remove_stale(const char *path, pid_t pid);

// now + ns on CLOCK_MONOTONIC, saturating instead of overflowing.
long long svc_prestart_deadline(long long ns);

// Go's reading and spelling (gotext_linux.c): time.ParseDuration and
// strconv.Atoi (0, or -1 on error), time.Duration.String (ns >= 0),
// syscall.Errno.Error and syscall.Signal.String.
int svc_prestart_parse_duration(const char *s, long long *ns);
int svc_prestart_atoi(const char *s, size_t n, long long *v);
const char *svc_prestart_format_duration(long long ns, char buf[32]);
const char *svc_prestart_errno_text(int n, char *buf, int len);
const char *svc_prestart_signal_text(int n, char *buf, int len);

// Between the C files: L after the fork (launcher_linux.c), with the
// notify socket, its end of the control socket and a signalfd (or -1).
int svc_prestart_watch(long long timeout, const char *pidfile, pid_t middle, int notify, int ctrl, int sigfd);

#define SVC_SEC 1000000000LL
// RETRY repeats a system call interrupted by a signal.
#define RETRY(expr) ({ long r_; do r_ = (long)(expr); while (r_ == -1 && errno == EINTR); r_; })

#endif
