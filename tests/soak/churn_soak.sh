#!/usr/bin/env bash
# Seeded soak (not part of the pass/fail suite): CYCLES connect / SET / GET /
# QUIT cycles (tcp_hard.py churn, every reply verified, the server closing
# first so every TIME_WAIT is Redwire's) over THREADS threads from four
# client addresses, on an instance of its own with the default pool; zero
# errors and zero RSTs. Then, once TIME_WAIT (60 s) has run out, the
# connection count, flow table, timer wheel and mbuf pools must be back at
# their baseline. Prints the seed; replay with SEED=N.
#   CYCLES=100000 THREADS=16 SEED=N tests/soak/churn_soak.sh
set -euo pipefail
CYCLES=${CYCLES:-100000} THREADS=${THREADS:-16} SEED=${SEED:-$RANDOM$RANDOM}
IT_NAME=rwsoakch
source "$(dirname "$0")/../integration/lib.sh"
it_up --workers 2
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
gauges() { echo "$(sum tcp_conns_current) $(sum tcp_flow_entries) $(sum tcp_timer_entries) $(sum mbufs_in_use)"; }
net=${IT_IP%.*} srcs=""
for h in 21 22 23 24; do it_ns ip addr add "$net.$h/24" dev rw0; srcs+="${srcs:+,}$net.$h"; done
sleep 0.2
read -r c0 f0 t0 m0 <<<"$(gauges)"
rst0=$(sum tcp_rst_sent)
echo "seed=$SEED cycles=$CYCLES threads=$THREADS baseline conns=$c0 flows=$f0 timers=$t0 mbufs=$m0"
it_ns timeout 3600 "$IT_PY" "$IT_ROOT/tests/integration/tcp_hard.py" churn "$IT_IP" "$IT_PORT" \
	"$CYCLES" "$THREADS" "$srcs" "$SEED" || it_fail "churn had errors (seed=$SEED)"
read -r c1 f1 t1 m1 <<<"$(gauges)"
echo "after the churn: conns=$c1 flows=$f1 timers=$t1 mbufs=$m1 TIME_WAIT reused=$(sum tcp_time_wait_recycled)"
it_eq "$f1" "$c1" "flow-table entries against connections held (TIME_WAIT included)"
it_eq "$(( $(sum tcp_rst_sent) - rst0 ))" 0 "RSTs sent during an orderly churn"
echo "waiting 62 s for TIME_WAIT to run out"
sleep 62
read -r c2 f2 t2 m2 <<<"$(gauges)"
echo "after TIME_WAIT: conns=$c2 flows=$f2 timers=$t2 mbufs=$m2"
it_eq "$c2" "$c0" "connections back to baseline"
it_eq "$f2" "$f0" "flow-table entries back to baseline"
it_eq "$t2" "$t0" "timer-wheel entries back to baseline"
[ "$m2" -le $((m0 + 64)) ] || it_fail "mbufs in use $m2, baseline $m0"
echo "seed=$SEED: $CYCLES cycles, zero errors, back to baseline"
