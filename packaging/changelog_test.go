package packaging

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNewestVersion(t *testing.T) {
	v, err := newestVersion(writeChangelog(t, changelogYAML))
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != "0.1.0-1" || v.Date.IsZero() {
		t.Errorf("embedded changelog: version %s, date %v", v, v.Date)
	}

	two := []byte(`
- semver: 0.1.0-1
  date: 2026-01-01T00:00:00Z
  packager: a <a@b.invalid>
- semver: 0.2.0-3
  date: 2026-02-01T00:00:00Z
  packager: a <a@b.invalid>
`)
	v, err = newestVersion(writeChangelog(t, two))
	if err != nil {
		t.Fatal(err)
	}
	if v.Upstream != "0.2.0" || v.Release != "3" || !v.Date.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("newest of two = %+v, want 0.2.0-3 of 2026-02-01", v)
	}

	for _, bad := range []string{
		"- semver: 0.1.0\n  date: 2026-01-01T00:00:00Z\n",     // no packaging revision
		"- semver: 0.1.0-1-2\n  date: 2026-01-01T00:00:00Z\n", // '-' in the revision
		"- semver: 0.1.0-RC1\n  date: 2026-01-01T00:00:00Z\n", // dpkg and rpm order upper case apart
	} {
		if _, err := newestVersion(writeChangelog(t, []byte(bad))); !errors.Is(err, ErrInvalid) {
			t.Errorf("changelog %q: err = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := newestVersion(writeChangelog(t, []byte("[]\n"))); err == nil {
		t.Error("an empty changelog gave a version")
	}
}

func writeChangelog(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "changelog.yml")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
