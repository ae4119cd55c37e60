#!/usr/bin/env bash
# Freeing a 1M-element set (DEL, UNLINK, expiry) keeps the owning worker's
# latency for other clients flat: the set is freed in bounded steps by the
# worker loop (lazyfree_check.py; ASan build, two workers).
IT_NAME=rwtlazyf IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_ns "$IT_PY" "$IT_ROOT/tests/integration/lazyfree_check.py" "$IT_IP" "$IT_PORT" ||
	it_fail "latency bound exceeded while freeing"
it_log "ok"
