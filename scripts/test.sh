#!/usr/bin/env bash
# Installs what the tests need, then runs every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
swift test
