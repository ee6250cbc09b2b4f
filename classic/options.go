package classic

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/svcdev/svc/classic/pidfile"
	"github.com/svcdev/svc/ready"
)

// Defaults for the zero Options.
const (
	DefaultUmask   os.FileMode = 0o022
	DefaultChdir               = "/"
	DefaultTimeout             = 30 * time.Second
)

// Options configure Daemonize. The zero value of each field is the
// daemon(7) default. Relative paths are taken from the caller's working
// directory, not from Chdir.
type Options struct {
	// PIDFile is the pidfile the daemon creates and holds (required).
	PIDFile string
	// LogFile receives the daemon's stdout and stderr (appended); empty:
	// /dev/null. It is opened before privileges are dropped.
	LogFile string
	// User and Group to run as (names or numeric ids). With User alone the
	// group is the user's primary group and the supplementary groups are
	// the user's; with Group alone only the group changes.
	User, Group string
	// Umask of the daemon; nil: DefaultUmask.
	Umask *os.FileMode
	// Chdir is the daemon's working directory; empty: "/".
	Chdir string
	// Timeout bounds the wait for READY=1; 0: DefaultTimeout.
	Timeout time.Duration
	// Name is the program's name as its messages give it ("echod" in
	// "echod start: ..."): the daemon tells the launcher, which in the C
	// fast path (package classic/prestart) cannot know it otherwise.
	Name string
	// Args are the arguments (without the program name) the middle and
	// daemon processes are started with; nil: os.Args[1:]. They must lead
	// the program back to Daemonize with the same Options.
	Args []string
	// NoNewPrivs sets no_new_privs on the daemon even without User (with
	// User it is always set, and the capability sets emptied).
	NoNewPrivs bool

	// Exec, if set, is a program the daemon becomes once it is set up: it
	// execs Exec (absolute, no symbolic link in it: ResolveExec) with
	// ExecArgs as its argv (ExecArgs[0] is the name it runs under), and
	// Daemonize does not return there. The program keeps the pidfile's
	// descriptor and its lock, so the pidfile names the program itself,
	// and stop, status and reload find it through Exec(Exec). Its stdout
	// and stderr are LogFile; a program that dies before it is ready
	// has its last lines there reported by the launcher.
	Exec     string
	ExecArgs []string
	// Ready is how the launcher knows the program Exec runs is ready:
	// ready.Notify gives it NOTIFY_SOCKET and waits for READY=1 from its
	// pid; a probe is run by the launcher; ready.None: it is ready once
	// exec succeeded. Only for Exec (this program says READY=1 itself).
	Ready ready.Spec
}

// resolved returns o with defaults filled in and paths made absolute, so
// the daemon means the same files after its chdir.
func (o Options) resolved() (Options, error) {
	if o.PIDFile == "" {
		return o, fmt.Errorf("classic: no pidfile given")
	}
	if o.Umask == nil {
		m := DefaultUmask
		o.Umask = &m
	}
	if *o.Umask&^0o777 != 0 {
		return o, fmt.Errorf("classic: umask %#o: not a permission mask", uint32(*o.Umask))
	}
	if o.Chdir == "" {
		o.Chdir = DefaultChdir
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Args == nil && len(os.Args) > 0 {
		o.Args = os.Args[1:]
	}
	if o.Exec == "" && o.Ready.Kind != ready.None {
		return o, fmt.Errorf("classic: a readiness spec (%s) is for a wrapped program (Options.Exec)", o.Ready)
	}
	if o.Exec != "" {
		if !filepath.IsAbs(o.Exec) || len(o.ExecArgs) == 0 {
			return o, fmt.Errorf("classic: Options.Exec %q: want an absolute path, and its argv in ExecArgs", o.Exec)
		}
	}
	pf, err := pidfile.Clean(o.PIDFile)
	if err != nil {
		return o, err
	}
	o.PIDFile = pf
	for _, p := range []*string{&o.LogFile, &o.Chdir} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return o, fmt.Errorf("classic: %s: %w", *p, err)
		}
		*p = abs
	}
	return o, nil
}
