#!/usr/bin/env bash
# BLPOP/LPUSH ping-pong (issue #5): wake-ups per second through Redwire (two
# workers, so a wake-up often crosses workers) and through stock
# redis-server on loopback inside the same namespace, same client
# (blocking_pingpong.py), median of RUNS runs, ratio printed. The paths
# differ (Redwire's TAP port vs redis-server's loopback): read the ratio as
# an upper bound of Redwire's cost. Not part of the pass/fail suite.
#   RUNS=3 ROUNDS=2000 PAIRS=8 RW_IT_SUFFIX=x tests/bench/blocking.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-3} ROUNDS=${ROUNDS:-2000} PAIRS=${PAIRS:-8}
NAME=rwbblk${RW_IT_SUFFIX:-}
PY=/usr/bin/python3
srv_pid=""
conf=$(mktemp /tmp/redwire-bench-blk.XXXXXX.conf)
cleanup() {
	rm -f "$conf"
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cat "$ROOT/platform/config/redwire.conf" >"$conf"
printf 'redwire-workers 2\nredwire-idle-backoff no\n' >>"$conf" # polled as in production
"$ROOT/redwire" up --name "$NAME" --config "$conf" >/dev/null
RW_IP=$(sed 's/^--.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")
RW_PORT=$(cat "/run/redwire/$NAME/port")
ip netns exec "$NAME" redis-server --port 7380 --bind 127.0.0.1 --save '' --appendonly no \
	--daemonize no --protected-mode no >/tmp/redwire-bench-blk.log 2>&1 &
srv_pid=$!
for _ in $(seq 50); do
	[ "$(ip netns exec "$NAME" redis-cli -p 7380 ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
run() { for _ in $(seq "$RUNS"); do ip netns exec "$NAME" "$PY" "$ROOT/tests/bench/blocking_pingpong.py" "$1" "$ROUNDS" "$PAIRS"; done | median; }
rw=$(run "$RW_IP:$RW_PORT")
rd=$(run "127.0.0.1:7380")
printf 'BLPOP/LPUSH ping-pong, %d pairs: redwire %s/s  redis-server %s/s  ratio %s\n' "$PAIRS" "$rw" "$rd" \
	"$(awk -v a="$rw" -v b="$rd" 'BEGIN {printf "%.2f", a / b}')"
