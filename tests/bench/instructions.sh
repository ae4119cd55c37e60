#!/usr/bin/env bash
# Instructions per request, the figure that does not drift on a shared VM:
# valgrind --tool=callgrind over a fixed request count, for Redwire's whole
# dataplane process (one worker, through its tap) and for stock
# redis-server (user space only, kernel not counted, as callgrind sees it),
# GET and SET at pipelining 1 and 16. Instrumentation is switched on only
# around the measured benchmark (callgrind_control), so boot and warm-up do
# not count.
#
# Idle polls are left out of Redwire's figure, as VPP reports clocks per
# packet: callgrind collects inside the worker's loop iterations
# (worker_poll_once) but not in the rest of an iteration whose RX burst came
# back empty (worker_poll_idle, worker.c), nor in the idle back-off; the
# empty bursts themselves are taken off at the cost one has while the
# worker is quiet (measured first, in the same process). The other threads
# (the main thread's housekeeping, 5 kHz, time-driven) are not counted.
# Time-driven work (the millisecond tick, the timer wheel) is shown apart:
# under valgrind the run is ~50 times slower, and slower still on a loaded
# machine, so its weight per request is far above the native one and moves
# with the load. Columns:
#   redwire   worker instructions per request, idle polls and timed work left out
#   timed     the tick and the timer wheel in busy iterations, per request
#   redis     stock redis-server, user space, kernel not counted (its cron
#             and event loop included: it too grows with the load)
#   missed    iterations without packets that found work (not counted)
# Not a pass/fail test.
#   N=20000 tests/bench/instructions.sh      KEEP=/tmp/x keeps the profiles
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
# no save points, as redis-server's --save '': without a control plane a
# triggered snapshot fails and writes get MISCONF (SET P16 measured errors)
{ cat "$ROOT/platform/config/redwire.conf"; echo 'save ""'; } >"$tmp/redwire.conf"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes \
	--collect-atstart=no --toggle-collect=worker_poll_once --toggle-collect='worker_poll_idle*' \
	--callgrind-out-file="$tmp/rw.out" \
	"$BUILD/dataplane/redwire-dataplane" --config "$tmp/redwire.conf" \
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

# dump PID NAME -> the dump's files, one per thread (NAME.out.N-TT)
dump() {
	callgrind_control -d "$1" >/dev/null 2>&1
	callgrind_control -i off "$1" >/dev/null 2>&1
	ls "$tmp/$2".out.* 2>/dev/null || true
}

# Redwire's quiet worker: the cost of an empty RX burst.
callgrind_control -i on "$dp_pid" >/dev/null 2>&1
callgrind_control -z "$dp_pid" >/dev/null 2>&1
sleep 2
files=$(dump "$dp_pid" rw)
read -r q_ir q_idle _ _ <<<"$("$ROOT/tests/bench/callgrind_sum.py" $files)"
rm -f $files
empty_poll=$((q_idle > 0 ? q_ir / q_idle : 0))
echo "quiet worker: $q_idle idle polls in 2 s, $empty_poll instructions each"
[ "$q_idle" -gt 0 ] || { echo "no idle poll counted: is worker_cg_idle() there?" >&2; exit 1; }

# measure PID HOST PORT TEST PIPELINE NAME -> "per-request timed-per-request missed"
measure() {
	local pid=$1 host=$2 port=$3 t=$4 p=$5 files ir idle missed timed
	ip netns exec "$NS" redis-benchmark -h "$host" -p "$port" -c 1 -n 2000 -P "$p" -t "$t" -q >/dev/null
	callgrind_control -i on "$pid" >/dev/null 2>&1
	callgrind_control -z "$pid" >/dev/null 2>&1
	ip netns exec "$NS" redis-benchmark -h "$host" -p "$port" -c 1 -n "$N" -P "$p" -t "$t" -q >/dev/null
	if [ "$6" = rs ]; then
		callgrind_control -d "$pid" >/dev/null 2>&1
		callgrind_control -i off "$pid" >/dev/null 2>&1
		files=$(ls -t "$tmp"/rs.out* | head -1)
		ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$files")
		echo "$((ir / N)) - -"
	else
		files=$(dump "$pid" rw)
		read -r ir idle missed timed <<<"$("$ROOT/tests/bench/callgrind_sum.py" $files)"
		echo "$(((ir - idle * empty_poll - timed) / N)) $((timed / N)) $missed"
	fi
	if [ -n "${KEEP:-}" ]; then
		for f in $files; do cp "$f" "$KEEP.$6.$t.$p.${f##*.}"; done
	fi
	rm -f $files
}

printf '%-5s %-3s %10s %8s %10s %8s %8s\n' test P redwire timed redis ratio missed
for p in 1 16; do
	for t in get set; do
		read -r a timed missed <<<"$(measure "$dp_pid" "$DIP" 6379 "$t" "$p" rw)"
		read -r b _ _ <<<"$(measure "$rs_pid" 127.0.0.1 "$RPORT" "$t" "$p" rs)"
		printf '%-5s %-3s %10s %8s %10s %8s %8s\n' "$t" "$p" "$a" "$timed" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" "$missed"
	done
done
