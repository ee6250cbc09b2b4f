#!/usr/bin/env bash
# make bench: install the contenders, then run the interleaved benchmarks
# under a prompt reaper (tini -s), at ulimit -n 1024, and write BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v tini >/dev/null || need+=(tini)
command -v daemonize >/dev/null || need+=(daemonize)
command -v dumb-init >/dev/null || need+=(dumb-init)
command -v start-stop-daemon >/dev/null || need+=(dpkg)
if [ ${#need[@]} -gt 0 ]; then
  apt-get -qq update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y "${need[@]}" >/dev/null
fi
ulimit -n 1024
export SVC_BENCH=1 SVC_BENCH_OUT="${SVC_BENCH_OUT:-$PWD/BENCHMARKS.md}"
exec tini -s -- go test -count=1 -timeout 60m -run '^TestBenchmarks$' -v ./bench/
