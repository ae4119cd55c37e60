#!/usr/bin/env bash
# Issue #7: BGREWRITEAOF with appendonly no, as stock redis-server 7.0.15
# does it: the snapshot becomes a base-only AOF directory (manifest naming
# just <appendfilename>.<seq>.base.rdb), each rewrite replacing the last
# one's base. Both get the same writes and the same commands; replies, INFO
# fields, the directory listing and the manifest are compared byte for
# byte, redis-check-aof accepts Redwire's directory, and a stock
# redis-server started on a copy of it (appendonly yes) holds the same
# DEBUG DIGEST as the stock instance that got the writes.
# Then CONFIG SET appendonly at run time, as 7.0.15's startAppendOnly() and
# stopAppendOnly():
#   1. yes: the reply and INFO persistence in the same pipeline (during the
#      rewrite that starts the AOF) and after it equal stock's, so do the
#      directory listing and the manifest (base + incr); after more writes
#      redis-check-aof accepts the directory and stock loads a copy of it to
#      the stock instance's DEBUG DIGEST;
#   2. the control plane alone is killed and restarted (as the appliance
#      does): it reads appendonly no and appendfsync everysec from the file,
#      yet runs with the run-time yes and always the dataplane re-sends, so
#      writes after it are appended (stock loads them again);
#   3. CONFIG REWRITE, both processes killed, restarted from the file: the
#      dataset (every acknowledged write) is back, DEBUG DIGEST equal;
#   4. no: replies and aof_enabled as stock's, nothing more is appended, the
#      files stay.
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
both_pipe() { # WHAT CMDS: one connection each (one line per command); replies equal
	local rw st
	rw=$(printf '%s' "$2" | it_cli 2>&1)
	st=$(printf '%s' "$2" | sc 2>&1)
	[ "$rw" = "$st" ] || it_fail "$1: redwire '$rw' != stock '$st'"
	echo "$1" >>"$STOCK_DIR/compared"
}
cmds() { # FORMAT FIRST LAST: the lines FORMAT (with %d) for FIRST..LAST
	local i
	for i in $(seq "$2" "$3"); do printf "$1\n" "$i" "$i"; done
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

both_pipe "SET x50" "$(cmds 'set k:%d value-%d' 1 50)"
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
rc_stock_stop
rm -rf "${COPY_DIR:?}/"*

it_log "1. CONFIG SET appendonly yes at run time"
both "CONFIG SET appendonly maybe" config set appendonly maybe >/dev/null
both "CONFIG GET appendonly" config get appendonly >/dev/null
# the reply and INFO in one pipeline: INFO runs while the rewrite that
# starts the AOF is under way on both (stock's child cannot be reaped before)
during() { # CLI...
	printf 'CONFIG SET appendonly yes\r\nINFO persistence\r\n' | "$@" | tr -d '\r' |
		grep -E '^(OK|aof_enabled:|aof_rewrite_in_progress:|aof_rewrite_scheduled:)' | tr '\n' ' '
}
rw_during=$(during it_cli)
st_during=$(during sc)
it_eq "$rw_during" "$st_during" "CONFIG SET appendonly yes + INFO during the rewrite"
it_log "  during: $rw_during"
both "CONFIG SET appendonly yes again" config set appendonly yes >/dev/null
same_dirs "appendonly yes"
it_log "  manifest: $(tr '\n' ' ' <"$DATADIR/appendonlydir/appendonly.aof.manifest")"
for f in aof_enabled aof_rewrite_in_progress aof_last_bgrewrite_status; do
	it_eq "$(field $f it_cli)" "$(field $f sc)" "after appendonly yes: INFO $f"
done
it_eq "$(field aof_enabled it_cli)" 1 "aof_enabled after appendonly yes"
both_pipe "writes after appendonly yes" "$(cmds 'set on:%d v%d' 1 30)
incr counter
lpush list d e
del k:2"

aof_check() { # WHAT: redis-check-aof accepts ours, stock loads a copy to stock's digest
	local out
	out=$(cd "$DATADIR/appendonlydir" && redis-check-aof appendonly.aof.manifest 2>&1) ||
		it_fail "$1: redis-check-aof: $out"
	rm -rf "${COPY_DIR:?}/"*
	cp -r "$DATADIR/appendonlydir" "$COPY_DIR/"
	rc_stock_start "$COPY_DIR" 7384 --aof-use-rdb-preamble yes
	it_eq "$(rc_stock_cli debug digest)" "$(sc debug digest)" "$1: DEBUG DIGEST of stock on Redwire's AOF"
	it_eq "$(rc_stock_cli dbsize)" "$(sc dbsize)" "$1: DBSIZE"
	rc_stock_stop
}
aof_check "appendonly yes at run time"

it_log "2. the control plane restarted alone keeps the run-time values"
both "CONFIG SET appendfsync always" config set appendfsync always >/dev/null
CPLOG=/run/redwire/$IT_NAME/control.log
resent=$(grep -c 'persistence directives re-sent' "$CPLOG" || true)
rc_kill control
rc_cp_start
for _ in $(seq 100); do
	[ "$(grep -c 'persistence directives re-sent' "$CPLOG" || true)" -gt "$resent" ] && break
	sleep 0.1
done
[ "$(grep -c 'persistence directives re-sent' "$CPLOG" || true)" -gt "$resent" ] ||
	it_fail "the restarted control plane never got the run-time directives"
opened=$(grep 'msg="AOF open"' "$CPLOG" | tail -1)
case $opened in *appendfsync=always*) ;; *) it_fail "restarted control plane: '$opened'" ;; esac
incr=$(sed -n 's/^file \([^ ]*\) seq [0-9]* type i$/\1/p' "$DATADIR/appendonlydir/appendonly.aof.manifest" | tail -1)
both_pipe "SET after the restart" "$(cmds 'set cp:%d w%d' 1 20)"
it_eq "$(grep -c '^cp:' "$DATADIR/appendonlydir/$incr" || true)" 20 "writes after the control plane's restart in $incr"
aof_check "after the control plane's restart"

