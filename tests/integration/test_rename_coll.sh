#!/usr/bin/env bash
# RENAME, RENAMENX, COPY (DB, REPLACE) and MOVE of every collection type and
# encoding, keys on one worker and on two, answer as stock redis-server
# 7.0.15 does byte for byte (case_module_check.py); the two-worker cases
# must show messages crossing both ways (forwarding counters). Then with
# appendonly: collections renamed, copied and moved across workers (journaled
# as MULTI RESTORE ... DEL ... EXEC) are where they belong after an AOF
# replay. ASan build.
IT_NAME=rwtrncoll IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
S=$IT_ROOT/tests/integration/stats.py
read -r s0 s1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/case_module_check.py" oracle_cases_renamecoll "$IT_IP:$IT_PORT" \
	"127.0.0.1:$IT_ORACLE_PORT" || it_fail "replies differ from redis-server"
read -r S0 S1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
it_log "forwarded sent per worker: $((S0 - s0)) $((S1 - s1))"
[ $((S0 - s0)) -gt 0 ] && [ $((S1 - s1)) -gt 0 ] || it_fail "no worker coordinated across workers"
# MOVE / COPY ... DB pipelined behind a cross-worker COPY holding the key,
# then reads in the other DB (move_order_check.py): the reads must not
# overtake the waiting MOVE. Worker 1 (the keys' owner) must have run
# commands of connections of worker 0. The kernel spreads the check's four
# connections over the queues at random: all four on worker 1 (1 in 16)
# would prove nothing, so the check runs again, at most three times, until
# one did cross (requiring traffic both ways failed 1 in 16 runs).
for attempt in 1 2 3; do
	read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
	it_ns "$IT_PY" "$IT_ROOT/tests/integration/move_order_check.py" "$IT_IP:$IT_PORT" \
		"127.0.0.1:$IT_ORACLE_PORT" "${MO_ROUNDS:-10}" || it_fail "a read overtook a MOVE"
	read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
	it_log "move order: forwarded received per worker: $((R0 - r0)) $((R1 - r1))"
	[ $((R1 - r1)) -gt 0 ] && break
done
[ $((R1 - r1)) -gt 0 ] || it_fail "move order: the cross-worker path did not run"
kill "$IT_ORACLE_PID" && wait "$IT_ORACLE_PID" 2>/dev/null || true
IT_ORACLE_PID=""

"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
DATA=/var/lib/redwire/$IT_NAME
rm -rf "$DATA/appendonlydir"
CONF=$(mktemp /tmp/rwtrncoll.XXXXXX.conf)
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\n' >>"$CONF"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; rm -f "$CONF"; (exit $rc); it_cleanup' EXIT # it_up set its own
A='{it:rc0}' B='{it:rc2}' # keys of worker 0 and worker 1 (oracle_cases_renamecoll.py)
it_cli rpush "${A}l" a b c >/dev/null
it_cli zadd "${A}z" 1 x 2 y >/dev/null
it_cli hset "${B}h" f v g w >/dev/null
it_eq "$(it_cli rename "${A}l" "${B}l")" OK "RENAME a list across workers"
it_eq "$(it_cli copy "${A}z" "${B}z" db 3)" 1 "COPY a zset across workers into db 3"
it_eq "$(it_cli renamenx "${B}h" "${A}h")" 1 "RENAMENX a hash across workers"
it_eq "$(it_cli move "${A}h" 4)" 1 "MOVE a hash to db 4"
sleep 0.5
"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; rm -f "$CONF"; (exit $rc); it_cleanup' EXIT # it_up set its own
it_eq "$(it_cli lrange "${B}l" 0 -1 | tr '\n' ' ')" "a b c " "renamed list after the AOF replay"
it_eq "$(it_cli exists "${A}l" "${B}h" "${A}h")" 0 "sources gone after the AOF replay"
it_eq "$(it_cli -n 3 zrange "${B}z" 0 -1 withscores | tr '\n' ' ')" "x 1 y 2 " "copied zset in db 3"
it_eq "$(it_cli zrange "${A}z" 0 -1 | tr '\n' ' ')" "x y " "copy source kept"
it_eq "$(it_cli -n 4 hget "${A}h" g)" w "moved hash in db 4"
it_log "ok"
