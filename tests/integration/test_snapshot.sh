#!/usr/bin/env bash
# Fork-less point-in-time snapshots (issue #7 items 4 and 5) against stock
# Redis 7.0.15: SAVE/BGSAVE write a dump.rdb that redis-check-rdb accepts
# and redis-server loads to Redwire's DEBUG DIGEST; a dump.rdb made by stock
# redis-server loads into Redwire at start (appendonly no) to its digest;
# under allkeys-lfu each key carries RDB_OPCODE_FREQ as stock writes it, and
# OBJECT FREQ survives stock loading Redwire's file and Redwire loading
# stock's; under allkeys-lru RDB_OPCODE_IDLE: after a restart Redwire's
# OBJECT IDLETIME matches stock's loading the same file; a BGSAVE under a 100%-overwrite load with cross-worker MULTI/EXEC pairs
# is one cut (every pair whole, every sequential writer's writes a prefix);
# SAVE/BGSAVE/LASTSAVE replies equal the oracle's; save points; SHUTDOWN
# saves first when save points are set; a control plane killed mid-snapshot
# leaves no temp file and no snapshot stuck "in progress".
IT_NAME=rwsnap IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/recovery_lib.sh"
WD=$(mktemp -d /tmp/rw-snap.XXXXXX)
DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR"
# it_up sets its own EXIT trap: this one goes back after each it_up
snap_cleanup() {
	local rc=$?
	set +e # errexit would end the trap at `(exit $rc)`, before it_cleanup
	rm -rf "$WD" "$DATADIR"
	(exit $rc)
	it_cleanup
}
chk() { it_ns "$IT_PY" "$IT_ROOT/tests/integration/snapshot_check.py" "$1" "$IT_IP" "$IT_PORT" "$DATADIR" "$WD" 2; }

it_up --workers 2 --no-huge
trap snap_cleanup EXIT
it_log "replies against the oracle"
chk replies
it_log "SAVE/BGSAVE: redis-check-rdb and stock redis-server accept the file"
chk save
it_log "point in time under an overwrite load with cross-worker MULTI/EXEC"
chk pit

it_log "the control plane killed during a BGSAVE: the snapshot ends, BGSAVE works again"
it_cli bgsave >/dev/null
rc_kill control
rc_cp_start
chk cpcrash

it_log "save points"
chk points
it_log "SHUTDOWN with save points saves first; the file loads at the next start"
chk shutdown
for _ in $(seq 100); do kill -0 "$(cat /run/redwire/$IT_NAME/dataplane.pid)" 2>/dev/null || break; sleep 0.1; done
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
# the file carries IDLE opcodes (saved under allkeys-lru): Redwire runs so too
printf 'maxmemory-policy allkeys-lru\n' >>"$DATADIR/redwire.conf"
it_up --workers 2 --no-huge
trap snap_cleanup EXIT
chk reloaded

it_log "a stock dump.rdb loads into Redwire at start"
chk stock
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
cp "$WD/stock.rdb" "$DATADIR/dump.rdb"
# stock saved it under allkeys-lfu (FREQ opcodes): so does Redwire run
sed -i '/^maxmemory-policy allkeys-lru$/d' "$DATADIR/redwire.conf"
printf 'maxmemory-policy allkeys-lfu\nlfu-decay-time 0\n' >>"$DATADIR/redwire.conf"
it_up --workers 2 --no-huge
trap snap_cleanup EXIT
grep -q 'RDB loaded into the dataplane' "/run/redwire/$IT_NAME/control.log" ||
	it_fail "the control plane did not load the RDB"
grep 'RDB loaded into the dataplane' "/run/redwire/$IT_NAME/control.log"
chk loaded
it_log "PASS"
