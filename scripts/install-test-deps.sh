#!/usr/bin/env bash
# Everything the test suite drives: real Kafka clients, the sqlite3 CLI, Python client libraries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/install-build-deps.sh"
# bsdutils: script(1), which gives `pier replay` a terminal in the progress-bar test.
# zookeeper: the Java server (and a JRE) the ZooKeeper store tests start on loopback ports.
# openssl: the certificates the TLS and SASL_SSL tests make for themselves.
# gdb: the stacks of a broker that outlives its stop limit, printed by the test that stopped it.
packages=(kcat sqlite3 python3 python3-pip bsdutils zookeeper gdb openssl)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
python3 -m pip install -q --disable-pip-version-check -r "$here/../Tests/requirements.txt" 2>&1 \
  | grep -v "Running pip as the 'root' user" || true
python3 -c 'import kafka, confluent_kafka, aiokafka' 
