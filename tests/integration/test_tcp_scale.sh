#!/usr/bin/env bash
# it: serial
# 10,000 connections held at once (scale_check.py), from four client
# addresses in the instance's namespace, with maxclients 12000 (each
# worker's pool is maxclients / workers + 64: 6064, room for an uneven RSS
# split of 10,000 over two tap queues). While all are held the dataplane
# must count them (connections, flow-table and timer-wheel entries); then a
# SET and GET on every one is verified; after they close, the connection
# count, flow table, timer wheel and mbuf pools return to their baseline.
#   SCALE_CONNS=N to change the count
IT_NAME=rwtscale
source "$(dirname "$0")/lib.sh"
N=${SCALE_CONNS:-10000}
conf=$(mktemp /tmp/rwtscale.XXXXXX.conf)
sed 's/^maxclients .*/maxclients 12000/' "$IT_ROOT/platform/config/redwire.conf" >"$conf"
it_up --workers 2 --config "$conf"
trap 'rc=$?; set +e; rm -f "$conf"; (exit $rc); it_cleanup' EXIT
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
gauges() { echo "conns=$(sum tcp_conns_current) flows=$(sum tcp_flow_entries) timers=$(sum tcp_timer_entries) mbufs=$(sum mbufs_in_use)"; }
net=${IT_IP%.*}
srcs=""
for h in 11 12 13 14; do it_ns ip addr add "$net.$h/24" dev rw0; srcs+="${srcs:+,}$net.$h"; done
sleep 0.2
base=$(gauges)
it_log "baseline: $base"
ctl="$(it_build)/control/cli/redwirectl --name $IT_NAME stats --json"
check="sleep 0.1; for c in tcp_conns_current tcp_flow_entries tcp_timer_entries; do
	v=\$($ctl | $IT_PY $S \$c | awk '{s=0; for(i=1;i<=NF;i++) s+=\$i; print s}')
	echo \"[$IT_NAME] while held: \$c=\$v\"; [ \"\$v\" -ge $N ] || exit 1; done"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/scale_check.py" "$IT_IP" "$IT_PORT" --conns "$N" \
	--sources "$srcs" --check "$check" || it_fail "holding $N connections"
read -r b_conns b_flows b_timers b_mbufs <<<"$(echo "$base" | tr -d 'a-z_=' )"
now=""
for _ in $(seq 100); do
	now=$(gauges)
	read -r conns flows timers mbufs <<<"$(echo "$now" | tr -d 'a-z_=')"
	[ "$conns" = "$b_conns" ] && [ "$flows" = "$b_flows" ] && [ "$timers" = "$b_timers" ] &&
		[ "$mbufs" -le $((b_mbufs + 64)) ] && break
	sleep 0.1
done
it_log "after closing: $now"
it_eq "$conns" "$b_conns" "connections open after all closed"
it_eq "$flows" "$b_flows" "flow-table entries after all closed"
it_eq "$timers" "$b_timers" "timer-wheel entries after all closed"
[ "$mbufs" -le $((b_mbufs + 64)) ] || it_fail "mbufs in use: $mbufs, baseline $b_mbufs"
it_eq "$(sum tcp_rst_sent)" 0 "RSTs sent"
[ "$(it_cli ping)" = PONG ] || it_fail "no PING afterwards"
it_log "ok"
