#!/usr/bin/env bash
# Hashes and sets: the seeded random sequences of oracle_cases_hash.py and
# oracle_cases_set.py (HS_SEED) replayed on an emptied Redwire and stock
# redis-server 7.0.15, every reply compared byte for byte, ending with
# DEBUG DIGEST (Redis's algorithm for hashes and sets) equal to stock's.
# One worker: DEBUG DIGEST does not gather other workers' keys yet.
IT_NAME=rwthd IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 1
it_oracle_start
it_ns env HS_SEED="${HS_SEED:-1}" IT_DIR="$IT_ROOT/tests/integration" "$IT_PY" - "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" <<'PY'
import os
import sys
sys.path.insert(0, os.environ["IT_DIR"])
import oracle_compare
from resp_client import encode as E
import importlib
seed = int(os.environ["HS_SEED"])
reqs = [E("FLUSHALL")]
for m in ("oracle_cases_hash", "oracle_cases_set"):
    if os.path.exists(os.path.join(os.environ["IT_DIR"], m + ".py")):
        mod = importlib.import_module(m)
        reqs += mod.random_sequence(seed)
        if hasattr(mod, "random_sequence_ht"):
            reqs += mod.random_sequence_ht(seed)
reqs += [E("SELECT", "0"), E("DEBUG", "DIGEST")]
case = ("random sequences then DEBUG DIGEST, seed %d" % seed, [b"".join(reqs)], len(reqs), False)
oracle_compare.all_cases = lambda: [case]
sys.exit(oracle_compare.main())
PY
