#!/usr/bin/env bash
# Local Pier brokers sharing one coordination file, for trying a cluster out on one host.
#
#   scripts/cluster.sh up N [--base-port P] [--data ROOT] [--pier BIN] [-- EXTRA SERVE FLAGS...]
#   scripts/cluster.sh status [--data ROOT]
#   scripts/cluster.sh down [--data ROOT]
#
# up starts brokers 1..N: broker i listens on 127.0.0.1:(P + i - 1) (P defaults to 9092), keeps its
# partitions in ROOT/broker-i (ROOT defaults to ./pier-cluster), logs to ROOT/broker-i.log, writes
# its pid to ROOT/broker-i.pid, and all of them share sqlite:ROOT/coordination.db. It prints the
# brokers' addresses (a bootstrap list) once each is listening. Brokers already running are left as
# they are, so `up` after killing one starts just that one again, on its old port.
# status prints each broker's address and whether its process is alive; down stops them (SIGTERM,
# then SIGKILL after 20 s) and removes the pid files. The data stays; remove ROOT to start afresh.
# The pier binary is .build/release/pier, else .build/debug/pier, unless --pier names one.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

command=${1:-}; [[ -n $command ]] || usage; shift
count=
if [[ $command == up ]]; then
    count=${1:-}; [[ $count =~ ^[1-9][0-9]*$ ]] || usage; shift
fi
base_port=9092
root=./pier-cluster
pier=
extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --base-port) base_port=$2; shift 2 ;;
        --data) root=$2; shift 2 ;;
        --pier) pier=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) usage ;;
    esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z $pier ]]; then
    for candidate in "$repo/.build/release/pier" "$repo/.build/debug/pier"; do
        [[ -x $candidate ]] && { pier=$candidate; break; }
    done
fi

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# The ports of the brokers `up` started, remembered so status and down need no --base-port.
ports_file() { echo "$root/broker-$1.port"; }

case $command in
up)
    [[ -n $pier && -x $pier ]] || { echo "no pier binary: run 'swift build -c release --product pier' or pass --pier" >&2; exit 1; }
    mkdir -p "$root"
    root=$(cd "$root" && pwd)
    addresses=()
    for ((i = 1; i <= count; i++)); do
        port=$((base_port + i - 1))
        pidfile=$root/broker-$i.pid
        if alive "$pidfile"; then
            addresses+=("127.0.0.1:$(cat "$(ports_file "$i")")")
            continue
        fi
        out=$root/broker-$i.out
        : >"$out"
        "$pier" serve --node-id "$i" --listen "127.0.0.1:$port" --data-dir "$root/broker-$i" \
            --coordination "sqlite:$root/coordination.db" ${extra[@]+"${extra[@]}"} >"$out" 2>>"$root/broker-$i.log" &
        echo $! >"$pidfile"
        echo "$port" >"$(ports_file "$i")"
        for ((wait = 0; wait < 300; wait++)); do
            grep -q 'listening on' "$out" && break
            if ! alive "$pidfile"; then
                echo "broker $i did not start; the end of $root/broker-$i.log:" >&2
                tail -n 20 "$root/broker-$i.log" >&2
                rm -f "$pidfile"
                exit 1
            fi
            sleep 0.1
        done
        grep -q 'listening on' "$out" || { echo "broker $i is not listening after 30 s (see $root/broker-$i.log)" >&2; exit 1; }
        addresses+=("127.0.0.1:$port")
    done
    echo "$(IFS=,; echo "${addresses[*]}")"
    ;;
status)
    shopt -s nullglob
    found=0
    for pidfile in "$root"/broker-*.pid; do
        found=1
        id=${pidfile##*/broker-}; id=${id%.pid}
        state=stopped; alive "$pidfile" && state="running (pid $(cat "$pidfile"))"
        echo "broker $id  127.0.0.1:$(cat "$(ports_file "$id")" 2>/dev/null || echo '?')  $state"
    done
    [[ $found == 1 ]] || echo "no brokers running under $root"
    ;;
down)
    shopt -s nullglob
    pids=()
    for pidfile in "$root"/broker-*.pid; do
        alive "$pidfile" && { pid=$(cat "$pidfile"); kill -CONT "$pid" 2>/dev/null || true; kill -TERM "$pid"; pids+=("$pid"); }
    done
    for ((wait = 0; wait < 200; wait++)); do
        remaining=()
        for pid in ${pids[@]+"${pids[@]}"}; do kill -0 "$pid" 2>/dev/null && remaining+=("$pid"); done
        [[ ${#remaining[@]} -eq 0 ]] && break
        sleep 0.1
    done
    for pid in ${pids[@]+"${pids[@]}"}; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"; done
    rm -f "$root"/broker-*.pid
    echo "stopped ${#pids[@]} broker(s)"
    ;;
*) usage ;;
esac
