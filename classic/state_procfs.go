package classic

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// lockEntry is one line of /proc/locks (proc(5)), for example
//
//	1: FLOCK  ADVISORY  WRITE 4242 fe:00:9978243 0 EOF
//	1: -> FLOCK  ADVISORY  WRITE 4343 fe:00:9978243 0 EOF
//
// The second waits for the first; only the first holds the lock. The pid is
// the process that took the lock, in our pid namespace (0 if not visible);
// the device is major:minor in hex, the inode in decimal.
type lockEntry struct {
	class        string // FLOCK, POSIX, OFDLCK, LEASE, ...
	waiting      bool   // blocked behind a holder ("->")
	write        bool   // WRITE: LOCK_EX for flock
	pid          int
	major, minor uint32
	ino          uint64
}

// parseLocksLine parses one /proc/locks line; ok is false for lines it does
// not understand, which callers skip.
func parseLocksLine(line string) (e lockEntry, ok bool) {
	f := strings.Fields(line)
	if len(f) > 0 && strings.HasSuffix(f[0], ":") {
		f = f[1:]
	}
	if len(f) > 0 && f[0] == "->" {
		e.waiting = true
		f = f[1:]
	}
	if len(f) < 5 {
		return e, false
	}
	e.class, e.write = f[0], f[2] == "WRITE"
	pid, err := strconv.Atoi(f[3])
	if err != nil {
		return e, false
	}
	e.pid = pid
	dev := strings.Split(f[4], ":")
	if len(dev) != 3 {
		return e, false
	}
	major, err1 := strconv.ParseUint(dev[0], 16, 32)
	minor, err2 := strconv.ParseUint(dev[1], 16, 32)
	ino, err3 := strconv.ParseUint(dev[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return e, false
	}
	e.major, e.minor, e.ino = uint32(major), uint32(minor), ino
	return e, true
}

// flockHolders lists the pids holding an exclusive flock on the inode
// (major, minor, ino) in a /proc/locks text. Shared flocks are left out:
// a daemon holds LOCK_EX, and LOCK_SH is what a status probe takes.
func flockHolders(locks []byte, major, minor uint32, ino uint64) []int {
	var pids []int
	sc := bufio.NewScanner(bytes.NewReader(locks))
	for sc.Scan() {
		e, ok := parseLocksLine(sc.Text())
		if ok && e.class == "FLOCK" && e.write && !e.waiting &&
			e.major == major && e.minor == minor && e.ino == ino {
			pids = append(pids, e.pid)
		}
	}
	return pids
}

// parseProcState returns the state letter of a /proc/PID/stat text: the
// field after the command name, which is parenthesised and may itself
// hold spaces and parentheses.
func parseProcState(stat []byte) (byte, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) || stat[i+1] != ' ' {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	return stat[i+2], nil
}
