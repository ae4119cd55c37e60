#!/usr/bin/env bash
# Issue #7, "Recovery on start": a restart loads the AOF back.
#   1. A dataset (ints, embstr, raw, values up to 3 MB, absolute expiries,
#      five DBs, deletes, a FLUSHDB) written with appendonly yes; keys that
#      expire 1.5 s later written last; SIGKILL of both processes.
#   2. `./redwire up`: DEBUG DIGEST equals the digest before the crash, and
#      the digest of stock redis-server 7.0.15 started on a copy of the same
#      directory. Nothing loaded is appended again; new writes continue the
#      same incr file; INFO's aof_* fields come from the control plane.
#   3. While the dataplane waits for its dataset (restarted while the control
#      plane is stopped) clients get -LOADING (PING too, as in Redis), INFO and
#      CONFIG GET answer, INFO shows
#      loading:1 and the loading_* fields; once loaded, loading:0.
#   4. An AOF directory written by stock redis-server loads to its digest.
#   5. A torn tail is cut with a warning naming file and offset; a flipped
#      bit in a closed batch stops the start, naming file and offset.
IT_NAME=rwtrec
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/recovery_lib.sh"

DATADIR=/var/lib/redwire/$IT_NAME
AOFDIR=$DATADIR/appendonlydir
INCR=$AOFDIR/appendonly.aof.1.incr.aof
rm -rf "$AOFDIR"
CONF=$(mktemp /tmp/rwtrec-XXXXXX.conf)
WORK=$(mktemp -d /tmp/rwtrec-XXXXXX)
cleanup_rec() { rc_stock_stop; rm -rf "$CONF" "$WORK"; }
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync everysec\n' >>"$CONF"
DATA() { it_ns "$IT_PY" "$IT_ROOT/tests/integration/recovery_data.py" "$@"; }

it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_rec; (exit $rc); it_cleanup' EXIT

it_log "1. dataset, digest, expiring keys, SIGKILL of both processes"
DATA "$IT_IP" "$IT_PORT" fill
before=$(DATA "$IT_IP" "$IT_PORT" digest)
keys_before=$(it_cli dbsize)
DATA "$IT_IP" "$IT_PORT" expiring 1500
sleep 0.3 # everysec: acknowledged means written; this is only for the copy below
rc_kill dataplane
rc_kill control
size_crash=$(stat -c %s "$INCR")
cp -a "$AOFDIR" "$WORK/" # what stock redis-server gets
sleep 1.5                # the expiring keys are past their time before anything loads

it_log "2. up again: same digest as before the crash and as stock redis-server"
rc_up --workers 2 --config "$CONF"
rc_wait_loaded
after=$(DATA "$IT_IP" "$IT_PORT" digest)
it_eq "$after" "$before" "DEBUG DIGEST after the restart"
it_eq "$(it_cli dbsize)" "$keys_before" "DBSIZE of db 0 after the restart"
grep -q 'msg="AOF loaded into the dataplane"' "/run/redwire/$IT_NAME/control.log" ||
	it_fail "control log does not report the load"
rc_stock_start "$WORK" 7381
stock=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/recovery_data.py" 127.0.0.1 7381 digest)
rc_stock_stop
it_eq "$stock" "$before" "stock redis-server's digest of the same directory"

it_log "   nothing loaded is appended again; new writes continue the same incr file"
# the expiring keys were reclaimed after the load: their DELs are the only records
size_loaded=$(stat -c %s "$INCR")
dels=$(tail -c +$((size_crash + 1)) "$INCR" | tr -d '\r' | grep -ac '^DEL$' || true)
other=$(tail -c +$((size_crash + 1)) "$INCR" | tr -d '\r' | grep -aciE '^(set|append|incr|mset|setrange|setbit)$' || true)
it_eq "$other" 0 "write records appended by the load (size $size_crash -> $size_loaded)"
it_eq "$(it_cli set after:restart 1)" OK "SET after the restart"
sleep 0.3
[ "$(stat -c %s "$INCR")" -gt "$size_loaded" ] || it_fail "the incr file did not grow after a write"
it_eq "$(ls "$AOFDIR" | grep -c 'incr')" 1 "incr files"
mid=$(DATA "$IT_IP" "$IT_PORT" digest)
info=$(it_cli info persistence | tr -d '\r')
for f in aof_enabled:1 aof_last_write_status:ok aof_pending_rewrite:0 loading:0; do
	echo "$info" | grep -qx "$f" || it_fail "INFO persistence lacks $f: $info"
