// The C side of package prestart; see doc.go and prestart_linux.c.

#ifndef SVC_PRESTART_LINUX_H
#define SVC_PRESTART_LINUX_H

#include <limits.h>
#include <sys/socket.h>
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


// A wrapped program the launcher serves (wrap_linux.c): what
// classic.ResolveExec made of PROG, its readiness as ready.Parse read it
// (only the kinds C judges as Go does), and the log its last words are in.
enum { SVC_READY_NONE, SVC_READY_NOTIFY, SVC_READY_TCP };
struct svc_prestart_wrap {
	char exec[PATH_MAX]; // absolute, no symbolic link; "" for svc's own service
	int ready;           // SVC_READY_*
	char spec[128];      // ready.Spec.String(): "tcp:" and the address as given
	char addr[64];       // the address as Go's dial error spells it
	struct sockaddr_storage sa;
	socklen_t salen;
	char log[PATH_MAX]; // Options.LogFile (absolute), or ""
	long long log_offset;
};

// The constructor's wrapped program, once svc_prestart_decide took one on;
// NULL for svc's own service.
const struct svc_prestart_wrap *svc_prestart_wrapped(void);

// classic.ResolveExec (0, or -1: Go's to do or refuse) and filepath.Abs
// (0, or -1), into a PATH_MAX buffer.
int svc_prestart_resolve_exec(const char *prog, char *out);
int svc_prestart_abs(const char *path, char *out);

// ready.Parse for the kinds C serves: 0, or -1 (another kind, a host
// name, anything odd: Go's).
int svc_prestart_parse_ready(const char *s, struct svc_prestart_wrap *w);

// ready.Prepare's check of tcp:: 1 when something answers there already
// (within 500 ms), else 0.
int svc_prestart_answers(const struct svc_prestart_wrap *w);

// ready.Prober.Wait for tcp:, as a state machine the launcher polls: begin
// once exec happened; step when the socket polls writable or at wake.
struct svc_prestart_probe {
	const struct svc_prestart_wrap *w;
	int started, ok, fd;            // fd: a connect in progress, or -1
	long long deadline, next, delay; // next: the next check, after a failed one
	long long check_deadline;
	char last[256]; // the last check's failure, as Go's dial error says it
};
void svc_prestart_probe_begin(struct svc_prestart_probe *p, const struct svc_prestart_wrap *w, long long deadline);
void svc_prestart_probe_step(struct svc_prestart_probe *p, int writable);
long long svc_prestart_probe_wake(const struct svc_prestart_probe *p);
const char *svc_prestart_probe_last(struct svc_prestart_probe *p);

// classic.lastWords: the log's last lines since offset, escaped, joined
// by "\n  " as the launcher's message indents them; their length in out.
size_t svc_prestart_last_words(const char *path, long long offset, char *out, size_t cap);

// Between the C files: L after the fork (launcher_linux.c), with the
// notify socket, its end of the control socket and a signalfd (or -1),
// and the wrapped program, or NULL.
int svc_prestart_watch(long long timeout, const char *pidfile, const struct svc_prestart_wrap *wrap, pid_t middle, int notify,
		       int ctrl, int sigfd);

// `svc run -- PROG ARGS` (run_linux.c). svc_prestart_wraps is defined
// only by package classic/prestart/wrapper, which a program that wraps
// (cli.Program.Wrap) imports: its address is NULL in any other program,
// which then leaves `run -- PROG` to Go's usage error.
extern const int svc_prestart_wraps __attribute__((weak));

// svc_prestart_decide_run: 1 when argv is `run -- PROG ARGS` with nothing
// Go would do otherwise (no flag, no NOTIFY_SOCKET or LISTEN_FDS, an
// environment Go reads as it is) and PROG resolves as Go's lookup would
// find it, its path in path (PATH_MAX); else 0, Go's to do or report.
int svc_prestart_decide_run(int argc, char **argv, char **envp, char *path);

// svc_prestart_run supervises PROG (argv[3:]) as package supervise does
// and _exits with its status, or returns (nothing changed, PROG not run)
// when Go must do it all: a failure before or at exec.
void svc_prestart_run(char **argv, char **envp, const char *path);

#define SVC_SEC 1000000000LL
// RETRY repeats a system call interrupted by a signal.
#define RETRY(expr) ({ long r_; do r_ = (long)(expr); while (r_ == -1 && errno == EINTR); r_; })

#endif
