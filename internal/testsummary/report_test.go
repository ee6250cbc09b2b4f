package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// events renders test2json lines.
func events(t *testing.T, evs ...event) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, e := range evs {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(j, '\n'))
	}
	return b.Bytes()
}

const (
	integ = module + "integration"
	sdt   = module + "internal/systemdtest"
	other = module + "install"
)

func TestReport(t *testing.T) {
	in := events(t,
		event{Action: "run", Package: sdt, Test: "TestBootRealSystemd"},
		event{Action: "output", Package: sdt, Test: "TestBootRealSystemd", Output: "=== RUN   TestBootRealSystemd\n"},
		event{Action: "output", Package: sdt, Test: "TestBootRealSystemd", Output: "--- PASS: TestBootRealSystemd (1.00s)\n"},
		event{Action: "pass", Package: sdt, Test: "TestBootRealSystemd"},
		event{Action: "output", Package: sdt, Output: "PASS\n"},
		event{Action: "output", Package: sdt, Output: "ok  \tgithub.com/svcdev/svc/internal/systemdtest\t1.2s\n"},
		event{Action: "pass", Package: sdt},
		// Every subtest of the OpenRC suite skipped: the suite did not run.
		event{Action: "output", Package: integ, Test: "TestInstallOpenRC/restart=no", Output: "--- SKIP: TestInstallOpenRC/restart=no (0.00s)\n"},
		event{Action: "output", Package: integ, Test: "TestInstallOpenRC/restart=no", Output: "    install_openrc_test.go:191: OpenRC test needs root (namespaces, /etc/init.d)\n"},
		event{Action: "skip", Package: integ, Test: "TestInstallOpenRC/restart=no"},
		event{Action: "skip", Package: integ, Test: "TestInstallOpenRC/crash"},
		event{Action: "pass", Package: integ, Test: "TestInstallOpenRC"},
		event{Action: "output", Package: integ, Test: "TestInstallSysVOnSystemd", Output: "--- SKIP: TestInstallSysVOnSystemd (0.00s)\n"},
		event{Action: "output", Package: integ, Test: "TestInstallSysVOnSystemd", Output: "    helpers_test.go:55: systemdtest: needs root\n"},
		event{Action: "skip", Package: integ, Test: "TestInstallSysVOnSystemd"},
		event{Action: "output", Package: integ, Test: "TestPackageDeb", Output: "    package_test.go:40: the unit failed\n"},
		event{Action: "output", Package: integ, Test: "TestPackageDeb", Output: "--- FAIL: TestPackageDeb (2.00s)\n"},
		event{Action: "fail", Package: integ, Test: "TestPackageDeb"},
		event{Action: "output", Package: integ, Test: "TestQuiet", Output: "a passing test's log\n"},
		event{Action: "pass", Package: integ, Test: "TestQuiet"},
		event{Action: "output", Package: integ, Output: "FAIL\tgithub.com/svcdev/svc/integration\t3.0s\n"},
		event{Action: "fail", Package: integ},
		event{Action: "build-output", ImportPath: other, Output: "# github.com/svcdev/svc/install\n"},
	)
	var out bytes.Buffer
	r := newReport(&out)
	readEvents(bytes.NewReader(append(in, "not json\n"...)), r)
	got := out.String()
	for _, want := range []string{
		"ok  \tgithub.com/svcdev/svc/internal/systemdtest\t1.2s\n",
		"    package_test.go:40: the unit failed\n--- FAIL: TestPackageDeb (2.00s)\n",
		"FAIL\tgithub.com/svcdev/svc/integration\t3.0s\n",
		"# github.com/svcdev/svc/install\n",
		"not json\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"a passing test's log", "PASS\n", "--- PASS"} {
		if strings.Contains(got, not) {
			t.Errorf("output has %q, which plain go test hides:\n%s", not, got)
		}
	}
	const want = "real-init suites: ran systemd; failed deb-on-systemd; " +
		"skipped sysv-on-systemd (systemdtest: needs root), openrc (OpenRC test needs root (namespaces, /etc/init.d))"
	if s := r.summary(); s != want {
		t.Errorf("summary:\n%s\nwant\n%s", s, want)
	}
}

func TestReportNothingRan(t *testing.T) {
	r := newReport(&bytes.Buffer{})
	const want = "real-init suites: ran none; skipped none; not in this run systemd, sysv-on-systemd, openrc, deb-on-systemd"
	if s := r.summary(); s != want {
		t.Errorf("summary = %q, want %q", s, want)
	}
}