it_log "3. CONFIG REWRITE, both processes killed, restarted from the file"
it_eq "$(it_cli config rewrite)" OK "CONFIG REWRITE"
grep -q '^appendonly yes' "$CONF" || it_fail "CONFIG REWRITE did not write appendonly yes"
before=$(it_cli debug digest)
keys=$(sc dbsize)
it_eq "$before" "$(sc debug digest)" "DEBUG DIGEST before the kill"
rc_kill dataplane
rc_kill control
rc_up --workers 2 --config "$CONF"
rc_wait_loaded 30
it_eq "$(it_cli debug digest)" "$before" "DEBUG DIGEST after the restart"
it_eq "$(it_cli dbsize)" "$keys" "DBSIZE after the restart"
# stock lived in the old namespace: restart it on its own AOF in the new one
kill "$STOCK_PID" 2>/dev/null || true
wait "$STOCK_PID" 2>/dev/null || true
ip netns exec "$IT_NAME" redis-server --port "$STOCK_PORT" --bind 127.0.0.1 --save "" --dir "$STOCK_DIR" \
	--appendonly yes --daemonize no --enable-debug-command yes >>"$STOCK_DIR/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 100); do [ "$(field loading sc 2>/dev/null)" = 0 ] && break; sleep 0.1; done
it_eq "$(sc debug digest)" "$before" "stock restarted on its own AOF"

it_log "4. CONFIG SET appendonly no"
both "CONFIG SET appendonly no" config set appendonly no >/dev/null
it_eq "$(field aof_enabled it_cli)" "$(field aof_enabled sc)" "INFO aof_enabled after appendonly no"
it_eq "$(field aof_enabled it_cli)" 0 "aof_enabled after appendonly no"
incr=$(sed -n 's/^file \([^ ]*\) seq [0-9]* type i$/\1/p' "$DATADIR/appendonlydir/appendonly.aof.manifest" | tail -1)
size=$(stat -c %s "$DATADIR/appendonlydir/$incr")
both_pipe "SET after appendonly no" "$(cmds 'set off:%d %d' 1 10)"
sleep 0.2
it_eq "$(stat -c %s "$DATADIR/appendonlydir/$incr")" "$size" "$incr after appendonly no"
it_eq "$(ls "$DATADIR/appendonlydir" | grep -v '^temp-' | tr '\n' ' ')" \
	"$(ls "$STOCK_DIR/appendonlydir" | tr '\n' ' ')" "appendonlydir after appendonly no"
it_log "ok: $(wc -l <"$STOCK_DIR/compared") replies equal to stock's"
