#!/usr/bin/env bash
# Installs what the tests need, then runs every test. `.ci/run` calls exactly this.
#
# Two runs: the in-process suites first, then the suites that drive real `pier serve` processes
# (PierCLITests). Together they would share the two cores' cooperative pool with three-broker
# clusters and their clients, and in-process replication timed out waiting for a fetcher thread.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
swift build --build-tests
swift test --skip-build --skip PierCLITests
swift test --skip-build --filter PierCLITests
