#!/usr/bin/env bash
# Installs what the tests need, then runs every test. `.ci/run` calls exactly this.
#
# Three runs: the in-process suites in parallel; the in-process multi-broker suites (replication,
# controller failover, session renewal) one test at a time; then the suites that drive real
# `pier serve` processes (PierCLITests). Run all together, the in-process brokers shared the two
# cores with three-broker clusters and their clients, and replication timed out.
#
# Each run has a time limit, so a test process that stops making progress fails the suite with a
# message rather than holding CI until its own limit. (One did: a replica fetcher awaited a request
# written on a connection already closed, which nothing answered; an in-process broker whose stop
# takes over 30 s now prints the stage it is in.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
swift build --build-tests

multi_broker="ReplicationTests|ControllerFailoverTests|CoordinationSessionTests"

run() {
  local limit=$1; shift
  local status=0
  timeout --kill-after=10 "$limit" swift test --skip-build "$@" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "scripts/test.sh: swift test $* made no end within ${limit} s" >&2
  fi
  return "$status"
}

run 600 --skip "PierCLITests|$multi_broker"
run 300 --no-parallel --filter "$multi_broker"
run 1500 --filter PierCLITests
