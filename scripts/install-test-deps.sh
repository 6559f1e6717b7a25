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

# Kafka's own tools (bin/kafka-*.sh), which the admin tests drive: no registry here provides Kafka's
# distribution, so ../shared/kafka-reference/kafka-reference.sh assembles it in /tmp/apache-kafka from
# two git copies under MIRROR_ROOT (default /work/.mirror when it holds them) and PyPI. Without the
# script or the copies it is not assembled, and the tests that need it say so when they skip: the one
# exception to "under CI=true a missing tool fails" (docs/admin.md). With them, a failing setup fails here.
reference="$here/../../shared/kafka-reference/kafka-reference.sh"
mirrors_in() { [ -d "$1/Ammar777782439+kafka_2.13-4.0.0/repo" ] && [ -d "$1/tmw090906+kafka/repo" ]; }
if [ -z "${KAFKA_HOME:-}" ] && [ ! -f /tmp/apache-kafka/.assembled ] && [ -x "$reference" ]; then
  mirror_root=${MIRROR_ROOT:-/work/.mirror}
  if mirrors_in "$mirror_root"; then
    if ! command -v javac >/dev/null; then
      sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
      "${sudo_cmd[@]}" apt-get update -qq
      DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq default-jdk-headless
    fi
    echo "install-test-deps: assembling Kafka's distribution in /tmp/apache-kafka (kafka-reference.sh setup, MIRROR_ROOT=$mirror_root)"
    MIRROR_ROOT="$mirror_root" "$reference" setup
  else
    echo "install-test-deps: no Kafka distribution: $mirror_root lacks the git copies kafka-reference.sh setup needs; tests of Kafka's tools will be skipped"
  fi
fi
