#!/usr/bin/env bash
# A write whose journal record is too large for the ring goes to a side file
# next to the channel (platform/chan/FORMAT.md "Large records"). When the
# file system holding them has no room, the write must be refused before it
# runs (-MISCONF, nothing applied, counted in journal_refused), never
# applied and left out of the AOF. The channel sits on a small tmpfs of the
# test's own; small writes and a large one that fits keep working, and the
# AOF loads (stock redis-check-aof) with exactly what was acknowledged.
IT_NAME=rwtjns
source "$(dirname "$0")/lib.sh"

DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
SHM=$(mktemp -d /tmp/rwtjns-shm-XXXXXX)
CONF=$(mktemp /tmp/rwtjns-XXXXXX.conf)
cleanup_jns() {
	rm -f "$CONF"
	umount "$SHM" 2>/dev/null || true
	rmdir "$SHM" 2>/dev/null || true
}
# 2 workers' rings (16 MB each) fill as they are written: 40 MB leaves room
# for a record of 10 MB (it needs twice its size plus a 16 MB margin), none
# at all for one of 48 MB
mount -t tmpfs -o size=40m tmpfs "$SHM"
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\nredwire-channel %s/redwire-%%n.chan\n' "$SHM" >>"$CONF"
it_up --workers 2 --config "$CONF"
# the instance down before the tmpfs holding its channel is unmounted
TRAP='rc=$?; [ $rc = 0 ] || tail -20 "/run/redwire/$IT_NAME/dataplane.log"
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1; cleanup_jns; exit $rc'
trap "$TRAP" EXIT

refused() { it_ctl stats --json | "$IT_PY" "$IT_ROOT/tests/integration/stats.py" journal_refused |
	awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }

it_ns env IT_DIR="$IT_ROOT/tests/integration" "$IT_PY" - "$IT_IP" "$IT_PORT" <<'PY'
import sys
import redis
r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), socket_timeout=60)
r.set("small", "before")
big_ok = b"a" * (10 << 20)         # a side file that fits
r.set("fits", big_ok)
assert r.get("fits") == big_ok, "a 10 MB value that fits"
try:
    r.set("small", b"b" * (48 << 20))
except redis.exceptions.ResponseError as e:
    assert "Errors writing to the journal: No space left on device" in str(e), str(e)
else:
    raise SystemExit("a 48 MB SET with no room for its side file was acknowledged")
assert r.get("small") == b"before", "the refused write was applied"
r.set("after", "works")
assert r.get("after") == b"works"
print("refused as it should, nothing applied")
PY
it_eq "$(refused)" 1 "journal_refused"
it_eq "$(ls "$SHM" | grep -c '\.w[0-9]*\.l')" 0 "side files left once consumed"

# what the AOF holds: the acknowledged writes only
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
AOFDIR=$DATADIR/appendonlydir
redis-check-aof "$AOFDIR"/*.manifest >/dev/null || it_fail "redis-check-aof refuses the AOF"
it_up --workers 2 --config "$CONF"
trap "$TRAP" EXIT
it_eq "$(it_cli get small)" before "small after restart"
it_eq "$(it_cli strlen fits)" $((10 << 20)) "the 10 MB value after restart"
it_eq "$(it_cli get after)" works "after, after restart"
it_log "PASS"
