// Package integration holds the end-to-end tests: the svc binary, built
// once from this tree by TestMain, run under real init systems.
//
// systemd_test.go proves svc's behaviour under a real systemd (Type=notify
// readiness, STATUS=, reload, watchdog, socket activation, journald, stop),
// booted per test by internal/systemdtest. The shared helpers are in
// helpers_test.go (bootWithSvc, svcService and the machine methods); other
// files of this package add the installers' and packages' tests.
//
// The tests need root and skip without it (or without systemd, cgroup2,
// overlayfs, curl). Run them with
//
//	go test ./integration/ -v -count=1
//
// SYSTEMDTEST_REQUIRE=1 turns those skips into failures.
package integration
