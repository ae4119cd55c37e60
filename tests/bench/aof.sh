#!/usr/bin/env bash
# AOF write throughput (issue #7 figures): redis-benchmark SET against
# Redwire and against stock redis-server 7.0.15, each with appendonly yes
# on the same file system (/var/lib/redwire), appendfsync always and
# everysec, pipelining 1 and 16. Redwire through its net_tap port, redis
# through a veth pair in a namespace of its own (both one virtual hop
# away); one worker core each (CPU 0), the client on CPU 1. Median of RUNS.
# Prints requests/s of each and their ratio. Not part of the pass/fail suite.
#   RUNS=3 REQUESTS=50000 CLIENTS=50 tests/bench/aof.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-3} REQUESTS=${REQUESTS:-50000} CLIENTS=${CLIENTS:-50}
NAME=rwbaof SRV_NS=rwbaofs CLI_NS=rwbaofc
SRV_IP=198.19.251.2 CLI_IP=198.19.251.1
SRV_DIR=/var/lib/redwire/rwbaof-redis
conf=$(mktemp /tmp/redwire-bench-aof.XXXXXX.conf)
srv_pid=""

stop_srv() {
	if [ -n "$srv_pid" ]; then kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; fi
	srv_pid=""
}
cleanup() {
	stop_srv
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	ip netns del "$SRV_NS" 2>/dev/null || true
	ip netns del "$CLI_NS" 2>/dev/null || true
	rm -rf "$conf" "$SRV_DIR" "/var/lib/redwire/$NAME/appendonlydir"
}
trap cleanup EXIT

ip netns add "$SRV_NS"; ip netns add "$CLI_NS"
ip link add rwbav0 netns "$CLI_NS" type veth peer name rwbav1 netns "$SRV_NS"
ip -n "$CLI_NS" addr add "$CLI_IP/24" dev rwbav0; ip -n "$CLI_NS" link set rwbav0 up
ip -n "$SRV_NS" addr add "$SRV_IP/24" dev rwbav1; ip -n "$SRV_NS" link set rwbav1 up
ip -n "$SRV_NS" link set lo up

# rps NS HOST PIPELINE -> median SET requests/s over RUNS runs
rps() {
	local ns=$1 host=$2 p=$3 vals=()
	for _ in $(seq "$RUNS"); do
		vals+=("$(ip netns exec "$ns" taskset -c 1 redis-benchmark -h "$host" -p 6379 \
			-c "$CLIENTS" -n "$REQUESTS" -P "$p" -t set -r 1000000 --csv 2>/dev/null |
			awk -F'"' 'NR==2 {print $4}')")
	done
	printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

printf '%-9s %-4s %14s %14s %8s\n' appendfsync P redwire redis-server ratio
for mode in always everysec; do
	cat "$ROOT/platform/config/redwire.conf" >"$conf"
	printf 'redwire-workers 1\nredwire-cores 0\nredwire-idle-backoff no\nappendonly yes\nappendfsync %s\n' "$mode" >>"$conf"
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	rm -rf "/var/lib/redwire/$NAME/appendonlydir"
	"$ROOT/redwire" up --name "$NAME" --config "$conf" >/dev/null
	RW_IP=$(sed 's/.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")
	rm -rf "$SRV_DIR"; mkdir -p "$SRV_DIR"
	ip netns exec "$SRV_NS" taskset -c 0 redis-server --bind "$SRV_IP" --port 6379 --save '' \
		--dir "$SRV_DIR" --appendonly yes --appendfsync "$mode" --aof-use-rdb-preamble no \
		--protected-mode no --daemonize no >/tmp/redwire-bench-aof-redis.log 2>&1 &
	srv_pid=$!
	for _ in $(seq 50); do
		[ "$(ip netns exec "$CLI_NS" redis-cli -h "$SRV_IP" ping 2>/dev/null)" = PONG ] && break
		sleep 0.1
	done
	for p in 1 16; do
		a=$(rps "$NAME" "$RW_IP" "$p")
		b=$(rps "$CLI_NS" "$SRV_IP" "$p")
		printf '%-9s %-4s %14s %14s %8s\n' "$mode" "$p" "$a" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
	done
	stop_srv
done
