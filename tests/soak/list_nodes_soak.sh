#!/usr/bin/env bash
# Quicklist node boundaries soak (issue #5 item 5; not part of the pass/fail
# suite): ROUNDS runs of tests/integration/test_dump_coll.sh, each with its
# own seed for list_nodes_check.py's random list histories (CI runs seed 5).
# Replay a failing round with
#   RW_LIST_SEED=SEED tests/integration/test_dump_coll.sh
#   ROUNDS=10 tests/soak/list_nodes_soak.sh
set -uo pipefail
ROUNDS=${ROUNDS:-10}
dir=$(cd "$(dirname "$0")" && pwd)
failed=0
for r in $(seq 1 "$ROUNDS"); do
	seed=$RANDOM
	start=$(date +%s)
	if RW_LIST_SEED=$seed bash "$dir/../integration/test_dump_coll.sh" >"/tmp/list_nodes_soak.$seed.log" 2>&1; then
		echo "round $r seed=$seed ok ($(($(date +%s) - start)) s)"
		rm -f "/tmp/list_nodes_soak.$seed.log"
	else
		echo "round $r seed=$seed FAILED: /tmp/list_nodes_soak.$seed.log"
		failed=$((failed + 1))
	fi
done
echo "$ROUNDS rounds, $failed failed"
[ "$failed" = 0 ]
