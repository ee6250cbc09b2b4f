package classic

import (
	"fmt"
	"os"
	"strings"
)

// HandoffEnv is the variable that tells a re-executed process its role in
// the launch protocol: "middle:<notify address>" or "daemon:<notify
// address>". It is consumed (unset) by the process that receives it.
const HandoffEnv = "SVC_CLASSIC_HANDOFF"

// role is a process's part in the launch protocol.
type role int

const (
	roleLauncher role = iota // no hand-off: the operator ran us
	roleMiddle               // session leader that starts the daemon
	roleDaemon               // the daemon itself
)

var roleNames = map[role]string{roleMiddle: "middle", roleDaemon: "daemon"}

// handoff is what a middle or daemon process was handed.
type handoff struct {
	role   role
	notify string // the launcher's notify socket, "@abstract" or "/path"
}

// parseHandoff parses a HandoffEnv value; "" is the launcher's.
func parseHandoff(v string) (handoff, error) {
	if v == "" {
		return handoff{role: roleLauncher}, nil
	}
	name, addr, _ := strings.Cut(v, ":")
	for r, n := range roleNames {
		if n == name && (strings.HasPrefix(addr, "@") || strings.HasPrefix(addr, "/")) {
			return handoff{role: r, notify: addr}, nil
		}
	}
	return handoff{}, fmt.Errorf("classic: %s=%q: want middle:@ADDRESS or daemon:@ADDRESS", HandoffEnv, v)
}

func (h handoff) String() string { return roleNames[h.role] + ":" + h.notify }

// consumeHandoff reads and unsets HandoffEnv, so neither the service nor
// anything it starts sees the marker.
func consumeHandoff() (handoff, error) {
	v, ok := os.LookupEnv(HandoffEnv)
	if !ok {
		return handoff{role: roleLauncher}, nil
	}
	os.Unsetenv(HandoffEnv)
	return parseHandoff(v)
}

// withHandoff returns env without any HandoffEnv entry, plus h's.
func withHandoff(env []string, h handoff) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, HandoffEnv+"=") {
			out = append(out, kv)
		}
	}
	return append(out, HandoffEnv+"="+h.String())
}
