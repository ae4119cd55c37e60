#!/usr/bin/env bash
# Multi-key collection commands with their keys on different workers
# (issue #5 item 7) answer as stock redis-server 7.0.15 does, byte for byte
# in RESP2 and RESP3, and leave the same dataset (DEBUG DIGEST):
# oracle_cases_xshard.py (hand-written cases on keys of worker 0 and
# worker 1, and the set/zset/list modules' cases and seeded random
# sequences with their hash tags taken off, XS_SEED). The cross-worker
# path must have run: the forwarding counters move both ways, by at least
# one message per cross-worker command of the hand-written cases. Then:
# keyspace notifications equal stock's (xshard_check.py notify), so do the
# keys' LFU counters (xshard_check.py lfu: a command's reads and writes of
# another worker's keys touch them as Redis's lookups do; and with every
# key on one worker, "lfu ... one"), a reader
# never sees a half-applied SMOVE/LMOVE under concurrent movers
# (xshard_check.py atomic), and with appendonly the dataset after a restart
# has the digest it had (and stock's after the same commands).
IT_NAME=rwtcollx IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
rm -rf "/var/lib/redwire/$IT_NAME" # a previous run's AOF or dump.rdb would be loaded
it_up --workers 2
it_oracle_start
S=$IT_ROOT/tests/integration/stats.py
CHK=$IT_ROOT/tests/integration/xshard_check.py
read -r s0 s1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_ns env XS_SEED="${XS_SEED:-1}" "$IT_PY" "$IT_ROOT/tests/integration/case_module_check.py" \
	oracle_cases_xshard "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" || it_fail "replies differ from redis-server"
read -r S0 S1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_log "forwarded sent per worker: $((S0 - s0)) $((S1 - s1)); received: $((R0 - r0)) $((R1 - r1))"
[ $((S0 - s0)) -gt 500 ] && [ $((S1 - s1)) -gt 500 ] || it_fail "few messages crossed: the cross-worker path did not run"
[ $((R0 - r0)) -gt 500 ] && [ $((R1 - r1)) -gt 500 ] || it_fail "a worker ran little for the other"

it_ns "$IT_PY" "$CHK" notify "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" || it_fail "notifications differ"
it_ns "$IT_PY" "$CHK" lfu "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" || it_fail "OBJECT FREQ differs"
it_ns "$IT_PY" "$CHK" lfu "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" one || it_fail "OBJECT FREQ differs (one worker)"
it_ns "$IT_PY" "$CHK" atomic "$IT_IP:$IT_PORT" "${XS_ROUNDS:-300}" || it_fail "a half-applied move was seen"
it_ns "$IT_PY" "$CHK" seq "127.0.0.1:$IT_ORACLE_PORT" "${XS_SEED:-1}" >"/tmp/$IT_NAME.digest" ||
	it_fail "sequence on redis-server"
kill "$IT_ORACLE_PID" && wait "$IT_ORACLE_PID" 2>/dev/null || true
IT_ORACLE_PID=""

# appendonly: the write-backs journaled as MULTI RESTORE|DEL ... EXEC replay
# to the same dataset
"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
DATA=/var/lib/redwire/$IT_NAME
rm -rf "$DATA/appendonlydir"
CONF=/tmp/$IT_NAME.conf # fixed name: it_cleanup keeps the exit status
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync everysec\n' >>"$CONF"
it_up --workers 2 --config "$CONF"
D1=$(it_ns "$IT_PY" "$CHK" seq "$IT_IP:$IT_PORT" "${XS_SEED:-1}") || it_fail "sequence on redwire"
it_eq "$D1" "$(cat "/tmp/$IT_NAME.digest")" "digest after the sequence, against redis-server"
sleep 1.5
INCR=$(ls "$DATA"/appendonlydir/*.incr.aof | head -1)
grep -qai restore "$INCR" || it_fail "no write-back in the AOF"
redis-check-aof "$INCR" >"/tmp/$IT_NAME.check" 2>&1 || { cat "/tmp/$IT_NAME.check"; it_fail "redis-check-aof refused the file"; }
"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
it_up --workers 2 --config "$CONF"
it_eq "$(it_cli debug digest)" "$D1" "digest after the AOF replay"
rm -f "$CONF" "/tmp/$IT_NAME.digest" "/tmp/$IT_NAME.check"
it_log "PASS collections across workers"
