#!/usr/bin/env bash
# Seeded soak (not part of the pass/fail suite): ROUNDS rounds of a verified
# load (every reply checked, keys read back through other connections) with
# LOSS% of TCP packets dropped both ways by nftables on the kernel side, on
# an instance of its own. Prints every seed, so a failing round can be
# replayed with: tests/integration/load_check.py ... --seed SEED
#   ROUNDS=20 LOSS=5 CONNS=16 KEYS=2000 tests/soak/loss_soak.sh
set -euo pipefail
ROUNDS=${ROUNDS:-20} LOSS=${LOSS:-5} CONNS=${CONNS:-16} KEYS=${KEYS:-2000}
IT_NAME=rwsoak
source "$(dirname "$0")/../integration/lib.sh"
it_up --workers 2
it_ns nft -f - <<NFT
table inet rwsoak {
	chain out { type filter hook output priority 0; tcp dport $IT_PORT numgen random mod 100 < $LOSS drop; }
	chain in { type filter hook input priority 0; tcp sport $IT_PORT numgen random mod 100 < $LOSS drop; }
}
NFT
failed=0
for r in $(seq 1 "$ROUNDS"); do
	seed=$RANDOM$RANDOM
	if it_ns timeout 600 "$IT_PY" "$IT_ROOT/tests/integration/load_check.py" "$IT_IP" "$IT_PORT" \
		--conns "$CONNS" --keys "$KEYS" --pipeline 16 --seed "$seed" >/dev/null; then
		echo "round $r seed=$seed ok"
	else
		echo "round $r seed=$seed FAILED"; failed=$((failed + 1))
	fi
done
it_ns nft delete table inet rwsoak
echo "$ROUNDS rounds at ${LOSS}% loss: $failed failed"
[ "$failed" = 0 ]
