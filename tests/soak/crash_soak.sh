#!/usr/bin/env bash
# Seeded crash soak (issue #7; not part of the pass/fail suite): ROUNDS runs
# of tests/integration/test_crash.sh with TRIALS trials per kill target
# (dataplane, control plane, both) and appendfsync mode (always, everysec),
# so ROUNDS * TRIALS * 6 kill trials (defaults: 6 * 30 * 6 = 1080). Prints
# every seed; a failing round is replayed with
#   CRASH_SEED=SEED CRASH_TRIALS=TRIALS tests/integration/test_crash.sh
# (its client logs and the instance's logs are kept in the /tmp directory it
# names).
#   ROUNDS=6 TRIALS=30 tests/soak/crash_soak.sh
set -uo pipefail
ROUNDS=${ROUNDS:-6} TRIALS=${TRIALS:-30}
dir=$(cd "$(dirname "$0")" && pwd)
failed=0
for r in $(seq 1 "$ROUNDS"); do
	seed=$RANDOM$RANDOM
	echo "round $r seed=$seed trials=$((TRIALS * 6))"
	if CRASH_SEED=$seed CRASH_TRIALS=$TRIALS bash "$dir/../integration/test_crash.sh" \
		>"/tmp/crash_soak.$seed.log" 2>&1; then
		echo "round $r seed=$seed ok"
		rm -f "/tmp/crash_soak.$seed.log"
	else
		echo "round $r seed=$seed FAILED (log /tmp/crash_soak.$seed.log)"
		failed=$((failed + 1))
	fi
done
echo "$ROUNDS rounds of $((TRIALS * 6)) kill trials: $failed failed"
[ "$failed" = 0 ]
