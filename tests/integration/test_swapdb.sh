#!/usr/bin/env bash
# SWAPDB (issue #4 item 2) against stock redis-server 7.0.15, byte for byte:
# errors, keys of both workers swapped at once, MULTI, WATCH
# (oracle_cases_swapdb.py), DEBUG DIGEST equal after. Then with appendonly:
# the AOF holds one SWAPDB per call (a transaction over every worker, not
# one per worker), and an instance started on that AOF finds the keys in
# their swapped DBs.
IT_NAME=rwtswapdb IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_ns "$IT_PY" "$IT_ROOT/tests/integration/case_module_check.py" oracle_cases_swapdb \
	"$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" || it_fail "replies differ from redis-server"
kill "$IT_ORACLE_PID" && wait "$IT_ORACLE_PID" 2>/dev/null || true
IT_ORACLE_PID=""

"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
DATA=/var/lib/redwire/$IT_NAME
rm -rf "$DATA/appendonlydir"
CONF=$(mktemp /tmp/rwtswapdb.XXXXXX.conf)
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\n' >>"$CONF"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; rm -f "$CONF"; (exit $rc); it_cleanup' EXIT # it_up set its own
A='{it:rc0}x' B='{it:rc2}x' # keys of worker 0 and worker 1
it_eq "$(it_cli -n 1 mset "$A" a1 "$B" b1)" OK "keys in db 1"
it_eq "$(it_cli -n 2 rpush "$B" l2)" 1 "a list in db 2"
it_eq "$(it_cli swapdb 1 2)" OK "swapdb 1 2"
it_eq "$(it_cli swapdb 2 3)" OK "swapdb 2 3"
it_eq "$(it_cli swapdb 0 15)" OK "swapdb 0 15"
it_eq "$(it_cli swapdb 15 0)" OK "swapdb 15 0"
sleep 0.5
INCR=$(ls "$DATA"/appendonlydir/*.incr.aof | head -1)
[ -n "$INCR" ] || it_fail "no incr AOF file"
n=$(grep -c -a -i '^swapdb' "$INCR" || true)
it_eq "$n" 4 "SWAPDB records in the AOF"
"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; rm -f "$CONF"; (exit $rc); it_cleanup' EXIT # it_up set its own
it_eq "$(it_cli -n 3 mget "$A" "$B" | tr '\n' ' ')" "a1 b1 " "db 1's keys in db 3 after the AOF replay"
it_eq "$(it_cli -n 1 lrange "$B" 0 -1)" "l2" "db 2's list in db 1 after the AOF replay"
it_eq "$(it_cli -n 2 dbsize)" 0 "db 2 empty after the AOF replay"
it_log "ok"
