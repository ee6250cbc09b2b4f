package cli

import (
	"fmt"
	"os"
	"sync"
)

// logFile is an append-only log that can be reopened after rotation.
type logFile struct {
	path  string
	stdio bool
	mu    sync.Mutex
	f     *os.File
}

// openLog opens (creating, mode 0640) path for appending. With stdio, on
// Unix the file also becomes fds 1 and 2 at every (re)open, so a panic or a
// stray print lands in it too — what a daemon's --log means.
func openLog(path string, stdio bool) (*logFile, error) {
	l := &logFile{path: path, stdio: stdio}
	if err := l.Reopen(); err != nil {
		return nil, err
	}
	return l, nil
}

// Reopen opens the path anew (logrotate moved the old file away).
func (l *logFile) Reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	if !l.stdio {
		// nothing to redirect
	} else if err := redirectStdio(f); err != nil {
		f.Close()
		return fmt.Errorf("log file %s: %w", l.path, err)
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// Close closes the file.
func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
