#!/usr/bin/env bash
# Hashes and sets (issue #5 items 2, 3): the differential cases of
# oracle_cases_hash.py and oracle_cases_set.py (seeded random sequences
# included: HS_SEED) against stock redis-server 7.0.15, two workers (ASan
# build), and the cross-worker refusal of multi-key set commands.
IT_NAME=rwths IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_ns env HS_SEED="${HS_SEED:-1}" IT_DIR="$IT_ROOT/tests/integration" "$IT_PY" - "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" <<'PY'
import sys
import os
sys.path.insert(0, os.environ["IT_DIR"])
import oracle_compare
import glob
import importlib
cases = []
for m in ("oracle_cases_hash", "oracle_cases_set"):
    if glob.glob(os.path.join(os.environ["IT_DIR"], m + ".py")):
        cases += importlib.import_module(m).CASES
oracle_compare.all_cases = lambda: cases
sys.argv = sys.argv[:1] + sys.argv[1:]
sys.exit(oracle_compare.main())
PY
