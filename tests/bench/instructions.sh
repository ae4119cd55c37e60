#!/usr/bin/env bash
# Instructions per request, the figure that does not drift on a shared VM:
# valgrind --tool=callgrind over a fixed request count, for Redwire's whole
# dataplane process (one worker, through its tap) and for stock
# redis-server (user space only, kernel not counted, as callgrind sees it),
# GET and SET at pipelining 1 and 16. Instrumentation is switched on only
# around the measured benchmark (callgrind_control), so boot and warm-up do
# not count. Idle polls inside the window do count for Redwire: the figure
# is an upper bound (the worker backs off when idle). Not a pass/fail test.
#   N=20000 tests/bench/instructions.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${REDWIRE_BUILD:-$ROOT/build}
N=${N:-20000}
NS=rwinsn${RW_IT_SUFFIX:-} KIP=198.19.251.1 DIP=198.19.251.2 RPORT=7399
tmp=$(mktemp -d /tmp/redwire-insn.XXXXXX)
dp_pid="" rs_pid=""

cleanup() {
	for p in $dp_pid $rs_pid; do kill "$p" 2>/dev/null || true; done
	for p in $dp_pid $rs_pid; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$tmp" "/dev/shm/redwire-$NS.chan"
}
trap cleanup EXIT

[ -x "$BUILD/dataplane/redwire-dataplane" ] || "$ROOT/redwire" build
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/rw.out" \
	"$BUILD/dataplane/redwire-dataplane" --config "$ROOT/platform/config/redwire.conf" \
	--redwire-name "$NS" --redwire-workers 1 --redwire-hugepages no --redwire-address "$DIP" \
	--redwire-run-dir "$tmp" >"$tmp/dp.log" 2>&1 &
dp_pid=$!
ip netns exec "$NS" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/rs.out" \
	redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	>"$tmp/rs.log" 2>&1 &
rs_pid=$!
for _ in $(seq 600); do ip -n "$NS" link show rw0 >/dev/null 2>&1 && break; sleep 0.1; done
ip -n "$NS" addr add "$KIP/24" dev rw0
ip -n "$NS" link set rw0 up
wait_pong() { for _ in $(seq 600); do
	[ "$(ip netns exec "$NS" redis-cli -h "$1" -p "$2" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.1
done; echo "no PONG from $1:$2" >&2; exit 1; }
wait_pong "$DIP" 6379
wait_pong 127.0.0.1 "$RPORT"

# measure PID HOST PORT TEST PIPELINE -> instructions per request
measure() {
	local pid=$1 host=$2 port=$3 t=$4 p=$5 out total
	ip netns exec "$NS" redis-benchmark -h "$host" -p "$port" -c 1 -n 2000 -P "$p" -t "$t" -q >/dev/null
	callgrind_control -i on "$pid" >/dev/null 2>&1
	callgrind_control -z "$pid" >/dev/null 2>&1
	ip netns exec "$NS" redis-benchmark -h "$host" -p "$port" -c 1 -n "$N" -P "$p" -t "$t" -q >/dev/null
	callgrind_control -d "$pid" >/dev/null 2>&1
	callgrind_control -i off "$pid" >/dev/null 2>&1
	out=$(ls -t "$tmp"/"$6".out* | head -1)
	total=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
	[ -n "${KEEP:-}" ] && cp "$out" "$KEEP.$6.$t.$p"
	rm -f "$out"
	echo $((total / N))
}

printf '%-5s %-3s %16s %16s %8s\n' test P redwire-insn/req redis-insn/req ratio
for p in 1 16; do
	for t in get set; do
		a=$(measure "$dp_pid" "$DIP" 6379 "$t" "$p" rw)
		b=$(measure "$rs_pid" 127.0.0.1 "$RPORT" "$t" "$p" rs)
		printf '%-5s %-3s %16s %16s %8s\n' "$t" "$p" "$a" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
	done
done
