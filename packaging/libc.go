package packaging

import (
	"debug/elf"
	"fmt"
	"strconv"
	"strings"
)

// glibcVersion returns the newest GLIBC_x.y symbol version bin needs: what
// dpkg-shlibdeps turns into libc6 (>= x.y). "" for a binary that does not
// link libc (CGO_ENABLED=0).
func glibcVersion(bin string) (string, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return "", fmt.Errorf("packaging: %w", err)
	}
	defer f.Close()
	syms, err := f.ImportedSymbols()
	if err != nil {
		return "", nil // no dynamic symbol table: static
	}
	var best []int
	for _, s := range syms {
		v, ok := strings.CutPrefix(s.Version, "GLIBC_")
		if !ok {
			continue
		}
		if n := versionInts(v); n != nil && lessInts(best, n) {
			best = n
		}
	}
	if best == nil {
		return "", nil
	}
	parts := make([]string, len(best))
	for i, n := range best {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, "."), nil
}

func versionInts(v string) []int {
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

func lessInts(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
