#!/usr/bin/env bash
# RENAME, RENAMENX, COPY (DB, REPLACE) and MOVE of every collection type and
# encoding, keys on one worker and on two, answer as stock redis-server
# 7.0.15 does byte for byte (case_module_check.py); the two-worker cases
# must show messages crossing both ways (forwarding counters). ASan build.
IT_NAME=rwtrncoll IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
S=$IT_ROOT/tests/integration/stats.py
read -r s0 s1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/case_module_check.py" oracle_cases_renamecoll "$IT_IP:$IT_PORT" \
	"127.0.0.1:$IT_ORACLE_PORT" || it_fail "replies differ from redis-server"
read -r S0 S1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
it_log "forwarded sent per worker: $((S0 - s0)) $((S1 - s1))"
[ $((S0 - s0)) -gt 0 ] && [ $((S1 - s1)) -gt 0 ] || it_fail "no worker coordinated across workers"
it_log "ok"
