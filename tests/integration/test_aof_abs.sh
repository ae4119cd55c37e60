#!/usr/bin/env bash
# Issue #7 item 1: the journal holds each write's deterministic effect, with
# relative expiries made absolute, so an AOF replayed later does not extend
# a TTL. The oracle is stock redis-server 7.0.15's own AOF: the same
# commands run on both (aof_abs_check.py) must journal the same commands
# (SET .. PXAT, PEXPIREAT, RESTORE .. ABSTTL, DEL for a time in the past),
# absolute times equal within a few seconds. Then the AOF is replayed later
# by stock redis-server and by Redwire itself: the TTLs have gone down.
IT_NAME=rwtabs
source "$(dirname "$0")/lib.sh"

DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
CONF=$(mktemp /tmp/rwtabs-XXXXXX.conf)
STOCK_DIR=$(mktemp -d /tmp/rwtabs-stock-XXXXXX)
STOCK_PID=""
cleanup_abs() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$CONF" "$STOCK_DIR"
}
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\n' >>"$CONF"

it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_abs; (exit $rc); it_cleanup' EXIT

# The stock server runs in the instance's namespace while it is up, on the
# root namespace's loopback after `down` removed it.
STOCK_NS=(ip netns exec "$IT_NAME")
STOCK_PORT=7379
stock_start() { # DIR
	"${STOCK_NS[@]}" redis-server --port "$STOCK_PORT" --bind 127.0.0.1 --dir "$1" --save '' \
		--appendonly yes --appendfsync always --aof-use-rdb-preamble no \
		--daemonize no >"$1/redis.log" 2>&1 &
	STOCK_PID=$!
	for _ in $(seq 50); do
		[ "$("${STOCK_NS[@]}" redis-cli -p "$STOCK_PORT" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	cat "$1/redis.log"; it_fail "stock redis-server did not start"
}
stock_stop() { kill "$STOCK_PID"; wait "$STOCK_PID" 2>/dev/null || true; STOCK_PID=""; }
stock_cli() { "${STOCK_NS[@]}" redis-cli -p "$STOCK_PORT" "$@"; }

mkdir -p "$STOCK_DIR/run"
stock_start "$STOCK_DIR/run"

AOF=$DATADIR/appendonlydir/appendonly.aof.1.incr.aof
it_log "same commands on both; compare the journaled commands"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/aof_abs_check.py" "$IT_IP" "$IT_PORT" "$AOF" 7379 \
	"$STOCK_DIR/run/appendonlydir/appendonly.aof.1.incr.aof" || it_fail "journal differs from redis-server's AOF"
stock_stop

it_log "replayed 2 s later, the TTLs have gone down (stock redis-server on Redwire's AOF)"
ttl_a=$(it_cli pttl a)
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
mkdir -p "$STOCK_DIR/replay"
cp -a "$DATADIR/appendonlydir" "$STOCK_DIR/replay/"
sleep 2
STOCK_NS=(env) # no namespace left: loopback of the root namespace
STOCK_PORT=$((7400 + $$ % 500))
stock_start "$STOCK_DIR/replay"
ttl_ok() { # PTTL MAX: positive and at least 1.5 s below the TTL given 2+ s ago
	[ "$1" -gt 0 ] && [ "$1" -le $(($2 - 1500)) ]
}
for kv in a:100000 b:100000 g:100000 h:100000 r1:200000 t:200000 x:50000; do
	k=${kv%%:*}
	t=$(stock_cli pttl "$k")
	ttl_ok "$t" "${kv#*:}" || it_fail "stock replay: PTTL $k = $t (Redwire said $ttl_a for a before the stop)"
done
it_eq "$(stock_cli exists y z j)" 0 "keys deleted by past expiries stay deleted"
stock_stop

it_log "replayed by Redwire itself"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_abs; (exit $rc); it_cleanup' EXIT
for kv in a:100000 g:100000 r1:200000 x:50000; do
	k=${kv%%:*}
	t=$(it_cli pttl "$k")
	ttl_ok "$t" "${kv#*:}" || it_fail "Redwire replay: PTTL $k = $t (extended)"
done
it_eq "$(it_cli exists y z j)" 0 "keys deleted by past expiries stay deleted"
it_log "ok"
