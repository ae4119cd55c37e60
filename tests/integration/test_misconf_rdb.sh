#!/usr/bin/env bash
# Issue #7, stop-writes-on-bgsave-error (default yes): after a failed
# BGSAVE, write commands (and PING) get stock's -MISCONF text, reads work, a
# write queued in MULTI aborts the transaction, a failed SAVE neither sets
# nor clears the state, and a good save, CONFIG SET
# stop-writes-on-bgsave-error no, or CONFIG SET save "" lift it. Every reply
# is compared byte for byte with stock redis-server 7.0.15 driven through
# the same steps, each with its save made to fail the same way: dump.rdb is
# a non-empty directory, so the final rename of the snapshot fails (root
# ignores file modes; a directory in the way stops root too).
IT_NAME=rwtmcf
source "$(dirname "$0")/lib.sh"
DATADIR=/var/lib/redwire/$IT_NAME
STOCK_DIR=$(mktemp -d /tmp/rwtmcf-XXXXXX)
STOCK_PID=""
STOCK_PORT=7381
cleanup_mcf() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$STOCK_DIR" "$DATADIR/dump.rdb"
}
CONF=$STOCK_DIR/redwire.conf
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'save 3600 1\n' >>"$CONF"
it_up --workers 2 --config "$CONF" >/dev/null
trap 'rc=$?; set +e; set +e; cleanup_mcf; (exit $rc); it_cleanup' EXIT # it_cleanup reads the status
ip netns exec "$IT_NAME" redis-server --port "$STOCK_PORT" --bind 127.0.0.1 --save "3600 1" --dir "$STOCK_DIR" \
	--appendonly no --daemonize no >"$STOCK_DIR/redis.log" 2>&1 &
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
# both_pipe WHAT RESP: raw RESP piped through redis-cli (a transaction on one connection).
both_pipe() {
	local rw st
	rw=$(printf '%b' "$2" | it_cli 2>&1)
	st=$(printf '%b' "$2" | sc 2>&1)
	[ "$rw" = "$st" ] || it_fail "$1: redwire '$rw' != stock '$st'"
	echo "$1" >>"$STOCK_DIR/compared"
}
status() { # CLI-FN: rdb_last_bgsave_status once no BGSAVE runs
	for _ in $(seq 100); do
		"$@" info persistence | tr -d '\r' | grep -q '^rdb_bgsave_in_progress:0$' && break
		sleep 0.1
	done
	"$@" info persistence | tr -d '\r' | sed -n 's/^rdb_last_bgsave_status://p'
}
bgsave_both() { # EXPECTED-STATUS
	it_eq "$(both "BGSAVE" bgsave)" "Background saving started" "BGSAVE"
	it_eq "$(status it_cli)" "$1" "redwire rdb_last_bgsave_status"
	it_eq "$(status sc)" "$1" "stock rdb_last_bgsave_status"
}
block_saves() { rm -rf "$DATADIR/dump.rdb" "$STOCK_DIR/dump.rdb"; mkdir -p "$DATADIR/dump.rdb/x" "$STOCK_DIR/dump.rdb/x"; }
unblock_saves() { rm -rf "$DATADIR/dump.rdb" "$STOCK_DIR/dump.rdb"; }

it_log "a failed BGSAVE stops writes"
rm -rf "$DATADIR/dump.rdb"
both "SET before" set k v1 >/dev/null
both "CONFIG GET default" config get stop-writes-on-bgsave-error >/dev/null
block_saves
bgsave_both err
misconf=$(both "SET after a failed BGSAVE" set k v2)
case $misconf in MISCONF*) ;; *) it_fail "no MISCONF: $misconf" ;; esac
it_log "  $misconf"
it_eq "$(both "GET" get k)" v1 "a read after the failure"
both "PING" ping >/dev/null
both "INCR" incr counter >/dev/null
both "DEL" del k >/dev/null
both "EXISTS" exists k >/dev/null
both_pipe "MULTI with a write" 'MULTI\r\nSET k v3\r\nGET k\r\nEXEC\r\n'
both_pipe "MULTI with reads only" 'MULTI\r\nGET k\r\nEXEC\r\n'

it_log "a failed SAVE keeps the state, a good SAVE clears it"
both "SAVE failing" save >/dev/null
both "SET after a failed SAVE" set k v4 >/dev/null
unblock_saves
it_eq "$(both "SAVE" save)" OK "SAVE"
it_eq "$(both "SET after a good SAVE" set k v5)" OK "SET after a good SAVE"
block_saves
both "SAVE failing (after a good one)" save >/dev/null
both "SET after a failed SAVE (status ok)" set k v6 >/dev/null

it_log "CONFIG SET stop-writes-on-bgsave-error and save lift it"
bgsave_both err
both "CONFIG SET bad value" config set stop-writes-on-bgsave-error maybe >/dev/null
both "CONFIG SET no" config set stop-writes-on-bgsave-error no >/dev/null
both "CONFIG GET no" config get stop-writes-on-bgsave-error >/dev/null
it_eq "$(both "SET with the option off" set k v7)" OK "SET with stop-writes-on-bgsave-error no"
both "CONFIG SET YES" config set stop-writes-on-bgsave-error YES >/dev/null
both "SET with the option on again" set k v8 >/dev/null
both "CONFIG SET save empty" config set save "" >/dev/null
it_eq "$(both "SET without save points" set k v9)" OK "SET without save points"
both "CONFIG SET save back" config set save "3600 1" >/dev/null
both "SET with save points again" set k v10 >/dev/null

it_log "a good BGSAVE clears it"
unblock_saves
bgsave_both ok
it_eq "$(both "SET after a good BGSAVE" set k v11)" OK "SET after a good BGSAVE"
it_eq "$(both "GET" get k)" v11 "GET"
it_log "ok: $(wc -l <"$STOCK_DIR/compared") replies equal to stock's"
