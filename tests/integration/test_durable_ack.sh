#!/usr/bin/env bash
# Issue #7's ack discipline: with appendonly yes a write's reply leaves only
# when the control plane has made it durable (here appendfsync always: the
# fsync that covers it).
#   1. while the control plane is stopped (SIGSTOP) a SET gets no reply;
#      after SIGCONT it gets +OK;
#   2. every write acknowledged before both processes are killed with
#      SIGKILL is in the AOF: stock redis-server 7.0.15 loads all of them.
# Writes go through both workers (keys spread over the slot space), so
# replies held on the worker that executes a forwarded command count too.
IT_NAME=rwtack
source "$(dirname "$0")/lib.sh"
DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
CONF=$(mktemp /tmp/rwtack-XXXXXX.conf)
STOCK_DIR=$(mktemp -d /tmp/rwtack-stock-XXXXXX)
STOCK_PID=""
cleanup_ack() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$CONF" "$STOCK_DIR"
}
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\n' >>"$CONF"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_ack; (exit $rc); it_cleanup' EXIT
CP_PID=$(cat /run/redwire/$IT_NAME/control.pid)

it_log "a write waits while the control plane is stopped"
kill -STOP "$CP_PID"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/hold_check.py" "$IT_IP" "$IT_PORT" 1.5 kill -CONT "$CP_PID" ||
	{ kill -CONT "$CP_PID"; it_fail "a write was acknowledged before it was durable"; }

it_log "acknowledged writes survive SIGKILL of both processes"
acked=0
for i in $(seq 1 200); do
	[ "$(it_cli set "ack:$i" "value-$i")" = OK ] && acked=$i
done
it_eq "$acked" 200 "acknowledged writes"
kill -KILL "$(cat /run/redwire/$IT_NAME/dataplane.pid)" "$CP_PID"
sleep 0.5
cp -a "$DATADIR/appendonlydir" "$STOCK_DIR/"
port=7394
redis-server --port $port --bind 127.0.0.1 --dir "$STOCK_DIR" --appendonly yes \
	--appenddirname appendonlydir --save '' --daemonize no >"$STOCK_DIR/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 50); do [ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
[ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] || { cat "$STOCK_DIR/redis.log"; it_fail "stock redis-server did not load the AOF"; }
missing=0
for i in $(seq 1 200); do
	[ "$(redis-cli -p $port get "ack:$i")" = "value-$i" ] || missing=$((missing + 1))
done
it_eq "$missing" 0 "acknowledged writes missing from the AOF"
it_eq "$(redis-cli -p $port get held:key)" v "the held write"
it_log "ok"
