package packaging

import (
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/goreleaser/chglog"
)

//go:embed changelog.yml
var changelogYAML []byte

// Version is a package version split the way dpkg and rpm compare it.
type Version struct {
	Upstream string    // "0.1.0": what `svc version` prints
	Release  string    // "1": the packaging revision
	Date     time.Time // of the changelog entry: every file's mtime
}

func (v Version) String() string { return v.Upstream + "-" + v.Release }

// newestVersion reads the changelog (chglog's format) and returns its
// newest entry's version, which must be UPSTREAM-REVISION.
func newestVersion(changelog string) (Version, error) {
	entries, err := chglog.Parse(changelog)
	if err != nil {
		return Version{}, fmt.Errorf("packaging: %w", err)
	}
	var best *chglog.ChangeLog
	var bestV *semver.Version
	for _, e := range entries {
		sv, err := semver.StrictNewVersion(e.Semver)
		if err != nil {
			return Version{}, fmt.Errorf("packaging: changelog %s: entry %q: %w", changelog, e.Semver, err)
		}
		if bestV == nil || sv.GreaterThan(bestV) {
			best, bestV = e, sv
		}
	}
	if best == nil {
		return Version{}, fmt.Errorf("packaging: changelog %s: no entries", changelog)
	}
	up, rel, ok := strings.Cut(best.Semver, "-")
	if !ok || !versionPart.MatchString(rel) {
		return Version{}, invalid("changelog version", best.Semver, "want UPSTREAM-REVISION, e.g. 0.1.0-1")
	}
	return Version{Upstream: up, Release: rel, Date: best.Date.UTC()}, nil
}
