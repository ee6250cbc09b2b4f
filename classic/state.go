package classic

import "github.com/svcdev/svc/classic/pidfile"

// The pidfile and its proof live in package pidfile; these names keep
// classic's API whole for callers that only start, stop and look.
type (
	// State is what a pidfile says about its daemon (pidfile.State).
	State = pidfile.State
	// Info is one look at a pidfile (pidfile.Info).
	Info = pidfile.Info
	// RunningError says a live daemon holds the pidfile.
	RunningError = pidfile.RunningError
	// PIDFile is a pidfile held by this process (pidfile.File).
	PIDFile = pidfile.File
)

const (
	Unknown = pidfile.Unknown
	Running = pidfile.Running
	Dead    = pidfile.Dead
	Stopped = pidfile.Stopped
)

// Errors callers branch on, with errors.Is (see package pidfile).
var (
	ErrRunning    = pidfile.ErrRunning
	ErrNotRunning = pidfile.ErrNotRunning
	ErrForeign    = pidfile.ErrForeign
	ErrUnsafeDir  = pidfile.ErrUnsafe
)

// Create makes path the pidfile of this process (pidfile.Create).
func Create(path string) (*PIDFile, error) { return pidfile.Create(path) }

// Inspect tells whether path's daemon, this program, runs
// (pidfile.Inspect).
func Inspect(path string) Info { return pidfile.Inspect(path, "") }

// Exec is the program a wrapped daemon runs (Options.Exec): an absolute
// path with no symbolic link in it (ResolveExec), which stop, status and
// reload prove the pidfile's holder runs instead of this program. Its
// methods are the package's functions of the same names for that daemon;
// Exec("") is this program. A wrapped program knows nothing of the
// reload report, so its Reload only signals (Signal with SIGHUP).
type Exec string

// Inspect tells whether path's daemon, running e, runs.
func (e Exec) Inspect(path string) Info { return pidfile.Inspect(path, e.proof()) }
