#!/usr/bin/env bash
# Issue #3 item 5: bulk values up to proto-max-bulk-len move correctly; CI
# takes 64 MB (tests/soak/big_values_soak.sh takes 512 MB). The journal ring
# is 16 MB per worker, so a 64 MB SET travels as fragments
# through a side file (platform/chan/FORMAT.md "Large records") with
# appendfsync always holding its reply until it is durable. Checks:
#   - replies and DEBUG DIGEST equal stock redis-server's for the same writes
#     (big_values_check.py), one large key forwarded to the other worker
#     (fwd_received moves), small writes behind the large record all land;
#   - the AOF holds the values whole: stock redis-check-aof calls it valid,
#     stock redis-server loads it to the same digest, and so does Redwire on
#     restart;
#   - a side file removed before the control plane reads it (the control
#     plane stopped meanwhile) is counted: INFO persistence's
#     redwire_journal_big_lost and /metrics' redwire_journal_big_lost_total
#     go from 0 to 1 (the key is deleted again, so the AOF still matches).
IT_NAME=rwtbig
source "$(dirname "$0")/lib.sh"

DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
CONF=$(mktemp /tmp/rwtbig-XXXXXX.conf)
STOCK_DIR=$(mktemp -d /tmp/rwtbig-stock-XXXXXX)
STOCK_PID=""
cleanup_big() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$CONF" "$STOCK_DIR"
}
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\n' >>"$CONF"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_big; (exit $rc); it_cleanup' EXIT
it_oracle_start

S=$IT_ROOT/tests/integration/stats.py
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
SEED=${RW_SEED:-$RANDOM}
BIG_MB=${RW_BIG_MB:-64}
it_log "$BIG_MB MB and 20 MB values, replies against stock (seed $SEED)"
out=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/big_values_check.py" "$IT_IP" "$IT_PORT" "$IT_ORACLE_PORT" "$SEED" "$BIG_MB") ||
	{ echo "$out"; it_fail "replies differ from stock redis-server"; }
echo "$out" | tail -2
digest=$(echo "$out" | awk '/^digest / {print $2}')
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ $((R0 - r0 + R1 - r1)) -gt 0 ] || it_fail "no command crossed workers"
CHAN=/dev/shm/redwire-$IT_NAME.chan
for _ in $(seq 50); do compgen -G "$CHAN.w*" >/dev/null || break; sleep 0.1; done
! compgen -G "$CHAN.w*" >/dev/null || it_fail "side files of durable records left behind: $(ls "$CHAN".w*)"

it_log "a side file gone before the control plane reads it is counted"
lost() { it_cli info persistence | tr -d '\r' | sed -n 's/^redwire_journal_big_lost://p'; }
it_eq "$(lost)" 0 "INFO redwire_journal_big_lost before"
CP_PID=$(cat "/run/redwire/$IT_NAME/control.pid")
kill -STOP "$CP_PID"
head -c 5000000 /dev/zero | tr '\0' L | it_cli -x set lostkey >/dev/null 2>&1 &
SET_PID=$!
for _ in $(seq 100); do compgen -G "$CHAN.w*" >/dev/null && break; sleep 0.1; done
compgen -G "$CHAN.w*" >/dev/null || { kill -CONT "$CP_PID"; it_fail "no side file for a 5 MB value"; }
rm -f "$CHAN".w*
kill -CONT "$CP_PID"
it_cli del lostkey >/dev/null # the same worker: its durable record releases the SET's reply
wait "$SET_PID" || it_fail "the SET whose side file was removed got no reply"
for _ in $(seq 50); do [ "$(lost)" = 1 ] && break; sleep 0.1; done
it_eq "$(lost)" 1 "INFO redwire_journal_big_lost after"
it_ctl metrics | it_grep '^redwire_journal_big_lost_total 1$' ||
	it_fail "/metrics: $(it_ctl metrics | grep big_lost)"

REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
AOFDIR=$DATADIR/appendonlydir
out=$(cd "$AOFDIR" && redis-check-aof appendonly.aof.manifest 2>&1) || it_fail "redis-check-aof: $out"
echo "$out" | grep -q 'All AOF files and manifest are valid' || it_fail "redis-check-aof: $out"

it_log "stock redis-server loads the AOF to the same digest"
cp -a "$AOFDIR" "$STOCK_DIR/"
port=7393
redis-server --port $port --bind 127.0.0.1 --dir "$STOCK_DIR" --appendonly yes \
	--appenddirname appendonlydir --appendfilename appendonly.aof --save '' --enable-debug-command yes \
	--daemonize no >"$STOCK_DIR/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 200); do [ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
it_eq "$(redis-cli -p $port debug digest)" "$digest" "stock digest after loading Redwire's AOF"

it_log "Redwire restarts from the AOF to the same digest"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_big; (exit $rc); it_cleanup' EXIT
for _ in $(seq 300); do [ "$(it_cli ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
it_eq "$(it_cli debug digest)" "$digest" "Redwire digest after restart"
it_log "ok"
