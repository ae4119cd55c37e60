#!/usr/bin/env bash
# Issue #7, persistence commands against stock redis-server 7.0.15, both
# with appendonly yes, every reply compared byte for byte:
#   1. BGSAVE and BGREWRITEAOF inside MULTI are scheduled (Redis never forks
#      in EXEC) and then run: rdb_saves and aof_rewrites go up on both,
#      aof_rewrite_scheduled goes back to 0; BGSAVE's syntax error in EXEC;
#   2. CONFIG SET/GET of rdbcompression, auto-aof-rewrite-percentage and
#      auto-aof-rewrite-min-size (bad values, case, units), with effects:
#      DUMP of a compressible string equals stock's with rdbcompression yes
#      and with no; a small auto-aof-rewrite-min-size and percentage make
#      both rewrite the AOF by themselves;
#      appendfsync, aof-use-rdb-preamble and aof-load-truncated reach the
#      control plane: a BGREWRITEAOF after aof-use-rdb-preamble no writes a
#      RESP base, as stock's (test_fsync_offloop.sh shows appendfsync's
#      effect on acks); rdbchecksum is immutable in both;
#   3. the directives that stay immutable or protected say so as stock does
#      (appendfilename, appenddirname, dir, dbfilename).
IT_NAME=rwtpcm
source "$(dirname "$0")/lib.sh"
DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
STOCK_DIR=$(mktemp -d /tmp/rwtpcm-XXXXXX)
STOCK_PID=""
STOCK_PORT=7382
cleanup_pcm() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$STOCK_DIR"
}
CONF=$STOCK_DIR/redwire.conf
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nsave ""\n' >>"$CONF"
it_up --workers 2 --config "$CONF" >/dev/null
trap 'rc=$?; set +e; set +e; cleanup_pcm; (exit $rc); it_cleanup' EXIT # it_cleanup reads the status
ip netns exec "$IT_NAME" redis-server --port "$STOCK_PORT" --bind 127.0.0.1 --save "" --dir "$STOCK_DIR" \
	--appendonly yes --daemonize no >"$STOCK_DIR/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 50); do [ "$(ip netns exec "$IT_NAME" redis-cli -p "$STOCK_PORT" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
sc() { ip netns exec "$IT_NAME" redis-cli -p "$STOCK_PORT" "$@"; }

# both WHAT CMD...: the same command on both; replies must be equal. Prints the reply.
both() {
	local what=$1 rw st
	shift
	rw=$(it_cli "$@" 2>&1)
	st=$(sc "$@" 2>&1)
	[ "$rw" = "$st" ] || it_fail "$what: redwire '$rw' != stock '$st'"
	echo "$what" >>"$STOCK_DIR/compared" # a file: both runs in subshells
	printf '%s' "$rw"
}
# both_pipe WHAT RESP: raw commands piped through redis-cli (one connection).
both_pipe() {
	local rw st
	rw=$(printf '%b' "$2" | it_cli 2>&1)
	st=$(printf '%b' "$2" | sc 2>&1)
	[ "$rw" = "$st" ] || it_fail "$1: redwire '$rw' != stock '$st'"
	echo "$1" >>"$STOCK_DIR/compared"
	printf '%s' "$rw"
}
field() { "${@:2}" info persistence | tr -d '\r' | sed -n "s/^$1://p"; }
# until FIELD VALUE CLI...: wait (10 s at most) for an INFO persistence field
until_field() {
	for _ in $(seq 100); do
		[ "$(field "$1" "${@:3}")" = "$2" ] && return 0
		sleep 0.1
	done
	it_fail "$1 never became $2 ($(field "$1" "${@:3}"))"
}
idle() { # CLI...: no snapshot, no rewrite
	until_field rdb_bgsave_in_progress 0 "$@"
	until_field aof_rewrite_in_progress 0 "$@"
	until_field aof_rewrite_scheduled 0 "$@"
}

both "SET" set k v >/dev/null
idle it_cli
idle sc

it_log "1. BGSAVE and BGREWRITEAOF inside MULTI are scheduled, then run"
rw_saves=$(field rdb_saves it_cli)
st_saves=$(field rdb_saves sc)
out=$(both_pipe "MULTI BGSAVE" 'MULTI\r\nBGSAVE\r\nEXEC\r\n')
it_log "  $(echo "$out" | tail -1)"
idle it_cli
idle sc
[ "$(field rdb_saves it_cli)" -gt "$rw_saves" ] || it_fail "the scheduled BGSAVE did not run on redwire"
[ "$(field rdb_saves sc)" -gt "$st_saves" ] || it_fail "the scheduled BGSAVE did not run on stock"
it_eq "$(field rdb_last_bgsave_status it_cli)" ok "redwire: scheduled BGSAVE status"
both_pipe "MULTI BGSAVE SCHEDULE" 'MULTI\r\nBGSAVE SCHEDULE\r\nEXEC\r\n' >/dev/null
idle it_cli
idle sc
both_pipe "MULTI BGSAVE bad argument" 'MULTI\r\nBGSAVE now\r\nEXEC\r\n' >/dev/null
rw_rw=$(field aof_rewrites it_cli)
st_rw=$(field aof_rewrites sc)
out=$(both_pipe "MULTI BGREWRITEAOF" 'MULTI\r\nSET k v2\r\nBGREWRITEAOF\r\nEXEC\r\n')
it_log "  $(echo "$out" | tail -1)"
idle it_cli
idle sc
[ "$(field aof_rewrites it_cli)" -gt "$rw_rw" ] || it_fail "the scheduled rewrite did not run on redwire"
[ "$(field aof_rewrites sc)" -gt "$st_rw" ] || it_fail "the scheduled rewrite did not run on stock"
it_eq "$(field aof_last_bgrewrite_status it_cli)" ok "redwire: scheduled rewrite status"
it_eq "$(both "GET after the rewrite" get k)" v2 "GET after the rewrite"

it_log "2. CONFIG SET rdbcompression, auto-aof-rewrite-*"
for args in "rdbcompression maybe" "rdbcompression NO" "auto-aof-rewrite-percentage -1" \
	"auto-aof-rewrite-percentage 2147483648" "auto-aof-rewrite-percentage x" \
	"auto-aof-rewrite-min-size -5" "auto-aof-rewrite-min-size 1zb" "auto-aof-rewrite-min-size 64KB" \
	"auto-aof-rewrite-percentage 0"; do
	# shellcheck disable=SC2086
	both "CONFIG SET $args" config set $args >/dev/null
done
for d in rdbcompression auto-aof-rewrite-percentage auto-aof-rewrite-min-size; do
	both "CONFIG GET $d" config get "$d" >/dev/null
done
val=$(printf 'a%.0s' $(seq 200))
both "SET a compressible value" set zk "$val" >/dev/null
dump_hex() { "$@" --no-raw dump zk | od -An -tx1 | tr -d ' \n'; }
it_eq "$(dump_hex it_cli)" "$(dump_hex sc)" "DUMP with rdbcompression no"
both "CONFIG SET rdbcompression yes" config set rdbcompression yes >/dev/null
it_eq "$(dump_hex it_cli)" "$(dump_hex sc)" "DUMP with rdbcompression yes"
[ "$(dump_hex it_cli | wc -c)" -lt 400 ] || it_fail "DUMP with rdbcompression yes is not compressed"

it_log "   a small auto-aof-rewrite-min-size makes both rewrite by themselves"
rw_rw=$(field aof_rewrites it_cli)
st_rw=$(field aof_rewrites sc)
both "CONFIG SET auto-aof-rewrite thresholds" config set auto-aof-rewrite-min-size 4kb auto-aof-rewrite-percentage 10 >/dev/null
for i in $(seq 40); do both "SET grow $i" set "grow:$i" "$val" >/dev/null; done
for _ in $(seq 100); do
	[ "$(field aof_rewrites it_cli)" -gt "$rw_rw" ] && [ "$(field aof_rewrites sc)" -gt "$st_rw" ] && break
	sleep 0.1
done
[ "$(field aof_rewrites sc)" -gt "$st_rw" ] || it_fail "stock did not rewrite by itself"
[ "$(field aof_rewrites it_cli)" -gt "$rw_rw" ] || it_fail "redwire did not rewrite by itself after CONFIG SET"
both "CONFIG SET auto-aof-rewrite off" config set auto-aof-rewrite-percentage 0 >/dev/null
idle it_cli
idle sc

it_log "   appendfsync, aof-use-rdb-preamble, aof-load-truncated (the control plane's)"
for args in "appendfsync sometimes" "appendfsync ALWAYS" "aof-use-rdb-preamble maybe" \
	"aof-use-rdb-preamble no" "rdbchecksum no" "aof-load-truncated no" "appendfsync no" \
	"appendfsync everysec"; do
	# shellcheck disable=SC2086
	both "CONFIG SET $args" config set $args >/dev/null
done
for d in appendfsync aof-use-rdb-preamble rdbchecksum aof-load-truncated; do
	both "CONFIG GET $d" config get "$d" >/dev/null
done
sleep 0.3 # the control plane hears of it through the channel
it_eq "$(both "BGREWRITEAOF with aof-use-rdb-preamble no" bgrewriteaof)" "Background append only file rewriting started" "BGREWRITEAOF"
idle it_cli
idle sc
base_of() { sed -n 's/^file \([^ ]*\) seq [0-9]* type b$/\1/p' "$1/appendonlydir/appendonly.aof.manifest"; }
rw_base=$(base_of "$DATADIR")
st_base=$(base_of "$STOCK_DIR")
it_eq "${rw_base##*.base.}" "${st_base##*.base.}" "the base's format after aof-use-rdb-preamble no"
it_eq "${rw_base##*.base.}" aof "aof-use-rdb-preamble no: a RESP base"
both "CONFIG SET back" config set aof-use-rdb-preamble yes aof-load-truncated yes >/dev/null

it_log "3. immutable and protected directives"
for args in "appendfilename x.aof" "appenddirname d" "dir /tmp" "dbfilename x.rdb"; do
	# shellcheck disable=SC2086
	both "CONFIG SET $args" config set $args >/dev/null
done
it_log "ok: $(wc -l <"$STOCK_DIR/compared") replies equal to stock's"
