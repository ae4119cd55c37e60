#!/usr/bin/env bash
# Keys written through some connections are read back through others, with
# every reply verified; the per-worker forwarding counters must show that
# commands crossed between BOTH workers in both directions (so the test
# fails if every flow landed on one queue or nothing was forwarded).
IT_NAME=rwtfwd
source "$(dirname "$0")/lib.sh"
it_up --workers 2
S=$IT_ROOT/tests/integration/stats.py
read -r s0 s1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
read -r c0 c1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" tcp_conns_opened)"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/load_check.py" "$IT_IP" "$IT_PORT" --conns 16 --keys 300 --pipeline 8
read -r S0 S1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
read -r C0 C1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" tcp_conns_opened)"
it_log "connections opened per worker: $((C0 - c0)) $((C1 - c1))"
it_log "forwarded sent per worker: $((S0 - s0)) $((S1 - s1)); received: $((R0 - r0)) $((R1 - r1))"
[ $((C0 - c0)) -gt 0 ] && [ $((C1 - c1)) -gt 0 ] || it_fail "connections did not reach both workers"
[ $((S0 - s0)) -gt 0 ] && [ $((S1 - s1)) -gt 0 ] || it_fail "a worker forwarded nothing"
[ $((R0 - r0)) -gt 0 ] && [ $((R1 - r1)) -gt 0 ] || it_fail "a worker executed nothing for the other"
[ $((S0 - s0)) = $((R1 - r1)) ] || it_fail "worker 0 sent $((S0 - s0)) but worker 1 received $((R1 - r1))"
[ $((S1 - s1)) = $((R0 - r0)) ] || it_fail "worker 1 sent $((S1 - s1)) but worker 0 received $((R0 - r0))"
it_log "ok"
