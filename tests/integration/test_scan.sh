#!/usr/bin/env bash
# SCAN across two workers (issue #4): full walks return every key whatever
# COUNT, MATCH and TYPE give the same key sets as stock redis-server, a walk
# under writes keeps Redis's guarantee, redis-cli --scan lists what KEYS
# lists and, with and without --pattern, the keys stock's lists for the
# same data, and SCAN's requests crossed workers (forwarding counters moved).
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
# redis-cli --scan (and --pattern) lists the same keys as against stock: the
# same keys in DB 5 of each (keys of both workers)
for hp in "$IT_IP $IT_PORT" "127.0.0.1 $IT_ORACLE_PORT"; do
	read -r h p <<<"$hp"
	it_ns redis-cli -h "$h" -p "$p" -n 5 flushdb >/dev/null
	it_ns sh -c "for i in \$(seq 1 300); do printf 'SET sc:%s x\r\nSADD {t%s}oth:%s y\r\n' \$i \$i \$i; done |
		redis-cli -h $h -p $p -n 5 --pipe" >/dev/null
done
for pat in "" "sc:1*" "*oth:2?" "nomatch*"; do
	set -- ${pat:+--pattern "$pat"}
	a=$(it_ns redis-cli -h "$IT_IP" -p "$IT_PORT" -n 5 --scan "$@" | sort)
	b=$(it_ns redis-cli -h 127.0.0.1 -p "$IT_ORACLE_PORT" -n 5 --scan "$@" | sort)
	[ "$a" = "$b" ] || it_fail "redis-cli --scan ${pat:+--pattern $pat }differs from stock's: $(diff <(echo "$a") <(echo "$b") | head -5)"
	[ -n "$a" ] || [ "$pat" = "nomatch*" ] || it_fail "redis-cli --scan ${pat:+--pattern $pat }listed nothing"
done
it_cli -n 5 flushdb >/dev/null
it_log "ok"
