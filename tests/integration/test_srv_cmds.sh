#!/usr/bin/env bash
# Server commands of issue #4 that came last: LCS, SLOWLOG, LATENCY, CLIENT
# KILL/PAUSE, CONFIG REWRITE, MONITOR. The differential cases of
# oracle_cases_srv.py against stock redis-server 7.0.15 in RESP2 and RESP3,
# then srv_check.py for the time-dependent replies (structure and types
# compared with stock's), then tx_observe_check.py: MONITOR, SLOWLOG and
# LATENCY HISTOGRAM of MULTI/EXEC whose commands run on both workers, and
# CLIENT UNBLOCK inside MULTI (the transactions' messages must move the
# forwarding counters both ways); then order_check.py monitor: a pipeline's
# commands over both workers seen by MONITOR in the order sent, as stock's;
# then cmdstats_check.py: INFO commandstats
# and errorstats after a seeded workload (CMDSTATS_SEED=N), and after CONFIG
# RESETSTAT; ACL users (oracle_acl_cases.py byte for byte, acl_check.py for
# the rest); two workers, ASan build. Last, order_check.py observer on three
# workers (an instance of its own): a second client never sees a pipeline's
# later SET before its earlier one.
IT_NAME=rwtsrv IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_cli flushall >/dev/null # a data dir kept from an earlier run must not count
it_ns env IT_DIR="$IT_ROOT/tests/integration" "$IT_PY" - "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" <<'PY'
import os
import sys
sys.path.insert(0, os.environ["IT_DIR"])
import oracle_compare
import oracle_acl_cases
import oracle_cases_srv
oracle_compare.all_cases = lambda: oracle_cases_srv.CASES + oracle_acl_cases.CASES
sys.exit(oracle_compare.main())
PY
if [ -f "$IT_ROOT/tests/integration/srv_check.py" ]; then
	it_ns "$IT_PY" "$IT_ROOT/tests/integration/srv_check.py" "$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT"
fi
S=$IT_ROOT/tests/integration/stats.py
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_ns env PYTHONPATH="$IT_ROOT/tests/integration" "$IT_PY" "$IT_ROOT/tests/integration/tx_observe_check.py" \
	"$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT" || it_fail "tx_observe_check.py"
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ $((R0 - r0 + R1 - r1)) -gt 0 ] || it_fail "transactions did not cross workers: fwd_received $r0 $r1 -> $R0 $R1"
# One connection's commands in the order sent (order_check.py monitor):
# MONITOR of a pipeline over keys of both workers equal to stock's (and the
# same pipeline inline); the commands must cross workers. The observer half
# needs three workers: it runs last, on an instance of its own.
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_ns env PYTHONPATH="$IT_ROOT/tests/integration" "$IT_PY" "$IT_ROOT/tests/integration/order_check.py" \
	monitor "$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT" || it_fail "order_check.py monitor"
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ $((R0 - r0 + R1 - r1)) -ge 20 ] || it_fail "order_check.py did not cross workers: fwd_received $r0 $r1 -> $R0 $R1"
# INFO commandstats/errorstats after the same seeded workload as stock's
# (cmdstats_check.py), MSET/MGET/DEL across the workers moving the
# forwarding counters; CONFIG RESETSTAT then more commands
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_ns env PYTHONPATH="$IT_ROOT/tests/integration" "$IT_PY" "$IT_ROOT/tests/integration/cmdstats_check.py" \
	"$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT" || it_fail "cmdstats_check.py"
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ "$R0" -gt "$r0" ] && [ "$R1" -gt "$r1" ] || it_fail "commandstats workload did not cross workers: fwd_received $r0 $r1 -> $R0 $R1"
# ACL (issue #8): LOG, GENPASS/CAT/CLIENT LIST, DELUSER closing connections on
# both workers, then a user allowed keys of both workers: its refused MGETs
# are answered by its own worker (nothing forwarded), its allowed ones cross
A="$IT_ROOT/tests/integration/acl_check.py"
for m in log misc kill xdeny; do
	[ "$m" = xdeny ] && read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
	it_ns env PYTHONPATH="$IT_ROOT/tests/integration" "$IT_PY" "$A" "$m" "$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT" ||
		it_fail "acl_check.py $m"
done
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ $((R0 - r0 + R1 - r1)) -eq 0 ] || it_fail "refused MGETs were forwarded: fwd_received $r0 $r1 -> $R0 $R1"
it_ns env PYTHONPATH="$IT_ROOT/tests/integration" "$IT_PY" "$A" xallow "$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT" ||
	it_fail "acl_check.py xallow"
read -r X0 X1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ $((X0 - R0 + X1 - R1)) -ge 20 ] || it_fail "allowed MGETs did not cross workers: fwd_received $R0 $R1 -> $X0 $X1"
! grep -E 'AddressSanitizer|runtime error' "/run/redwire/$IT_NAME/dataplane.log" || it_fail "sanitizer report"
it_log "ok: MULTI/EXEC across workers seen by MONITOR, SLOWLOG, LATENCY; ACL across workers: fwd_received $R0 $R1 -> $X0 $X1"
# order_check.py observer, three workers: client A pipelines SETs of key
# pairs over every two workers while client B reads each pair's second key
# then its first; B must never see the second newer (with two workers the
# per-pair ring's order hides a reordering from B's reads). The SETs must
# cross workers.
kill "$IT_ORACLE_PID" && wait "$IT_ORACLE_PID" 2>/dev/null || true
IT_ORACLE_PID=""
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
it_up --workers 3 >/dev/null
it_oracle_start
read -r r0 r1 r2 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_ns env PYTHONPATH="$IT_ROOT/tests/integration" "$IT_PY" "$IT_ROOT/tests/integration/order_check.py" \
	observer "$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT" "${ORDER_ITER:-1500}" 3 ||
	it_fail "order_check.py observer"
read -r R0 R1 R2 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ $((R0 - r0 + R1 - r1 + R2 - r2)) -ge 1500 ] || it_fail "order_check.py observer did not cross workers: fwd_received $r0 $r1 $r2 -> $R0 $R1 $R2"
! grep -E 'AddressSanitizer|runtime error' "/run/redwire/$IT_NAME/dataplane.log" || it_fail "sanitizer report"
it_log "ok: one connection's order seen by MONITOR and by another client (three workers: fwd_received $r0 $r1 $r2 -> $R0 $R1 $R2)"
