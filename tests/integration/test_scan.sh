#!/usr/bin/env bash
# SCAN across two workers (issue #4): full walks return every key whatever
# COUNT, MATCH and TYPE give the same key sets as stock redis-server, a walk
# under writes keeps Redis's guarantee, redis-cli --scan lists what KEYS
# lists, and SCAN's requests crossed workers (forwarding counters moved).
IT_NAME=rwtscan
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
fwd0=$(it_ctl stats --json | "$IT_PY" "$IT_ROOT/tests/integration/stats.py" fwd_sent | awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; print s}')
it_ns "$IT_PY" "$IT_ROOT/tests/integration/scan_check.py" "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" ||
	it_fail "SCAN walk"
fwd1=$(it_ctl stats --json | "$IT_PY" "$IT_ROOT/tests/integration/stats.py" fwd_sent | awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; print s}')
[ "$fwd1" -gt "$fwd0" ] || it_fail "no SCAN was forwarded to the other worker ($fwd0 -> $fwd1)"
it_ns sh -c "for i in \$(seq 1 500); do printf 'SET cli:%s x\r\n' \$i; done | redis-cli -h $IT_IP -p $IT_PORT --pipe" >/dev/null
a=$(it_cli --scan --pattern 'cli:*' | sort | md5sum)
b=$(it_cli keys 'cli:*' | sort | md5sum)
it_eq "$a" "$b" "redis-cli --scan lists what KEYS lists"
it_eq "$(it_cli --scan --pattern 'cli:*' | wc -l)" 500 "redis-cli --scan count"
it_log "ok"
