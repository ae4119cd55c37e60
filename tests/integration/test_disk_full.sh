#!/usr/bin/env bash
# Issue #7 item 6, disk full. The AOF directory sits on a 4 MiB tmpfs this
# test mounts, filled up but for ~200 KiB. Writes continue until one cannot
# be written: from then on writes get Redis's -MISCONF error (the wording
# and PING's reply compared with stock redis-server 7.0.15 on the same kind
# of full tmpfs), reads go on, INFO says aof_last_write_status:err; a write
# whose record could not be written is held, never acknowledged early.
# When space returns, service resumes by itself, the held write is
# acknowledged, and a restart from the AOF holds every acknowledged write.
IT_NAME=rwtfull
source "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d /tmp/rwtfull-XXXXXX)
# `redwire up` sets dir; the tmpfs goes where the AOF lives, <dir>/appendonlydir
MNT=/var/lib/redwire/$IT_NAME/appendonlydir
MNT2=$WORK/stock
STOCK_PID=""
cleanup_full() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	# lazily: the control plane may still hold the files open
	for m in "$MNT" "$MNT2"; do if mountpoint -q "$m"; then umount -l "$m"; fi; done
	rm -rf "$WORK"
}
trap cleanup_full EXIT
if mountpoint -q "$MNT"; then umount -l "$MNT"; fi
rm -rf "$MNT"
mkdir -p "$MNT" "$MNT2"
mount -t tmpfs -o size=4m tmpfs "$MNT"
mount -t tmpfs -o size=4m tmpfs "$MNT2"

CONF=$WORK/redwire.conf
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync everysec\nredwire-aof-reserve 64kb\n' >>"$CONF"

it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_full; (exit $rc); it_cleanup' EXIT

fill() { # MOUNT: leave ~200 KiB free
	local avail; avail=$(df -B1 --output=avail "$1" | tail -1)
	fallocate -l $((avail - 200 * 1024)) "$1/filler"
}

it_log "stock redis-server 7.0.15 on a full tmpfs (the oracle's words)"
ip netns exec "$IT_NAME" redis-server --port 7379 --bind 127.0.0.1 --dir "$MNT2" --save '' \
	--appendonly yes --appendfsync everysec --aof-use-rdb-preamble no \
	--daemonize no >"$WORK/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 50); do [ "$(ip netns exec "$IT_NAME" redis-cli -p 7379 ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
fill "$MNT2"
stock=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/disk_full_check.py" 127.0.0.1 7379 "$MNT2/filler" "$WORK/stock.acks") ||
	{ echo "$stock"; tail -5 "$WORK/redis.log"; it_fail "stock redis-server run"; }
kill "$STOCK_PID"; wait "$STOCK_PID" 2>/dev/null || true; STOCK_PID=""
it_log "stock: $stock"

it_log "Redwire (appendfsync everysec) on a full tmpfs"
fill "$MNT"
rw=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/disk_full_check.py" "$IT_IP" "$IT_PORT" "$MNT/filler" "$WORK/rw.acks") ||
	{ echo "$rw"; it_fail "Redwire run"; }
it_log "redwire: $rw"
field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }
for f in misconf ping_during set_during get_during status_during set_after status_after; do
	it_eq "$(field "$rw" $f)" "$(field "$stock" $f)" "$f (Redwire vs redis-server)"
done
it_eq "$(field "$rw" misconf)" $'-MISCONF Errors writing to the AOF file: No space left on device\r' "MISCONF text"
held=$(field "$rw" held)
if [ "$held" != None ]; then
	it_eq "$(field "$rw" held_reply_while_full)" None "held write not acknowledged while the disk is full"
	it_eq "$(field "$rw" held_reply_after)" $'+OK\r' "held write acknowledged once written"
fi
grep -q 'AOF write failed' "/run/redwire/$IT_NAME/control.log" || it_fail "no log line for the failed AOF write"
grep -q 'AOF writes succeed again' "/run/redwire/$IT_NAME/control.log" || it_fail "no log line for the recovery"

it_log "restart from the AOF: every acknowledged write is there"
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_full; (exit $rc); it_cleanup' EXIT
n=$(wc -l <"$WORK/rw.acks")
got=$(xargs -a "$WORK/rw.acks" ip netns exec "$IT_NAME" redis-cli -h "$IT_IP" -p "$IT_PORT" exists)
it_eq "$got" "$n" "acknowledged keys present after the restart"
it_log "ok ($n acknowledged writes kept, held write: $held)"
