#!/usr/bin/env bash
# Issue #6 figures: hit ratio of allkeys-lru and allkeys-lfu on one Zipf
# trace (same seed) against Redwire and stock redis-server with the same
# maxmemory, side by side, and bytes of overhead per key for 1M small keys.
# Both servers run in one namespace: Redwire through its tap, redis-server
# on the namespace's loopback. Not part of the pass/fail suite.
#   SEED=42 OPS=300000 tests/bench/hitratio.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME=rwhit PORT=7398
srv_pid=""
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$ROOT/redwire" up --name "$NAME" >/dev/null
IP=$(sed 's/.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")
ip netns exec "$NAME" redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
	--daemonize no >/tmp/redwire-hitratio-redis.log 2>&1 &
srv_pid=$!
for _ in $(seq 50); do
	[ "$(ip netns exec "$NAME" redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
ip netns exec "$NAME" /usr/bin/python3 "$ROOT/tests/bench/hitratio.py" "$IP:6379" "127.0.0.1:$PORT" \
	--seed "${SEED:-42}" --ops "${OPS:-300000}"
