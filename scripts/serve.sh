#!/usr/bin/env bash
# Installs the system libraries the build links against, then runs the broker with embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-build-deps.sh
exec swift run -c release pier serve "$@"
