#!/usr/bin/env bash
# Large-value soak (issue #3 item 5; not part of the pass/fail suite): ROUNDS
# runs of tests/integration/test_big_values.sh with the largest value at
# proto-max-bulk-len's default, 512 MB (CI runs 64 MB), each with its own
# seed. Needs about 3 GB of free memory (Redwire, stock redis-server and the
# client each hold the values). Replay a failing round with
#   RW_SEED=SEED RW_BIG_MB=512 tests/integration/test_big_values.sh
#   ROUNDS=3 BIG_MB=512 tests/soak/big_values_soak.sh
set -uo pipefail
ROUNDS=${ROUNDS:-3} BIG_MB=${BIG_MB:-512}
dir=$(cd "$(dirname "$0")" && pwd)
failed=0
for r in $(seq 1 "$ROUNDS"); do
	seed=$RANDOM
	echo "round $r seed=$seed largest value ${BIG_MB} MB"
	start=$(date +%s)
	if RW_SEED=$seed RW_BIG_MB=$BIG_MB bash "$dir/../integration/test_big_values.sh" \
		>"/tmp/big_soak.$seed.log" 2>&1; then
		echo "round $r seed=$seed ok ($(($(date +%s) - start)) s)"
		rm -f "/tmp/big_soak.$seed.log"
	else
		echo "round $r seed=$seed FAILED: /tmp/big_soak.$seed.log"
		failed=$((failed + 1))
	fi
done
echo "$ROUNDS rounds, $failed failed"
[ "$failed" = 0 ]
