package classic

import (
	"fmt"
	"math"
	"os/user"
	"strconv"
	"strings"
)

// creds are the ids the daemon drops to; nil: keep ours.
type creds struct {
	uid, gid int // -1: unchanged
	groups   []int
}

// lookupCreds resolves names or numeric ids. With a user, the group is
// the user's primary one unless given, and the supplementary groups are
// the user's (as initgroups(3) sets them); with only a group, none.
func lookupCreds(userName, groupName string) (*creds, error) {
	if userName == "" && groupName == "" {
		return nil, nil
	}
	c := &creds{uid: -1, gid: -1, groups: []int{}}
	if userName != "" {
		u, err := lookupUser(userName)
		if err != nil {
			return nil, err
		}
		if c.uid, err = strconv.Atoi(u.Uid); err != nil {
			return nil, fmt.Errorf("classic: user %q: uid %q: %w", userName, u.Uid, err)
		}
		if c.gid, err = strconv.Atoi(u.Gid); err != nil {
			return nil, fmt.Errorf("classic: user %q: gid %q: %w", userName, u.Gid, err)
		}
		ids, err := u.GroupIds()
		if err != nil {
			return nil, fmt.Errorf("classic: user %q: groups: %w", userName, err)
		}
		for _, s := range ids {
			g, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("classic: user %q: group id %q: %w", userName, s, err)
			}
			c.groups = append(c.groups, g)
		}
	}
	if groupName != "" {
		g, err := lookupGroup(groupName)
		if err != nil {
			return nil, err
		}
		if c.gid, err = strconv.Atoi(g.Gid); err != nil {
			return nil, fmt.Errorf("classic: group %q: gid %q: %w", groupName, g.Gid, err)
		}
	}
	return c, nil
}

// numericID reads a numeric user or group id; ok is false for a name.
// An id past 32 bits, or (uid_t)-1, which setuid(2) takes as "unchanged",
// is an error: os/user's cgo lookup would truncate the first to another
// id (4294967296 to root).
func numericID(kind, s string) (ok bool, err error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return false, nil
	}
	if v, err := strconv.ParseUint(s, 10, 32); err != nil || v == math.MaxUint32 {
		return true, fmt.Errorf("classic: %s %q: not a valid %s id (0 to %d)", kind, s, kind, uint32(math.MaxUint32-1))
	}
	return true, nil
}

func lookupUser(name string) (*user.User, error) {
	isNum, err := numericID("user", name)
	if err != nil {
		return nil, err
	}
	u, err := user.Lookup(name)
	if err != nil && isNum {
		u, err = user.LookupId(name)
	}
	if err != nil {
		return nil, fmt.Errorf("classic: user %q: %w", name, err)
	}
	return u, nil
}

func lookupGroup(name string) (*user.Group, error) {
	isNum, err := numericID("group", name)
	if err != nil {
		return nil, err
	}
	g, err := user.LookupGroup(name)
	if err != nil && isNum {
		g, err = user.LookupGroupId(name)
	}
	if err != nil {
		return nil, fmt.Errorf("classic: group %q: %w", name, err)
	}
	return g, nil
}
