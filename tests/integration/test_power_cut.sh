#!/usr/bin/env bash
# Issue #7, power loss: the AOF directory is on faultfs, which forgets every
# byte and name not fsynced when told to cut the power. Under write load
# with every acknowledged write logged (crash_client.py), both processes
# are SIGKILLed at a random moment (seeded), then the power is cut, then
# the appliance starts from what the disk kept:
#   appendfsync always    no acknowledged write is lost, none applied twice
#   appendfsync everysec  only writes acknowledged in the last second before
#                         the cut may be lost (1.25 s with scheduling slack)
# Each start must also accept the post-cut AOF (no CRC error: a torn tail
# is cut with aof-load-truncated yes).
IT_NAME=rwtpwr
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/recovery_lib.sh"
source "$(dirname "$0")/faultfs_lib.sh"

SEED=${SEED:-$RANDOM}
RANDOM=$SEED
TRIALS=${TRIALS:-2}
it_log "seed $SEED, $TRIALS trials per mode"
WORK=$(mktemp -d /tmp/rwtpwr-XXXXXX)
CONF=$WORK/redwire.conf
CLIENT_PID=""
cleanup_pwr() {
	if [ -n "$CLIENT_PID" ]; then kill -KILL "$CLIENT_PID" 2>/dev/null || true; fi
	REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1 || true
	ffs_stop
	rm -rf "$WORK"
}
trap cleanup_pwr EXIT

cut_power() { # kill both processes, then the disk forgets what was not fsynced
	CUT_AT=$(date +%s.%N)
	rc_kill dataplane &
	local k1=$!
	rc_kill control &
	wait $k1 $!
	kill -KILL "$CLIENT_PID" 2>/dev/null || true
	wait "$CLIENT_PID" 2>/dev/null || true
	CLIENT_PID=""
	ffs_cmd cut
}

total=0
for mode in always everysec; do
	cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
	printf 'appendonly yes\nappendfsync %s\nredwire-aof-reserve 1mb\n' "$mode" >>"$CONF"
	REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null 2>&1 || true
	ffs_stop
	ffs_start
	it_up --workers 2 --config "$CONF" >/dev/null
	trap 'rc=$?; set +e; cleanup_pwr; (exit $rc); it_cleanup' EXIT
	for t in $(seq "$TRIALS"); do
		log=$WORK/$mode.log.$t
		ip netns exec "$IT_NAME" "$IT_PY" "$IT_ROOT/tests/integration/crash_client.py" "$IT_IP" \
			"$IT_PORT" "$log" "$mode$t" &
		CLIENT_PID=$!
		for _ in $(seq 100); do [ -s "$log" ] && break; sleep 0.05; done
		[ -s "$log" ] || it_fail "the load client wrote nothing"
		# everysec: long enough that older writes must have been fsynced
		if [ $mode = always ]; then pause=$((RANDOM % 2)); else pause=$((2 + RANDOM % 2)); fi
		sleep "$pause.$((RANDOM % 10))"
		cut_power
		rc_up --workers 2 --config "$CONF"
		rc_wait_loaded 60
		if [ $mode = always ]; then
			out=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/crash_client.py" "$IT_IP" "$IT_PORT" verify "$WORK/$mode".log.*) ||
				{ echo "$out"; it_fail "always, trial $t, seed $SEED: acknowledged writes lost after a power cut"; }
		else
			out=$(it_ns "$IT_PY" "$IT_ROOT/tests/integration/crash_client.py" "$IT_IP" "$IT_PORT" verify-cut "$CUT_AT" 1.25 "$log") ||
				{ echo "$out"; it_fail "everysec, trial $t, seed $SEED: writes older than the last second lost"; }
		fi
		it_log "  $mode trial $t: ${out##*$'\n'}"
		total=$((total + 1))
	done
	out=$(cd "$FFS_MNT" && redis-check-aof appendonly.aof.manifest 2>&1) || it_fail "redis-check-aof after the cuts: $out"
done
it_log "ok: $total power cuts, seed $SEED"
