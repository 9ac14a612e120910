#!/usr/bin/env bash
# Every benchmark the issues ask for, one after the other, with their logs kept together.
#
#   scripts/bench.sh                       # all four: launch checkpoint operator agent
#   scripts/bench.sh launch operator       # a subset, in the order given
#
# Run it as root on a quiet machine: the harnesses compare peers within one run, but the absolute figures of the
# operator and agent benchmarks (create -> Scheduled / Running) depend on what else the 2 cores are doing, so the
# load average is recorded before and after each one. Results: docs/benchmarks.md. Logs: $BENCH_OUT (default
# target/bench/<timestamp>/), one file per benchmark plus summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

benchmarks=("$@")
[[ ${#benchmarks[@]} -gt 0 ]] || benchmarks=(launch checkpoint operator agent)
for bench in "${benchmarks[@]}"; do
  [[ $bench =~ ^(launch|checkpoint|operator|agent)$ ]] || { echo "unknown benchmark '$bench' (launch checkpoint operator agent)" >&2; exit 2; }
done
out=${BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
summary="$out/summary.txt"

log() { echo "$*" | tee -a "$summary"; }

run_launch() {
  scripts/mvn -B -pl node-agent -am package -DskipTests
  node-agent/bin/nucleus bench launch -n 200 --pool 2
}

run_checkpoint() {
  scripts/mvn -B -pl node-agent -am package -DskipTests
  (cd node-agent && java -cp "target/test-classes:target/classes:target/lib/*" \
    dev.nucleus.agent.checkpoint.CheckpointBenchmark 6)
}

run_operator() {
  scripts/mvn -B -pl src -am test -Dtest=SandboxPlacementBench -Doperator.excludedGroups=none -Dgroups=bench \
    -Dsurefire.failIfNoSpecifiedTests=false
}

run_agent() {
  scripts/mvn -B -pl e2e -am verify -Dtest=AgentBenchmark -Dgroups=bench -De2e.excludedGroups=none \
    -Dsurefire.failIfNoSpecifiedTests=false
}

log "benchmarks of $(git rev-parse --short HEAD) on $(uname -r), $(nproc) CPUs, started $(date -u +%FT%TZ)"
for bench in "${benchmarks[@]}"; do
  log "== $bench: load before $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%TZ)"
  if "run_$bench" >"$out/$bench.log" 2>&1; then status=ok; else status="FAILED (exit $?)"; fi
  log "== $bench: $status, load after $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%TZ), log $out/$bench.log"
  # The harnesses print their result lines with these markers; the full tables are in the log.
  grep -E '^(BENCH |\| |Agent end to end)' "$out/$bench.log" | tee -a "$summary" || true
done
