#!/usr/bin/env bash
# Connection churn against a small pool: 4000 connect/SET/GET/QUIT cycles
# (the last 3000 from three client addresses, seeded values; CHURN_SEED=N)
# where the server closes first (so every TIME_WAIT is Redwire's) over a
# pool of about 300 connections, far fewer than 4000 TIME_WAITs of 60 s.
# Zero errors: the oldest TIME_WAIT gives way when the pool runs out; the
# connection count and memory return to where they were.
IT_NAME=rwtchurn
source "$(dirname "$0")/lib.sh"
conf=$(mktemp /tmp/rwtchurn.XXXXXX.conf)
sed 's/^maxclients .*//' "$IT_ROOT/platform/config/redwire.conf" >"$conf"
echo "maxclients 200" >>"$conf"
it_up --workers 2 --config "$conf"
trap 'rc=$?; set +e; rm -f "$conf"; (exit $rc); it_cleanup' EXIT
S=$IT_ROOT/tests/integration/stats.py
H=$IT_ROOT/tests/integration/tcp_hard.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$(cat "/run/redwire/$IT_NAME/dataplane.pid")/status"; }
it_ns "$IT_PY" "$H" churn "$IT_IP" "$IT_PORT" 1000 8 || it_fail "churn (warm-up) had errors"
rss1=$(rss) cur1=$(sum tcp_conns_current) rst1=$(sum tcp_rst_sent)
read -r o0 o1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" tcp_conns_opened)"
net=${IT_IP%.*} srcs=""
for h in 11 12 13; do it_ns ip addr add "$net.$h/24" dev rw0; srcs+="${srcs:+,}$net.$h"; done
m1=$(sum mbufs_in_use)
it_ns "$IT_PY" "$H" churn "$IT_IP" "$IT_PORT" 3000 8 "$srcs" "${CHURN_SEED:-$RANDOM}" || it_fail "churn had errors"
rss2=$(rss) cur2=$(sum tcp_conns_current) recycled=$(sum tcp_time_wait_recycled)
rst=$(( $(sum tcp_rst_sent) - rst1 ))
read -r O0 O1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" tcp_conns_opened)"
it_log "accepted per worker (2 tap queues): $((O0 - o0)) $((O1 - o1)); RSTs sent: $rst; handoffs: $(sum tcp_handoff_sent)"
it_log "connections open (incl. TIME_WAIT): $cur1 after warm-up, $cur2 after; TIME_WAIT reused: $recycled"
it_log "dataplane RSS: $rss1 kB after warm-up, $rss2 kB after 3000 more cycles"
[ "$recycled" -gt 0 ] || it_fail "the pool never ran out: the test did not reach the limit"
[ "$cur2" -le 456 ] || it_fail "$cur2 connections held: more than the pool"
[ $(( rss2 - rss1 )) -lt 16384 ] || it_fail "memory grew by $(( rss2 - rss1 )) kB over the churn"
# What is held now is TIME_WAIT: each in the flow table and on the timer
# wheel once, nothing more; the mbufs are back where they were.
flows=$(sum tcp_flow_entries) timers=$(sum tcp_timer_entries) m2=$(sum mbufs_in_use)
it_log "flow-table entries $flows, timer-wheel entries $timers, mbufs in use $m1 before, $m2 after"
it_eq "$flows" "$cur2" "flow-table entries against connections held"
it_eq "$timers" "$cur2" "timer-wheel entries against connections held"
[ "$m2" -le $((m1 + 64)) ] || it_fail "mbufs in use grew from $m1 to $m2"
[ $((O0 - o0)) -gt 0 ] && [ $((O1 - o1)) -gt 0 ] || it_fail "connections did not reach both workers"
it_eq "$rst" 0 "RSTs sent during an orderly churn (a wrong-core segment would get one)"
[ "$(it_cli ping)" = PONG ] || it_fail "no PING after the churn"
it_log "ok"
