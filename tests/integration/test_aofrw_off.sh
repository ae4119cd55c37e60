#!/usr/bin/env bash
# Issue #7: BGREWRITEAOF with appendonly no, as stock redis-server 7.0.15
# does it: the snapshot becomes a base-only AOF directory (manifest naming
# just <appendfilename>.<seq>.base.rdb), each rewrite replacing the last
# one's base. Both get the same writes and the same commands; replies, INFO
# fields, the directory listing and the manifest are compared byte for
# byte, redis-check-aof accepts Redwire's directory, and a stock
# redis-server started on a copy of it (appendonly yes) holds the same
# DEBUG DIGEST as the stock instance that got the writes.
IT_NAME=rwtaoff
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/recovery_lib.sh"
DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
STOCK_DIR=$(mktemp -d /tmp/rwtaoff-XXXXXX)
COPY_DIR=$(mktemp -d /tmp/rwtaoff-copy-XXXXXX)
STOCK_PID=""
STOCK_PORT=7383
cleanup_aoff() {
	rc_stock_stop
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$STOCK_DIR" "$COPY_DIR"
}
CONF=$STOCK_DIR/redwire.conf
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly no\nsave ""\n' >>"$CONF"
it_up --workers 2 --config "$CONF" >/dev/null
trap 'rc=$?; set +e; set +e; cleanup_aoff; (exit $rc); it_cleanup' EXIT # it_cleanup reads the status
ip netns exec "$IT_NAME" redis-server --port "$STOCK_PORT" --bind 127.0.0.1 --save "" --dir "$STOCK_DIR" \
	--appendonly no --daemonize no --enable-debug-command yes >"$STOCK_DIR/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 50); do [ "$(ip netns exec "$IT_NAME" redis-cli -p "$STOCK_PORT" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
sc() { ip netns exec "$IT_NAME" redis-cli -p "$STOCK_PORT" "$@"; }

both() { # WHAT CMD...: replies must be equal; prints the reply
	local what=$1 rw st
	shift
	rw=$(it_cli "$@" 2>&1)
	st=$(sc "$@" 2>&1)
	[ "$rw" = "$st" ] || it_fail "$what: redwire '$rw' != stock '$st'"
	echo "$what" >>"$STOCK_DIR/compared"
	printf '%s' "$rw"
}
field() { "${@:2}" info persistence | tr -d '\r' | sed -n "s/^$1://p"; }
idle() { # CLI...
	for _ in $(seq 100); do
		[ "$(field aof_rewrite_in_progress "$@")" = 0 ] && [ "$(field aof_rewrite_scheduled "$@")" = 0 ] && return 0
		sleep 0.1
	done
	it_fail "a rewrite never ended"
}
same_dirs() { # WHAT: appendonlydir listings and manifests equal
	idle it_cli
	idle sc
	for f in aof_rewrites aof_last_bgrewrite_status aof_enabled aof_rewrite_scheduled; do
		it_eq "$(field $f it_cli)" "$(field $f sc)" "$1: INFO $f"
	done
	it_eq "$(ls "$DATADIR/appendonlydir" | grep -v '^temp-' | tr '\n' ' ')" \
		"$(ls "$STOCK_DIR/appendonlydir" | tr '\n' ' ')" "$1: appendonlydir"
	it_eq "$(cat "$DATADIR/appendonlydir/appendonly.aof.manifest")" \
		"$(cat "$STOCK_DIR/appendonlydir/appendonly.aof.manifest")" "$1: manifest"
}

for i in $(seq 50); do both "SET $i" set "k:$i" "value-$i" >/dev/null; done
both "RPUSH" rpush list a b c >/dev/null
both "HSET" hset h f1 v1 f2 v2 >/dev/null
both "EXPIRE" expire k:1 1000 >/dev/null

it_log "BGREWRITEAOF with appendonly no"
it_eq "$(both "BGREWRITEAOF" bgrewriteaof)" "Background append only file rewriting started" "BGREWRITEAOF"
same_dirs "first rewrite"
it_log "  manifest: $(cat "$DATADIR/appendonlydir/appendonly.aof.manifest")"
both "SET after" set k:after x >/dev/null
it_eq "$(both "BGREWRITEAOF again" bgrewriteaof)" "Background append only file rewriting started" "BGREWRITEAOF again"
same_dirs "second rewrite"
out=$(printf 'MULTI\r\nBGREWRITEAOF\r\nEXEC\r\n' | it_cli)
it_eq "$out" "$(printf 'MULTI\r\nBGREWRITEAOF\r\nEXEC\r\n' | sc)" "MULTI BGREWRITEAOF"
same_dirs "scheduled rewrite"

it_log "redis-check-aof and stock redis-server accept it"
out=$(cd "$DATADIR/appendonlydir" && redis-check-aof appendonly.aof.manifest 2>&1) || it_fail "redis-check-aof: $out"
cp -r "$DATADIR/appendonlydir" "$COPY_DIR/"
rc_stock_start "$COPY_DIR" 7384 --aof-use-rdb-preamble yes
it_eq "$(rc_stock_cli debug digest)" "$(sc debug digest)" "DEBUG DIGEST of stock on Redwire's AOF vs stock's own"
it_eq "$(rc_stock_cli dbsize)" "$(sc dbsize)" "DBSIZE"
it_log "ok: $(wc -l <"$STOCK_DIR/compared") replies equal to stock's"
