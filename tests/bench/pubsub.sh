#!/usr/bin/env bash
# Pub/sub (issue #5): PUBLISH throughput with N subscribers, Redwire (its
# net_tap port, WORKERS workers: the subscribers land on both) against stock
# redis-server behind a veth pair in a namespace of its own, as
# tests/bench/compare.sh sets them up. The subscribers are redis-cli
# processes reading into /dev/null; redis-benchmark publishes 16-byte
# messages with pipelining 1 and 16; median of RUNS runs. Prints
# requests/s of each and their ratio, and the messages the subscribers got.
# Not part of the pass/fail suite.
#   RUNS=3 REQUESTS=100000 CLIENTS=50 SUBS="0 1 8" WORKERS=2 tests/bench/pubsub.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-3} REQUESTS=${REQUESTS:-100000} CLIENTS=${CLIENTS:-50} SUBS=${SUBS:-0 1 8}
WORKERS=${WORKERS:-2}
NAME=rwbps${RW_IT_SUFFIX:-} SRV_NS=rwbpsrv${RW_IT_SUFFIX:-} CLI_NS=rwbpcli${RW_IT_SUFFIX:-}
SRV_IP=198.19.252.2 CLI_IP=198.19.252.1
conf=$(mktemp /tmp/redwire-bench.XXXXXX.conf)
srv_pid="" sub_pids=()

stop_subs() {
	local pid
	for pid in "${sub_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	sub_pids=()
}
cleanup() {
	stop_subs
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	ip netns del "$SRV_NS" 2>/dev/null || true
	ip netns del "$CLI_NS" 2>/dev/null || true
	rm -f "$conf" /tmp/redwire-bench-ps.*.out
}
trap cleanup EXIT

cat "$ROOT/platform/config/redwire.conf" >"$conf"
printf 'redwire-workers %s\nredwire-idle-backoff no\n' "$WORKERS" >>"$conf"
"$ROOT/redwire" up --name "$NAME" --config "$conf" >/dev/null
RW_IP=$(sed 's/.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")

ip netns add "$SRV_NS"; ip netns add "$CLI_NS"
ip link add rwbpv0 netns "$CLI_NS" type veth peer name rwbpv1 netns "$SRV_NS"
ip -n "$CLI_NS" addr add "$CLI_IP/24" dev rwbpv0; ip -n "$CLI_NS" link set rwbpv0 up
ip -n "$SRV_NS" addr add "$SRV_IP/24" dev rwbpv1; ip -n "$SRV_NS" link set rwbpv1 up
ip -n "$SRV_NS" link set lo up
ip netns exec "$SRV_NS" taskset -c 0 redis-server --bind "$SRV_IP" --port 6379 --save '' \
	--appendonly no --protected-mode no --daemonize no >/tmp/redwire-bench-ps.log 2>&1 &
srv_pid=$!
for _ in $(seq 50); do
	[ "$(ip netns exec "$CLI_NS" redis-cli -h "$SRV_IP" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done

# start_subs NS HOST N: N redis-cli subscribers of bench:ch
start_subs() {
	for i in $(seq "$3"); do
		ip netns exec "$1" redis-cli -h "$2" subscribe bench:ch >"/tmp/redwire-bench-ps.$i.out" &
		sub_pids+=($!)
	done
	for _ in $(seq 50); do # until every one is subscribed
		n=$(ip netns exec "$1" redis-cli -h "$2" pubsub numsub bench:ch | tail -1)
		[ "$n" = "$3" ] && return 0
		sleep 0.1
	done
	echo "subscribers did not all subscribe ($n of $3)" >&2
	return 1
}

# rps NS HOST PIPELINE -> median requests/s over RUNS runs
rps() {
	local vals=()
	for _ in $(seq "$RUNS"); do
		vals+=("$(ip netns exec "$1" taskset -c 1 redis-benchmark -h "$2" -p 6379 \
			-c "$CLIENTS" -n "$REQUESTS" -P "$3" --csv publish bench:ch 0123456789abcdef 2>/dev/null |
			awk -F'"' 'NF > 4 {v = $4} END {print v}')")
	done
	printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

printf '%-5s %-4s %14s %14s %8s\n' subs P redwire redis-server ratio
for n in $SUBS; do
	for p in 1 16; do
		start_subs "$NAME" "$RW_IP" "$n"
		a=$(rps "$NAME" "$RW_IP" "$p")
		stop_subs
		start_subs "$CLI_NS" "$SRV_IP" "$n"
		b=$(rps "$CLI_NS" "$SRV_IP" "$p")
		stop_subs
		printf '%-5s %-4s %14s %14s %8s\n' "$n" "$p" "$a" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
	done
done
