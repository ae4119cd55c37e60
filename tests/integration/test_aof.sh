#!/usr/bin/env bash
# Issue #7, first slice: appendonly yes writes a Redis 7.0 multi-part AOF
# that stock tools accept. Boot an instance with appendonly yes, write keys
# in two dbs with redis-cli, stop it, then:
#   - stock redis-check-aof must call the manifest valid;
#   - every batch carries a "#RW1" CRC annotation;
#   - stock redis-server 7.0.15 started on (a copy of) the directory must
#     hold the same keys and values Redwire served before the stop.
# Expiries are journaled as absolute times (test_aof_abs.sh compares them
# with redis-server's own AOF); here only an EXPIREAT is checked,
# as "has a TTL".
IT_NAME=rwtaof
source "$(dirname "$0")/lib.sh"

DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir" # a previous run's AOF would be continued
CONF=$(mktemp /tmp/rwtaof-XXXXXX.conf)
STOCK_DIR=$(mktemp -d /tmp/rwtaof-stock-XXXXXX)
STOCK_PID=""
cleanup_aof() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$CONF" "$STOCK_DIR"
}
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync everysec\n' >>"$CONF"

it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_aof; (exit $rc); it_cleanup' EXIT

it_log "writes in db 0 and db 1"
it_eq "$(it_cli set s1 hello)" OK "SET s1"
it_eq "$(it_cli set s2 'two words')" OK "SET s2"
it_eq "$(it_cli append s1 ' world')" 11 "APPEND"
for _ in 1 2 3; do it_cli incr counter >/dev/null; done
it_eq "$(it_cli incrby counter 39)" 42 "INCRBY"
it_eq "$(it_cli set gone x)" OK "SET gone"
it_eq "$(it_cli del gone)" 1 "DEL"
at=$(($(date +%s) + 86400))
it_eq "$(it_cli set timed v)" OK "SET timed"
expireat=$(it_cli expireat timed "$at" || true)
it_eq "$(it_cli -n 1 set s1 other-db)" OK "SET s1 in db 1"
it_eq "$(it_cli -n 1 incr n1)" 1 "INCR in db 1"
it_eq "$(it_cli -n 1 set bin "$(printf 'a\tb')")" OK "SET with a tab in db 1"
for i in $(seq 1 50); do it_cli set "k$i" "v$i" >/dev/null; done
it_cli info persistence | tr -d '\r' | grep -q '^aof_enabled:1' ||
	it_log "note: INFO persistence does not show aof_enabled:1 (dataplane does not ask the control plane yet)"

KEYS0="s1 s2 counter gone timed $(seq -f 'k%g' 1 50 | tr '\n' ' ')"
KEYS1="s1 n1 bin counter"
expect() { # DB KEYS...
	local db=$1; shift
	for k in "$@"; do printf '%s=%s\n' "$k" "$(it_cli -n "$db" --no-raw get "$k")"; done
}
want0=$(expect 0 $KEYS0)
want1=$(expect 1 $KEYS1)

it_log "everysec: written is durable; give the loop a tick, then stop"
sleep 0.3
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null

AOFDIR=$DATADIR/appendonlydir
[ -f "$AOFDIR/appendonly.aof.manifest" ] || it_fail "no manifest in $AOFDIR"
it_eq "$(cat "$AOFDIR/appendonly.aof.manifest")" "$(printf 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i')" "manifest"
grep -qa '^#RW1 epoch=' "$AOFDIR/appendonly.aof.1.incr.aof" || it_fail "no #RW1 annotation in the incr file"
grep -qa 'SELECT' "$AOFDIR/appendonly.aof.1.incr.aof" || it_fail "no SELECT in the incr file"

it_log "stock redis-check-aof"
out=$(cd "$AOFDIR" && redis-check-aof appendonly.aof.manifest 2>&1) || it_fail "redis-check-aof: $out"
echo "$out" | grep -q 'All AOF files and manifest are valid' || it_fail "redis-check-aof: $out"

it_log "stock redis-server 7.0.15 loads it"
cp -a "$AOFDIR" "$STOCK_DIR/"
port=7391
redis-server --port $port --bind 127.0.0.1 --dir "$STOCK_DIR" --appendonly yes \
	--appenddirname appendonlydir --appendfilename appendonly.aof --save '' \
	--daemonize no >"$STOCK_DIR/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 50); do [ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
[ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] || { cat "$STOCK_DIR/redis.log"; it_fail "stock redis-server did not start on the AOF"; }
stock() { # DB KEYS...
	local db=$1; shift
	for k in "$@"; do printf '%s=%s\n' "$k" "$(redis-cli -p $port -n "$db" --no-raw get "$k")"; done
}
got0=$(stock 0 $KEYS0)
got1=$(stock 1 $KEYS1)
[ "$got0" = "$want0" ] || { diff <(echo "$want0") <(echo "$got0") || true; it_fail "db 0 differs after stock load"; }
[ "$got1" = "$want1" ] || { diff <(echo "$want1") <(echo "$got1") || true; it_fail "db 1 differs after stock load"; }
it_eq "$(redis-cli -p $port dbsize)" "$((4 + 50))" "stock DBSIZE db 0"
if [ "$expireat" = 1 ]; then
	ttl=$(redis-cli -p $port ttl timed)
	[ "$ttl" -gt 0 ] || it_fail "EXPIREAT lost in the stock load (ttl $ttl)"
fi

it_log "restart continues the same incr file"
size1=$(stat -c %s "$AOFDIR/appendonly.aof.1.incr.aof")
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_aof; (exit $rc); it_cleanup' EXIT
it_eq "$(it_cli set after restart)" OK "SET after restart"
sleep 0.3
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
size2=$(stat -c %s "$AOFDIR/appendonly.aof.1.incr.aof")
[ "$size2" -gt "$size1" ] || it_fail "incr file did not grow after the restart ($size1 -> $size2)"
out=$(cd "$AOFDIR" && redis-check-aof appendonly.aof.manifest 2>&1) || it_fail "redis-check-aof after restart: $out"
it_log "ok"
