#!/usr/bin/env bash
# First comparison (issue #2): redis-benchmark against Redwire (through its
# net_tap port) and against stock redis-server reached through a veth pair
# in a namespace of its own, so both are one virtual hop away. One worker
# core each (Redwire's worker and redis-server pinned to CPU 0, polling
# flat out; the benchmark client pinned to CPU 1), pipelining 1 and 16,
# median of RUNS runs. Prints requests/s of each and their ratio.
# WORKERS=2 runs Redwire with two workers (CPUs 0 and 1) and KEYSPACE=N
# makes the benchmark pick random keys among N (redis-benchmark -r), so
# about half the commands of each connection go to the other worker: the
# cost of forwarding and of keeping each connection's commands in the
# order sent (TRANSACTIONS.md, "Order within a connection").
# Not part of the pass/fail suite.
#   RUNS=3 REQUESTS=200000 CLIENTS=50 tests/bench/compare.sh
#   WORKERS=2 KEYSPACE=100000 tests/bench/compare.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-3} REQUESTS=${REQUESTS:-200000} CLIENTS=${CLIENTS:-50}
WORKERS=${WORKERS:-1} KEYSPACE=${KEYSPACE:-}
CORES=0
[ "$WORKERS" -gt 1 ] && CORES=$(seq -s, 0 $((WORKERS - 1)))
RAND=()
[ -n "$KEYSPACE" ] && RAND=(-r "$KEYSPACE")
NAME=rwbench${RW_IT_SUFFIX:-} SRV_NS=rwbsrv${RW_IT_SUFFIX:-} CLI_NS=rwbcli${RW_IT_SUFFIX:-}
SRV_IP=198.19.250.2 CLI_IP=198.19.250.1
conf=$(mktemp /tmp/redwire-bench.XXXXXX.conf)
srv_pid=""

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	ip netns del "$SRV_NS" 2>/dev/null || true
	ip netns del "$CLI_NS" 2>/dev/null || true
	rm -f "$conf"
}
trap cleanup EXIT

cat "$ROOT/platform/config/redwire.conf" >"$conf"
printf 'redwire-workers %s\nredwire-cores %s\nredwire-idle-backoff no\n' "$WORKERS" "$CORES" >>"$conf"
[ -n "${EXTRA_CONF:-}" ] && printf '%s\n' "$EXTRA_CONF" >>"$conf"
"$ROOT/redwire" up --name "$NAME" --config "$conf" >/dev/null
RW_IP=$(sed 's/.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")

ip netns add "$SRV_NS"; ip netns add "$CLI_NS"
ip link add rwbv0 netns "$CLI_NS" type veth peer name rwbv1 netns "$SRV_NS"
ip -n "$CLI_NS" addr add "$CLI_IP/24" dev rwbv0; ip -n "$CLI_NS" link set rwbv0 up
ip -n "$SRV_NS" addr add "$SRV_IP/24" dev rwbv1; ip -n "$SRV_NS" link set rwbv1 up
ip -n "$SRV_NS" link set lo up
ip netns exec "$SRV_NS" taskset -c 0 redis-server --bind "$SRV_IP" --port 6379 --save '' \
	--appendonly no --protected-mode no --daemonize no >/tmp/redwire-bench-redis.log 2>&1 &
srv_pid=$!
for _ in $(seq 50); do
	[ "$(ip netns exec "$CLI_NS" redis-cli -h "$SRV_IP" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done

# rps NS HOST PIPELINE TEST -> median requests/s over RUNS runs
rps() {
	local ns=$1 host=$2 p=$3 t=$4 vals=()
	for _ in $(seq "$RUNS"); do
		vals+=("$(ip netns exec "$ns" taskset -c 1 redis-benchmark -h "$host" -p 6379 \
			-c "$CLIENTS" -n "$REQUESTS" -P "$p" -t "$t" "${RAND[@]}" --csv 2>/dev/null |
			awk -F'"' 'NR==2 {print $4}')")
	done
	printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

printf '%-6s %-4s %14s %14s %8s\n' test P redwire redis-server ratio
for p in 1 16; do
	for t in set get; do
		a=$(rps "$NAME" "$RW_IP" "$p" "$t")
		b=$(rps "$CLI_NS" "$SRV_IP" "$p" "$t")
		printf '%-6s %-4s %14s %14s %8s\n' "$t" "$p" "$a" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
	done
done
