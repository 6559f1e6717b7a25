#!/usr/bin/env bash
# System libraries the build links against; idempotent, quiet when already present.
set -euo pipefail
packages=(pkg-config libsqlite3-dev zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libzookeeper-mt-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
