// Package bench measures svc against the tools operators use today:
// start-stop-daemon (plain and --notify-await), daemonize(1), systemd
// Type=simple units, and the floor of a bare fork+exec. `make bench` runs
// TestBenchmarks (SVC_BENCH=1) under a prompt reaper and writes
// BENCHMARKS.md. Contenders run interleaved, round by round, so drift in
// the machine's speed hits them alike; figures are medians and ratios.
// Status, stop and start are measured back to back and again after an
// idle pause, where caches have gone cold as they do between real calls.
package bench
