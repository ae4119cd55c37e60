#!/usr/bin/env bash
# it: serial
# Issue #7, Deliver item 2: "fsync runs off the control plane's event loop,
# so a slow disk never stalls replication or the API". The control plane
# runs with tests/tools/slowsync.c preloaded: every fsync/fdatasync of the
# process takes DELAY ms (a file the test rewrites). Then:
#   1. appendfsync always: a SET is not acknowledged before the slow fsync
#      that covers it completes (it waits about DELAY), while the REST API's
#      /v1/health/live answers within LIVE_MS again and again meanwhile;
#   2. BGSAVE: the snapshot's fsync, rename and directory fsync are slow;
#      the API answers within LIVE_MS throughout, the save then succeeds;
#   3. CONFIG SET appendfsync everysec, then the control plane restarted
#      alone: it runs with that run-time value (the dataplane re-sends it;
#      the file still says always), and a SET is acknowledged without
#      waiting for the slow fsync;
#   4. CONFIG SET appendfsync always, then everysec, at run time: the acks
#      follow the new rule (the control plane hears of it on the channel).
#   5. BGREWRITEAOF (everysec) with slow fsyncs: the cut's incr file is
#      made and listed on the fsync thread before the cut, the switch to it
#      is write(2) only, the base's install (rename, manifest switch,
#      history) runs on the base writer's thread, so while the rewrite runs
#      the API answers within LIVE_MS, and PINGs and everysec SETs within
#      RW_SLOW_MS (two fsyncs; no write ever waits on one); the rewrite
#      then succeeds.
#   6. the same with appendfsync always: an always SET waits for the fsync
#      in flight and its own (two fsyncs), within RW_ALWAYS_MS; the
#      prepare's four fsyncs (new incr file, directory, manifest, directory)
#      run on the AOF writer's file thread, beside the fsyncs of the file
#      in use. While they shared the fsync thread an always SET waited
#      behind them (4-5 fsyncs: 3988 ms here, and the step failed).
# Before the RDB writer's end moved to its own thread, step 2 stalled every
# API request for the whole fsync; before the rewrite's switch and install
# did, step 5 stalled the API and every everysec write for several fsyncs
# in a row (4 at the switch, 5 at the install). When the switch ran on the
# fsync thread but made the new file at the cut, the records past the cut
# waited for its fsyncs: everysec SETs of 1231 ms and more here (4745 ms in
# CI), every run fails.
IT_NAME=rwtfsl
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/recovery_lib.sh"
DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
WORK=$(mktemp -d /tmp/rwtfsl-XXXXXX)
CONF=$WORK/redwire.conf
DELAY=$WORK/delay
SOCK=/run/redwire/$IT_NAME/api.sock
SHIM=$(it_build)/tests/tools/libslowsync.so
LIVE_MS=250 # the loop's answer; a stalled loop answers after DELAY_MS
DELAY_MS=2000
RW_DELAY_MS=800 # step 5: about 11 fsyncs in a rewrite
RW_SLOW_MS=$((2 * RW_DELAY_MS)) # an everysec SET or a PING: tens of ms; held behind a switch's
# fsyncs: 4 RW_DELAY_MS and more
RW_ALWAYS_MS=$((3 * RW_DELAY_MS)) # an always SET: the fsync in flight, then its own (2
# RW_DELAY_MS); queued behind the prepare's four: 4-5 RW_DELAY_MS
SET_PID="" PROBE_PID=""
cleanup_fsl() {
	if [ -n "$SET_PID" ]; then kill "$SET_PID" 2>/dev/null || true; fi
	if [ -n "$PROBE_PID" ]; then kill "$PROBE_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
[ -f "$SHIM" ] || it_fail "no $SHIM"
command -v curl >/dev/null || it_fail "curl is needed"
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\nsave ""\n' >>"$CONF"
echo 0 >"$DELAY"
it_up --workers 2 --config "$CONF" >/dev/null
trap 'rc=$?; set +e; set +e; cleanup_fsl; (exit $rc); it_cleanup' EXIT # it_cleanup reads the status

# The control plane again, this time with the shim (the dataplane keeps running).
cp_restart_slow() {
	rc_kill control
	# ASan (IT_SAN=1) would refuse a preload that comes before its runtime
	LD_PRELOAD=$SHIM RW_SLOWSYNC=$DELAY ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		rc_cp_start
	for _ in $(seq 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --unix-socket "$SOCK" http://localhost/v1/health/ready)" = 200 ] && break
		sleep 0.1
	done
	rc_wait_loaded 30
	grep -q libslowsync "/proc/$(cat "/run/redwire/$IT_NAME/control.pid")/maps" || it_fail "the shim is not loaded"
}

# Milliseconds /v1/health/live takes (fails on anything but 200).
live_ms() {
	local out
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 --unix-socket "$SOCK" \
		http://localhost/v1/health/live) || it_fail "/v1/health/live: curl failed"
	[ "${out%% *}" = 200 ] || it_fail "/v1/health/live: HTTP ${out%% *}"
	awk -v t="${out#* }" 'BEGIN { printf "%d", t * 1000 + 0.999 }'
}

# /v1/health/live N times, 100 ms apart: each within LIVE_MS. Prints the slowest.
api_stays_quick() { # N WHAT
	local worst=0 ms
	for _ in $(seq "$1"); do
		ms=$(live_ms)
		[ "$ms" -le "$LIVE_MS" ] || it_fail "$2: /v1/health/live took $ms ms (limit $LIVE_MS)"
		[ "$ms" -gt "$worst" ] && worst=$ms
		sleep 0.1
	done
	echo "$worst"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

cp_restart_slow
it_cli set warm up >/dev/null

it_log "1. appendfsync always, fsync takes $DELAY_MS ms: the SET waits, the API does not"
echo "$DELAY_MS" >"$DELAY"
sleep 0.1
t0=$(now_ms)
it_cli set slow:always v1 >"$WORK/set.out" &
SET_PID=$!
sleep 0.3
worst=$(api_stays_quick 8 "while an always write waits for its fsync")
# (on a loaded machine the probes can outlast the fsync: then the SET's own
# time below is the check)
kill -0 "$SET_PID" 2>/dev/null || [ $(($(now_ms) - t0)) -ge "$DELAY_MS" ] ||
	it_fail "the SET was acknowledged before its slow fsync ended ($(($(now_ms) - t0)) ms)"
wait "$SET_PID" || it_fail "redis-cli SET failed"
SET_PID=""
took=$(($(now_ms) - t0))
it_eq "$(cat "$WORK/set.out")" OK "the always SET's reply"
[ "$took" -ge $((DELAY_MS / 2)) ] || it_fail "the always SET took only $took ms: not held for its fsync"
it_log "  SET acknowledged after $took ms; /v1/health/live at most $worst ms meanwhile"

it_log "2. BGSAVE with the slow fsync: the API answers throughout"
echo 0 >"$DELAY"
sleep 1.2 # the write above's fsync (and any covering it) is over
echo "$DELAY_MS" >"$DELAY"
sleep 0.1
it_eq "$(it_cli bgsave)" "Background saving started" "BGSAVE"
worst=$(api_stays_quick 12 "during BGSAVE's fsync")
for _ in $(seq 100); do
	it_cli info persistence | tr -d '\r' | grep -q '^rdb_bgsave_in_progress:0$' && break
	sleep 0.1
done
echo 0 >"$DELAY"
it_eq "$(it_cli info persistence | tr -d '\r' | grep '^rdb_last_bgsave_status:')" "rdb_last_bgsave_status:ok" "BGSAVE outcome"
grep -q 'msg="DB saved on disk"' "/run/redwire/$IT_NAME/control.log" || it_fail "no 'DB saved on disk' in the control log"
[ -s "$DATADIR/dump.rdb" ] || it_fail "no dump.rdb after BGSAVE"
redis-check-rdb "$DATADIR/dump.rdb" >/dev/null || it_fail "redis-check-rdb rejects the dump"
it_log "  /v1/health/live at most $worst ms during the save"

it_log "3. appendfsync everysec set at run time, the control plane restarted: no wait"
it_eq "$(it_cli config set appendfsync everysec)" OK "CONFIG SET appendfsync everysec"
grep -q '^appendfsync always$' "$CONF" || it_fail "the file should still say always"
cp_restart_slow
echo "$DELAY_MS" >"$DELAY"
sleep 0.1
best=100000
for i in 1 2 3; do
	t0=$(now_ms)
	it_eq "$(it_cli set "slow:everysec:$i" v)" OK "everysec SET"
	took=$(($(now_ms) - t0))
	[ "$took" -lt "$best" ] && best=$took
	sleep 0.4
done
echo 0 >"$DELAY"
[ "$best" -lt $((DELAY_MS / 2)) ] || it_fail "everysec SETs took at least $best ms: they waited for the fsync"
it_log "  everysec SET acknowledged in $best ms"

it_log "4. CONFIG SET appendfsync always / everysec at run time"
it_eq "$(it_cli config set appendfsync always)" OK "CONFIG SET appendfsync always"
sleep 0.3 # the control plane hears of it through the channel
echo "$DELAY_MS" >"$DELAY"
sleep 1.2 # an everysec fsync in flight before the change is over
t0=$(now_ms)
it_eq "$(it_cli set slow:runtime v)" OK "SET after CONFIG SET appendfsync always"
took=$(($(now_ms) - t0))
[ "$took" -ge $((DELAY_MS / 2)) ] || it_fail "after CONFIG SET appendfsync always a SET took only $took ms: not held for its fsync"
it_log "  always (CONFIG SET): SET acknowledged after $took ms"
it_eq "$(it_cli config set appendfsync everysec)" OK "CONFIG SET appendfsync everysec"
sleep 0.3
echo "$DELAY_MS" >"$DELAY"
sleep 1.2
best=100000
for i in 1 2 3; do
	t0=$(now_ms)
	it_eq "$(it_cli set "slow:runtime:$i" v)" OK "SET after CONFIG SET appendfsync everysec"
	took=$(($(now_ms) - t0))
	[ "$took" -lt "$best" ] && best=$took
	sleep 0.4
done
echo 0 >"$DELAY"
[ "$best" -lt $((DELAY_MS / 2)) ] || it_fail "after CONFIG SET appendfsync everysec SETs took at least $best ms"
it_log "  everysec (CONFIG SET): SET acknowledged in $best ms"
grep -q 'msg="appendfsync changed"' "/run/redwire/$IT_NAME/control.log" || it_fail "no 'appendfsync changed' in the control log"
it_eq "$(it_cli get slow:always)" v1 "the always write"

# BGREWRITEAOF with each fsync RW_DELAY_MS long and one client beside it:
# PING, then a SET, in turn. Checks the API stays quick and the rewrite
# succeeds; sets ping_ms, set_ms (the slowest of each), rounds, api_ms.
rewrite_probed() {
	sleep 1.2 # the last everysec fsync is over
	echo "$RW_DELAY_MS" >"$DELAY"
	sleep 0.1
	# one connection: PING, then a SET, in turn until told to stop; says
	# when its first round is done, prints the slowest of each (ms)
	rm -f "$WORK/probe.stop" "$WORK/probe.ready"
	it_ns "$IT_PY" - "$IT_IP" "$IT_PORT" "$WORK/probe.stop" "$WORK/probe.ready" >"$WORK/probe.out" <<'PY' &
import os, sys, time
import redis
r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), socket_timeout=60)
worst = {"ping": 0.0, "set": 0.0}
i = 0
while not os.path.exists(sys.argv[3]):
    for what, fn in (("ping", r.ping), ("set", lambda: r.set("slow:rw:%d" % (i % 50), i))):
        t = time.monotonic()
        fn()
        worst[what] = max(worst[what], (time.monotonic() - t) * 1000)
    i += 1
    if i == 1:
        open(sys.argv[4], "w").close()
    time.sleep(0.02)
print("%d %d %d" % (worst["ping"] + 0.999, worst["set"] + 0.999, i))
PY
	PROBE_PID=$!
	# the rewrite starts once the probe runs: python's start alone can outlast
	# the switch on a loaded machine (it did: the probe then saw nothing)
	for _ in $(seq 600); do
		[ -e "$WORK/probe.ready" ] && break
		kill -0 "$PROBE_PID" 2>/dev/null || it_fail "the PING/SET probe did not start"
		sleep 0.1
	done
	[ -e "$WORK/probe.ready" ] || it_fail "the PING/SET probe did not start within 60 s"
	local manifest_before rewrites
	manifest_before=$(cat "$DATADIR/appendonlydir/appendonly.aof.manifest")
	rewrites=$(grep -c 'msg="Background AOF rewrite finished successfully"' "/run/redwire/$IT_NAME/control.log" || true)
	it_eq "$(it_cli bgrewriteaof)" "Background append only file rewriting started" "BGREWRITEAOF"
	api_ms=0 api_n=0
	for _ in $(seq 300); do
		ms=$(live_ms)
		[ "$ms" -le "$LIVE_MS" ] || it_fail "during BGREWRITEAOF: /v1/health/live took $ms ms (limit $LIVE_MS)"
		[ "$ms" -gt "$api_ms" ] && api_ms=$ms
		api_n=$((api_n + 1))
		it_cli info persistence | tr -d '\r' | grep -q '^aof_rewrite_in_progress:0$' && break
		sleep 0.1
	done
	touch "$WORK/probe.stop"
	wait "$PROBE_PID" || it_fail "the PING/SET probe failed"
	PROBE_PID=""
	echo 0 >"$DELAY"
	read -r ping_ms set_ms rounds <"$WORK/probe.out"
	it_eq "$(it_cli info persistence | tr -d '\r' | grep '^aof_last_bgrewrite_status:')" "aof_last_bgrewrite_status:ok" "BGREWRITEAOF outcome"
	[ "$(grep -c 'msg="Background AOF rewrite finished successfully"' "/run/redwire/$IT_NAME/control.log")" -gt "$rewrites" ] ||
		it_fail "no new 'Background AOF rewrite finished successfully' in the control log"
	MANIFEST=$DATADIR/appendonlydir/appendonly.aof.manifest
	[ "$(cat "$MANIFEST")" != "$manifest_before" ] && grep -q ' type b$' "$MANIFEST" ||
		it_fail "the manifest does not name a new base: $(cat "$MANIFEST")"
}

it_log "5. BGREWRITEAOF (everysec), each fsync $RW_DELAY_MS ms: the loop never waits on the disk"
rewrite_probed
it_log "  $api_n API probes, at most $api_ms ms; $rounds PING+SET rounds: PING at most $ping_ms ms, everysec SET at most $set_ms ms"
[ "$set_ms" -le "$RW_SLOW_MS" ] || it_fail "during BGREWRITEAOF an everysec SET took $set_ms ms (limit $RW_SLOW_MS): it waited on an fsync"
[ "$ping_ms" -le "$RW_SLOW_MS" ] || it_fail "during BGREWRITEAOF a PING took $ping_ms ms (limit $RW_SLOW_MS)"

it_log "6. BGREWRITEAOF (always), each fsync $RW_DELAY_MS ms: an ack waits for its fsync, not the prepare's"
it_eq "$(it_cli config set appendfsync always)" OK "CONFIG SET appendfsync always"
rewrite_probed
it_log "  $api_n API probes, at most $api_ms ms; $rounds PING+SET rounds: PING at most $ping_ms ms, always SET at most $set_ms ms"
[ "$set_ms" -le "$RW_ALWAYS_MS" ] || it_fail "during BGREWRITEAOF an always SET took $set_ms ms (limit $RW_ALWAYS_MS): it waited behind the prepare's fsyncs"
[ "$ping_ms" -le "$RW_SLOW_MS" ] || it_fail "during BGREWRITEAOF a PING took $ping_ms ms (limit $RW_SLOW_MS)"
it_eq "$(it_cli get slow:always)" v1 "the always write, after the rewrite"
it_log "ok"
