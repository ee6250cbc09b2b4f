package classic

import (
	"fmt"
	"os/user"
	"strconv"
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

func lookupUser(name string) (*user.User, error) {
	u, err := user.Lookup(name)
	if _, isNum := strconv.Atoi(name); err != nil && isNum == nil {
		u, err = user.LookupId(name)
	}
	if err != nil {
		return nil, fmt.Errorf("classic: user %q: %w", name, err)
	}
	return u, nil
}

func lookupGroup(name string) (*user.Group, error) {
	g, err := user.LookupGroup(name)
	if _, isNum := strconv.Atoi(name); err != nil && isNum == nil {
		g, err = user.LookupGroupId(name)
	}
	if err != nil {
		return nil, fmt.Errorf("classic: group %q: %w", name, err)
	}
	return g, nil
}
