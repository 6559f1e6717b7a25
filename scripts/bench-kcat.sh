#!/usr/bin/env bash
# Broker throughput with a real client: for each storage engine, starts a release-built
# `pier serve` on a free loopback port with a fresh data directory, produces N records with kcat
# and times it, consumes them all back with kcat and times that, then runs `pier perf produce` and
# `pier perf consume` on the same broker, and `pier perf produce` at a fixed 10,000 records/s for
# produce-latency percentiles. Prints records/s per engine. Leaves no process or file behind.
#
#   scripts/bench-kcat.sh [--records N] [--record-size BYTES] [--engines "sqlite segments"]
#                         [--latency-records N] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

records=2000000
record_size=100
engines="sqlite segments"
latency_records=200000
build=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --records) records="$2"; shift 2 ;;
        --record-size) record_size="$2"; shift 2 ;;
        --engines) engines="$2"; shift 2 ;;
        --latency-records) latency_records="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        *) echo "bench-kcat: unknown argument $1" >&2; exit 2 ;;
    esac
done
command -v kcat >/dev/null || { echo "bench-kcat: kcat is not installed (scripts/install-test-deps.sh installs it)" >&2; exit 1; }

if [[ $build == 1 ]]; then
    swift build -c release --product pier >&2
fi
pier="$(swift build -c release --show-bin-path)/pier"
[[ -x $pier ]] || { echo "bench-kcat: no release build at $pier (run without --no-build)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/pier-bench.XXXXXX")"
broker_pid=""
stop_broker() {
    if [[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null; then
        kill -TERM "$broker_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
    broker_pid=""
}
cleanup() {
    stop_broker
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
per_second() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# One line per record, record_size random letters and digits (kcat sends each line as a record).
echo "bench-kcat: generating $records records of $record_size bytes" >&2
# (head closes the pipe once it has enough, which is not a failure here.)
(set +o pipefail; base64 -w 0 /dev/urandom | tr -d '+/' | fold -w "$record_size" | head -n "$records") > "$work/records.txt"
[[ $(wc -l < "$work/records.txt") == "$records" ]] || { echo "bench-kcat: could not generate the records" >&2; exit 1; }

start_broker() {
    local engine=$1
    "$pier" serve --listen 127.0.0.1:0 --data-dir "$work/data-$engine" --engine "$engine" \
        > "$work/serve-$engine.out" 2> "$work/serve-$engine.log" &
    broker_pid=$!
    for _ in $(seq 1 300); do
        if grep -q "listening on" "$work/serve-$engine.out" 2>/dev/null; then break; fi
        kill -0 "$broker_pid" 2>/dev/null || { cat "$work/serve-$engine.log" >&2; echo "bench-kcat: pier serve exited" >&2; exit 1; }
        sleep 0.1
    done
    bootstrap="$(sed -n 's/^pier: listening on //p' "$work/serve-$engine.out")"
    [[ -n $bootstrap ]] || { echo "bench-kcat: pier serve did not announce its port" >&2; exit 1; }
}

summary=()
for engine in $engines; do
    echo "bench-kcat: engine $engine" >&2
    start_broker "$engine"
    topic="bench-kcat"

    started=$(now)
    kcat -P -b "$bootstrap" -t "$topic" -p 0 -X linger.ms=5 -X batch.size=1048576 -X acks=1 \
        -X compression.codec=none < "$work/records.txt"
    produce_seconds=$(awk -v a="$started" -v b="$(now)" 'BEGIN { print b - a }')

    # kcat -e stops at the first empty fetch at the log end, which any broker (Kafka too) holds
    # for the client's fetch.wait.max.ms, 500 ms by default: a constant, not throughput. 10 ms
    # keeps it out of the figure; fetches before the end have data and never wait.
    started=$(now)
    kcat -C -b "$bootstrap" -t "$topic" -p 0 -o beginning -e -q -X fetch.wait.max.ms=10 > /dev/null
    consume_seconds=$(awk -v a="$started" -v b="$(now)" 'BEGIN { print b - a }')

    # Untimed check that every record arrived: the last offset is records - 1.
    last_offset="$(kcat -C -b "$bootstrap" -t "$topic" -p 0 -o -1 -c 1 -e -q -f '%o\n')"
    if [[ $last_offset != $((records - 1)) ]]; then
        echo "bench-kcat: $engine: expected last offset $((records - 1)), found '$last_offset'" >&2
        exit 1
    fi
    kcat_produce=$(per_second "$records" "$produce_seconds")
    kcat_consume=$(per_second "$records" "$consume_seconds")
    echo "$engine: kcat produce $records records in ${produce_seconds}s = $kcat_produce records/s" >&2
    echo "$engine: kcat consume $records records in ${consume_seconds}s = $kcat_consume records/s" >&2

    perf_produce="$("$pier" perf produce --bootstrap "$bootstrap" --topic bench-perf --records "$records" \
        --record-size "$record_size" --acks 1 | tail -n 1)"
    echo "$engine: pier perf produce: $perf_produce" >&2
    perf_consume="$("$pier" perf consume --bootstrap "$bootstrap" --topic bench-perf --records "$records" | tail -n 1)"
    echo "$engine: pier perf consume: $perf_consume" >&2
    latency="$("$pier" perf produce --bootstrap "$bootstrap" --topic bench-latency --records "$latency_records" \
        --record-size "$record_size" --acks 1 --throughput 10000 | tail -n 1)"
    echo "$engine: pier perf produce at 10000 records/s: $latency" >&2

    rate() { sed -n 's/.*, \([0-9.]*\) records\/s.*/\1/p' <<< "$1"; }
    p99="$(sed -n 's/.*p99 \([0-9.]*\),.*/\1/p' <<< "$latency")"
    p999="$(sed -n 's/.*p99\.9 \([0-9.]*\),.*/\1/p' <<< "$latency")"
    summary+=("$(printf '%-9s %14s %14s %14s %14s %10s %10s' "$engine" "$kcat_produce" "$kcat_consume" \
        "$(rate "$perf_produce")" "$(rate "$perf_consume")" "$p99" "$p999")")
    stop_broker
done

echo
echo "$records records of $record_size bytes, one partition, acks=1, loopback; records/s except latency (ms, per produce request at 10,000 records/s)"
printf '%-9s %14s %14s %14s %14s %10s %10s\n' engine "kcat produce" "kcat consume" "perf produce" "perf consume" "p99 ms" "p99.9 ms"
printf '%s\n' "${summary[@]}"
