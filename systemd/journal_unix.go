//go:build unix

package systemd

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// IsJournalStream reports whether f is the stream journald connected the
// service to, named by journalStream ($JOURNAL_STREAM, "dev:ino"). A
// service whose stderr was redirected elsewhere sees false.
func IsJournalStream(journalStream string, f *os.File) (bool, error) {
	if journalStream == "" {
		return false, nil
	}
	var dev, ino uint64
	if _, err := fmt.Sscanf(journalStream, "%d:%d", &dev, &ino); err != nil {
		return false, fmt.Errorf("systemd: JOURNAL_STREAM=%q: not dev:ino", journalStream)
	}
	fd, err := rawFD(f)
	if err != nil {
		return false, fmt.Errorf("systemd: journal stream %s: %w", f.Name(), err)
	}
	var st unix.Stat_t
	for {
		err = unix.Fstat(fd, &st)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return false, &os.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	return uint64(st.Dev) == dev && uint64(st.Ino) == ino, nil
}

// isTooLarge reports whether a send failed only because of its size.
func isTooLarge(err error) bool {
	return errors.Is(err, unix.EMSGSIZE) || errors.Is(err, unix.ENOBUFS)
}
