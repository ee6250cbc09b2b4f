package classic

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// scrubExecEnviron blanks the NAME= entries of the environment block the
// kernel laid out at exec, which /proc/PID/environ shows for the whole life
// of the process: os.Unsetenv only edits the runtime's copy. The entries
// are overwritten with NULs in place (moving the block's bounds needs
// CAP_SYS_RESOURCE); libc's environ pointers (cgo builds) then see empty
// strings, which match no name.
func scrubExecEnviron(name string) error {
	start, end, err := environBounds()
	if err != nil {
		return err
	}
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer mem.Close()
	block := make([]byte, end-start)
	if _, err := mem.ReadAt(block, start); err != nil {
		return fmt.Errorf("classic: read environment block: %w", err)
	}
	prefix := []byte(name + "=")
	for off := 0; off < len(block); {
		n := bytes.IndexByte(block[off:], 0)
		if n < 0 {
			n = len(block) - off
		}
		if bytes.HasPrefix(block[off:off+n], prefix) {
			if _, err := mem.WriteAt(make([]byte, n), start+int64(off)); err != nil {
				return fmt.Errorf("classic: scrub environment block: %w", err)
			}
		}
		off += n + 1
	}
	return nil
}

// environBounds reads env_start and env_end (fields 50 and 51) from
// /proc/self/stat; the fields after the parenthesised command name.
func environBounds() (start, end int64, err error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	f := bytes.Fields(b[i+1:]) // f[0] is field 3
	if i < 0 || len(f) < 51-2 {
		return 0, 0, fmt.Errorf("classic: /proc/self/stat: too few fields")
	}
	start, err1 := strconv.ParseInt(string(f[50-3]), 10, 64)
	end, err2 := strconv.ParseInt(string(f[51-3]), 10, 64)
	if err1 != nil || err2 != nil || end < start {
		return 0, 0, fmt.Errorf("classic: /proc/self/stat: bad environment bounds")
	}
	return start, end, nil
}
