#!/usr/bin/env bash
# Issue #7 crash trials: under a write load whose client logs every
# acknowledged write (crash_client.py), SIGKILL the dataplane, the control
# plane, or both, at random moments; restart what was killed (a lone
# dataplane is reloaded by the running control plane; a lone control plane
# resumes the journal of the running dataplane from its durable cursor);
# then no acknowledged write may be missing, and no write may have been
# applied twice. Every "both" trial restarts from the AOF alone, so it also
# checks what the control-plane trials before it left in the file. While a
# killed control plane is down, an acknowledged key must be readable at once
# and a write held until the control plane is back (down_check.py).
#   CRASH_SEED    seed of the kill moments and order (printed; default random)
#   CRASH_TRIALS  trials per kill target and appendfsync mode (default 3;
#                 tests/soak/crash_soak.sh runs many more)
#   CRASH_MODES   appendfsync modes (default "always everysec")
IT_NAME=rwtcrash
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/recovery_lib.sh"

SEED=${CRASH_SEED:-$(( $(date +%s%N) % 1000000 ))}
TRIALS=${CRASH_TRIALS:-3}
MODES=${CRASH_MODES:-always everysec}
RANDOM=$SEED
echo "test_crash: seed $SEED (CRASH_SEED=$SEED to repeat), $TRIALS trials per target and mode"

DATADIR=/var/lib/redwire/$IT_NAME
CONF=$(mktemp /tmp/rwtcrash-XXXXXX.conf)
WORK=$(mktemp -d /tmp/rwtcrash-XXXXXX)
CLIENT_PID=""
cleanup_crash() {
	local rc=$?
	if [ -n "$CLIENT_PID" ]; then kill -KILL "$CLIENT_PID" 2>/dev/null || true; fi
	if [ $rc != 0 ]; then
		echo "client logs kept in $WORK"
		cp "/run/redwire/$IT_NAME/"*.log "$WORK/" 2>/dev/null || true
		rm -f "$CONF"
	else
		rm -rf "$CONF" "$WORK"
	fi
}
CLIENT() { it_ns "$IT_PY" "$IT_ROOT/tests/integration/crash_client.py" "$IT_IP" "$IT_PORT" "$@"; }

verify() { # MODE TRIAL TARGET
	local out
	out=$(CLIENT verify "$WORK/$1".log.*) ||
		{ echo "$out"; it_fail "appendfsync $1, trial $2 (kill $3), seed $SEED: acknowledged writes lost"; }
	it_log "  $1 trial $2 kill $3: ${out##*$'\n'}"
}

started=0
total=0
for mode in $MODES; do
	cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
	printf 'appendonly yes\nappendfsync %s\n' "$mode" >>"$CONF"
	if [ $started = 0 ]; then
		rm -rf "$DATADIR/appendonlydir"
		it_up --workers 2 --config "$CONF" >/dev/null
		trap 'rc=$?; set +e; cleanup_crash; (exit $rc); it_cleanup' EXIT
		started=1
	else
		REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
		rm -rf "$DATADIR/appendonlydir"
		rc_up --workers 2 --config "$CONF"
	fi
	it_log "appendfsync $mode"
	# exactly TRIALS of each target, in a seeded random order (Fisher-Yates)
	order=()
	for _ in $(seq "$TRIALS"); do order+=(dataplane control both); done
	for ((i = ${#order[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		tmp=${order[$i]}; order[$i]=${order[$j]}; order[$j]=$tmp
	done
	for t in $(seq 1 ${#order[@]}); do
		target=${order[$((t - 1))]}
		# not through a function: $! must be the client itself (ip netns exec execs it)
		ip netns exec "$IT_NAME" "$IT_PY" "$IT_ROOT/tests/integration/crash_client.py" "$IT_IP" \
			"$IT_PORT" "$WORK/$mode.log.$t" "$(printf '%04d' "$t")" &
		CLIENT_PID=$!
		for _ in $(seq 100); do [ -s "$WORK/$mode.log.$t" ] && break; sleep 0.05; done
		[ -s "$WORK/$mode.log.$t" ] || it_fail "the load client wrote nothing"
		sleep "$(( RANDOM % 3 / 2 )).$(( RANDOM % 10 ))$(( RANDOM % 10 ))" # 0 to 2 s into the load, mostly below 1
		case $target in
		dataplane) rc_kill dataplane ;;
		control) rc_kill control ;;
		both) if [ $((RANDOM % 2)) = 0 ]; then rc_kill dataplane; rc_kill control; else rc_kill control; rc_kill dataplane; fi ;;
		esac
		kill -KILL "$CLIENT_PID" 2>/dev/null || true
		wait "$CLIENT_PID" 2>/dev/null || true
		kill -0 "$CLIENT_PID" 2>/dev/null && it_fail "the load client survived SIGKILL"
		CLIENT_PID=""
		serving=$(grep -c 'msg="dataplane serves already: not loading"' "/run/redwire/$IT_NAME/control.log" || true)
		case $target in
		dataplane) rc_dp_start ;;
		control) # while it is down: reads served, a write held until it is back
			read -r _ k v _ < <(grep -m1 '^S ' "$WORK/$mode.log.$t")
			it_ns "$IT_PY" "$IT_ROOT/tests/integration/down_check.py" "$IT_IP" "$IT_PORT" "$k" "$v" 1 \
				"$WORK/down.$mode.$t.marker" >"$WORK/down.$mode.$t" 2>&1 &
			DOWN_PID=$!
			for _ in $(seq 100); do [ -e "$WORK/down.$mode.$t.marker" ] && break; kill -0 "$DOWN_PID" 2>/dev/null || break; sleep 0.05; done
			rc_cp_start
			wait "$DOWN_PID" || { cat "$WORK/down.$mode.$t"; it_fail "control plane down, trial $t, seed $SEED"; }
			it_log "  control plane down: $(cat "$WORK/down.$mode.$t")" ;;
		both) rc_up --workers 2 --config "$CONF" ;;
		esac
		rc_wait_loaded 60
		if [ "$target" = control ]; then # a live dataplane is never loaded into
			for _ in $(seq 100); do
				[ "$(grep -c 'msg="dataplane serves already: not loading"' "/run/redwire/$IT_NAME/control.log")" -gt "$serving" ] && break
				sleep 0.05
			done
			[ "$(grep -c 'msg="dataplane serves already: not loading"' "/run/redwire/$IT_NAME/control.log")" -gt "$serving" ] ||
				it_fail "the restarted control plane did not find the dataplane serving"
		fi
		verify "$mode" "$t" "$target"
		[ -n "${CRASH_TIMING:-}" ] && it_log "  $(date +%T.%N)"
		total=$((total + 1))
	done
	it_log "appendfsync $mode: from the AOF alone after the last trial"
	rc_kill dataplane
	rc_kill control
	rc_up --workers 2 --config "$CONF"
	rc_wait_loaded 60
	verify "$mode" end both
done
it_log "ok: $total trials, seed $SEED"
