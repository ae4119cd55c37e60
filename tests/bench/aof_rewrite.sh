#!/usr/bin/env bash
# Issue #7 figures: BGREWRITEAOF of a large dataset (appendonly yes,
# aof-use-rdb-preamble yes) under a uniform overwrite load (redis-benchmark
# SET over every key, 8 clients, pipeline 16): rewrite time and peak extra
# resident memory, Redwire's fork-less rewrite beside stock redis-server's
# fork (the child's private copy-on-write pages count). Both run in one
# namespace: Redwire through its tap, redis-server on the namespace's
# loopback. Not part of the pass/fail suite.
#   KEYS=3000000 VALUE=256 tests/bench/aof_rewrite.sh     (~1 GiB of data)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAME=rwbaofrw PORT=7396 KEYS=${KEYS:-3000000} VALUE=${VALUE:-256}
BUILD=${REDWIRE_BUILD:-$ROOT/build}
WD=$(mktemp -d /tmp/rw-baofrw.XXXXXX)
DATADIR=/var/lib/redwire/$NAME
srv_pid=""
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	REDWIRE_BUILD=$BUILD "$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	rm -rf "$WD" "$DATADIR"
}
trap cleanup EXIT
rm -rf "$DATADIR"
cp "$ROOT/platform/config/redwire.conf" "$WD/redwire.conf"
printf 'appendonly yes\nappendfsync everysec\nauto-aof-rewrite-percentage 0\nsave ""\n' >>"$WD/redwire.conf"
REDWIRE_BUILD=$BUILD "$ROOT/redwire" up --name "$NAME" --workers 2 --config "$WD/redwire.conf" >/dev/null
IP=$(sed 's/.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")
pids="$(cat /run/redwire/$NAME/dataplane.pid),$(cat /run/redwire/$NAME/control.pid)"
echo "dataset: $KEYS keys x $VALUE-byte values"
rw=$(ip netns exec "$NAME" /usr/bin/python3 "$ROOT/tests/bench/aof_rewrite.py" "$IP" 6379 "$pids" "$KEYS" "$VALUE")
echo "redwire: $rw"
redis-check-aof "$DATADIR/appendonlydir/appendonly.aof.manifest" | grep -q 'are valid' || echo "redwire: redis-check-aof REFUSED the dir"
REDWIRE_BUILD=$BUILD "$ROOT/redwire" down --name "$NAME" >/dev/null
rm -rf "$DATADIR"
REDWIRE_BUILD=$BUILD "$ROOT/redwire" up --name "$NAME" --workers 2 >/dev/null

ip netns exec "$NAME" redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly yes \
	--auto-aof-rewrite-percentage 0 --dir "$WD" --daemonize no --logfile "$WD/redis.log" &
srv_pid=$!
for _ in $(seq 50); do
	[ "$(ip netns exec "$NAME" redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
rd=$(ip netns exec "$NAME" /usr/bin/python3 "$ROOT/tests/bench/aof_rewrite.py" 127.0.0.1 "$PORT" "$srv_pid" "$KEYS" "$VALUE" fork)
echo "redis:   $rd"

f() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
rw_used=$(f "$rw" used_memory); rw_extra=$(f "$rw" extra_bytes)
rd_used=$(f "$rd" used_memory); rd_extra=$(f "$rd" extra_bytes)
echo
printf '%-40s %16s %16s\n' "" redwire redis-server
printf '%-40s %16s %16s\n' "dataset used_memory (MiB)" $((rw_used >> 20)) $((rd_used >> 20))
printf '%-40s %16s %16s\n' "BGREWRITEAOF duration (s)" "$(f "$rw" rewrite_s)" "$(f "$rd" rewrite_s)"
printf '%-40s %16s %16s\n' "peak extra RSS during it (MiB)" $((rw_extra >> 20)) $((rd_extra >> 20))
printf '%-40s %16s %16s\n' "  as % of the dataset" "$(f "$rw" extra_pct)" "$(f "$rd" extra_pct)"
printf '%-40s %16s %16s\n' "  redis aof_last_cow_size (MiB)" "-" $(($(f "$rd" cow_size) >> 20))
printf '%-40s %16s %16s\n' "writes/s during it" "$(f "$rw" writes_per_s)" "$(f "$rd" writes_per_s)"
printf '%-40s %16s %16s\n' "base file (aof_base_size, MiB)" $(($(f "$rw" aof_base_size) >> 20)) $(($(f "$rd" aof_base_size) >> 20))
echo "ratio extra memory redwire/redis: $(echo "scale=3; $rw_extra / ($rd_extra + 1)" | bc)"
echo "ratio rewrite time redwire/redis: $(echo "scale=3; $(f "$rw" rewrite_s) / $(f "$rd" rewrite_s)" | bc)"