done
it_eq "$(echo "$info" | sed -n 's/^aof_current_size://p')" \
	"$(($(stat -c %s "$INCR") + $(stat -c %s "$AOFDIR/appendonly.aof.1.base.aof")))" "aof_current_size"
it_log "   ($dels expiry DELs appended after the load)"

it_log "3. -LOADING while the dataplane waits for its dataset"
CP_PID=$(cat /run/redwire/$IT_NAME/control.pid)
kill -STOP "$CP_PID"
rc_kill dataplane
rc_dp_start
for _ in $(seq 100); do it_cli info persistence 2>/dev/null | grep -q '^loading:' && break; sleep 0.1; done
# as stock Redis: PING has no `loading` flag, INFO and CONFIG have
it_eq "$(it_cli ping)" "LOADING Redis is loading the dataset in memory" "PING while loading"
it_eq "$(it_cli get int:1)" "LOADING Redis is loading the dataset in memory" "GET while loading"
it_eq "$(it_cli set x y)" "LOADING Redis is loading the dataset in memory" "SET while loading"
it_eq "$(it_cli config get appendonly | tr '\n' ' ')" "appendonly yes " "CONFIG GET while loading"
info=$(it_cli info persistence | tr -d '\r')
for f in loading:1 loading_start_time: loading_total_bytes: loading_rdb_used_mem:0 \
	loading_loaded_bytes: loading_loaded_perc: loading_eta_seconds:; do
	echo "$info" | grep -q "^$f" || it_fail "INFO persistence while loading lacks $f: $info"
done
kill -CONT "$CP_PID"
rc_wait_loaded
it_eq "$(DATA "$IT_IP" "$IT_PORT" digest)" "$mid" "digest after the control plane loaded a restarted dataplane"
it_eq "$(it_cli get after:restart)" 1 "a write made after the first restart"
it_cli info persistence | tr -d '\r' | grep -q '^loading_start_time' &&
	it_fail "loading_* fields shown after loading"

it_log "4. an AOF directory written by stock redis-server loads to its digest"
mkdir -p "$WORK/stock"
rc_stock_start "$WORK/stock" 7382
it_ns "$IT_PY" "$IT_ROOT/tests/integration/recovery_data.py" 127.0.0.1 7382 fill
rc_stock_cli set rel:ex v ex 100000 >/dev/null # stock writes relative expiries as absolute
rc_stock_cli -n 9 setex rel:setex 100000 v >/dev/null
stock=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/recovery_data.py" 127.0.0.1 7382 digest)
rc_stock_stop
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
rm -rf "$AOFDIR"
cp -a "$WORK/stock/appendonlydir" "$AOFDIR"
rc_up --workers 2 --config "$CONF"
rc_wait_loaded
it_eq "$(DATA "$IT_IP" "$IT_PORT" digest)" "$stock" "digest of a stock-written AOF loaded into Redwire"

it_log "5. torn tail: cut with a warning naming file and offset"
it_eq "$(it_cli set torn:probe 1)" OK "SET"
sleep 0.3
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
full=$(stat -c %s "$INCR")
truncate -s $((full - 7)) "$INCR"
rc_up --workers 2 --config "$CONF"
rc_wait_loaded
grep -q "msg=\"AOF tail is torn: loading up to the last whole batch\" file=appendonly.aof.1.incr.aof offset=" \
	"/run/redwire/$IT_NAME/control.log" || it_fail "no torn-tail warning naming file and offset"
it_eq "$(it_cli get torn:probe)" "" "the torn write is not loaded"
it_eq "$(it_cli get after:restart)" "" "the stock dataset has no after:restart"

it_log "   a flipped bit in a closed batch stops the start, naming file and offset"
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
off=$(grep -abo 'mv17' "$INCR" | head -1 | cut -d: -f1)
[ -n "$off" ] || it_fail "no mv17 value in the incr file"
printf 'X' | dd of="$INCR" bs=1 seek="$off" conv=notrunc status=none
if REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" up --name "$IT_NAME" --workers 2 --config "$CONF" >/dev/null 2>&1; then
	it_fail "the start succeeded on a corrupt AOF"
fi
grep -E 'msg="cannot use the AOF".*appendonly.aof.1.incr.aof offset [0-9]+: CRC64 mismatch' \
	"/run/redwire/$IT_NAME/control.log" >/dev/null || { tail -3 "/run/redwire/$IT_NAME/control.log"; it_fail "no one-line error naming file and offset"; }
it_log "ok"
