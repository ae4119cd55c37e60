#!/usr/bin/env bash
# Seeded crash soak (issue #7; not part of the pass/fail suite): ROUNDS runs
# of tests/integration/test_crash.sh with TRIALS trials per kill target
# (dataplane, control plane, both) and appendfsync mode (always, everysec),
# so ROUNDS * TRIALS * 6 kill trials (defaults: 6 * 30 * 6 = 1080). With
# DURATION (seconds) no round starts after that much time has passed (ROUNDS
# is then only an upper bound): a bounded run. Prints every seed and the
# number of trials verified; a failing round is replayed with
#   CRASH_SEED=SEED CRASH_TRIALS=TRIALS tests/integration/test_crash.sh
# (its client logs and the instance's logs are kept in the /tmp directory it
# names).
#   ROUNDS=6 TRIALS=30 tests/soak/crash_soak.sh
#   DURATION=1200 ROUNDS=1000 TRIALS=5 tests/soak/crash_soak.sh
set -uo pipefail
ROUNDS=${ROUNDS:-6} TRIALS=${TRIALS:-30} DURATION=${DURATION:-0}
dir=$(cd "$(dirname "$0")" && pwd)
failed=0 rounds=0 trials=0
t0=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
	if [ "$DURATION" -gt 0 ] && [ $(($(date +%s) - t0)) -ge "$DURATION" ]; then
		break
	fi
	seed=$RANDOM$RANDOM
	echo "round $r seed=$seed trials=$((TRIALS * 6))"
	log=/tmp/crash_soak.$seed.log
	ok=1
	CRASH_SEED=$seed CRASH_TRIALS=$TRIALS bash "$dir/../integration/test_crash.sh" >"$log" 2>&1 || ok=0
	# trials whose acknowledged writes were verified (test_crash.sh logs one line each)
	n=$(grep -cE '(always|everysec) trial [0-9]+ kill ' "$log")
	trials=$((trials + n))
	rounds=$((rounds + 1))
	if [ $ok = 1 ]; then
		echo "round $r seed=$seed ok ($n trials)"
		rm -f "$log"
	else
		echo "round $r seed=$seed FAILED after $n trials (log $log)"
		failed=$((failed + 1))
	fi
done
echo "$rounds rounds, $trials kill trials verified in $(($(date +%s) - t0)) s: $failed rounds failed"
[ "$failed" = 0 ]
