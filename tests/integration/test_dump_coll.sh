#!/usr/bin/env bash
# DUMP/RESTORE of lists, hashes, sets and sorted sets interoperate with
# stock redis-server 7.0.15 both ways, identical DUMP bytes where Redis's
# are deterministic, conversions under small limits, legacy and corrupt
# RDB forms byte for byte (dump_coll_check.py; ASan build, two workers);
# lists built by seeded random command histories keep stock's quicklist
# node boundaries, so their DUMP bytes are stock's (list_nodes_check.py,
# seed 5, or RW_LIST_SEED).
IT_NAME=rwtdcoll IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_ns "$IT_PY" "$IT_ROOT/tests/integration/dump_coll_check.py" "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/list_nodes_check.py" "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" \
	"${RW_LIST_SEED:-}"
