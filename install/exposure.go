package install

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Exposure is `systemd-analyze security`'s overall verdict on a service
// unit: a score from 0.0 (confined) to 10.0 (exposed) and its word (SAFE,
// OK, MEDIUM, EXPOSED, UNSAFE).
type Exposure struct {
	Score float64
	Word  string
}

func (e Exposure) String() string { return fmt.Sprintf("%.1f %s", e.Score, e.Word) }

// ErrNoAnalyzer is returned by UnitExposure when systemd-analyze (252 or
// later, for --offline) is not installed.
var ErrNoAnalyzer = errors.New("systemd-analyze not found")

// parseExposure reads the "→ Overall exposure level for NAME: 1.1 OK 🙂"
// line of systemd-analyze security (systemd 252 prints no JSON for it).
func parseExposure(out []byte) (Exposure, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		_, rest, ok := strings.Cut(sc.Text(), "Overall exposure level for ")
		if !ok {
			continue
		}
		i := strings.LastIndex(rest, ": ")
		if i < 0 {
			break
		}
		f := strings.Fields(rest[i+2:])
		if len(f) < 2 {
			break
		}
		score, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			break
		}
		return Exposure{Score: score, Word: f[1]}, nil
	}
	return Exposure{}, fmt.Errorf("install: systemd-analyze security: no overall exposure level in %q", out)
}
