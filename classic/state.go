package classic

// State is what a pidfile says about its daemon. The zero value is Unknown,
// so an Info nobody filled in never claims a running daemon.
type State int

const (
	Unknown State = iota // cannot tell: unreadable, or locked by another process
	Running              // locked by the live process it names
	Dead                 // the pidfile exists, but no daemon holds it
	Stopped              // no pidfile
)

// LSB is the state's exit code for an init script's "status" action
// (LSB Core, "Init Script Actions").
func (s State) LSB() int {
	switch s {
	case Running:
		return 0
	case Dead:
		return 1
	case Stopped:
		return 3
	}
	return 4
}

func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Dead:
		return "dead"
	case Stopped:
		return "stopped"
	}
	return "unknown"
}

// Info is one look at a pidfile.
type Info struct {
	Path  string
	State State
	PID   int   // the pid the pidfile names; 0 if none could be read
	Err   error // why the state is Dead or Unknown; nil when Running or Stopped
}
