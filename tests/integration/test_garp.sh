#!/usr/bin/env bash
# Gratuitous ARP on demand (address takeover): the kernel side holds a wrong
# MAC for the dataplane's address; SIGUSR1 makes the dataplane announce
# itself (RFC 5227 ARP announcement) and the kernel's entry must take the
# dataplane's MAC again, with the counter moved by exactly one.
IT_NAME=rwtgarp
source "$(dirname "$0")/lib.sh"
it_up --workers 2
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
mac_of() { ip -n "$IT_NAME" neigh show "$IT_IP" dev rw0 | awk '{for(i=1;i<=NF;i++) if($i=="lladdr") print $(i+1)}'; }
[ "$(it_cli ping)" = PONG ] || it_fail "no PING"
good=$(mac_of)
[ -n "$good" ] || it_fail "the kernel has no neighbour entry for $IT_IP"
g0=$(sum arp_gratuitous_sent)
[ "$g0" -ge 1 ] || it_fail "no gratuitous ARP at start"
ip -n "$IT_NAME" neigh replace "$IT_IP" lladdr 02:00:00:00:0b:ad dev rw0 nud stale
it_eq "$(mac_of)" 02:00:00:00:0b:ad "the planted neighbour entry"
kill -USR1 "$(cat "/run/redwire/$IT_NAME/dataplane.pid")"
for _ in $(seq 50); do [ "$(mac_of)" = "$good" ] && break; sleep 0.1; done
it_eq "$(mac_of)" "$good" "the kernel's neighbour entry after the announcement"
it_eq "$(sum arp_gratuitous_sent)" $((g0 + 1)) "gratuitous ARPs sent"
[ "$(it_cli ping)" = PONG ] || it_fail "no PING after the announcement"
it_log "ok ($good announced)"
