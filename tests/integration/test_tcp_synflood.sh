#!/usr/bin/env bash
# it: serial
# A bounded SYN flood (scapy, spoofed sources drawn from the instance's own
# /24 in 198.18.0.0/15) fills both workers' half-open queues; SYN cookies
# must take over (RFC 4987) and a normal client connecting meanwhile must
# keep working through them, while the dataplane's memory stays bounded.
IT_NAME=rwtsyn
source "$(dirname "$0")/lib.sh"
it_up --workers 2
S=$IT_ROOT/tests/integration/stats.py
H=$IT_ROOT/tests/integration/tcp_hard.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$(cat "/run/redwire/$IT_NAME/dataplane.pid")/status"; }
sent0=$(sum tcp_syncookies_sent) ok0=$(sum tcp_syncookies_validated) rss0=$(rss)
# scapy takes seconds to start on a loaded machine: the normal client
# begins once the flood's SYNs go out, or it could run before any of them
MARK=$(mktemp -u /tmp/rwtsyn-mark.XXXXXX)
RW_FLOOD_MARK=$MARK it_ns "$IT_PY" "$H" flood "$IT_IP" "$IT_PORT" 4000 "${IT_IP%.*}" &
flood=$!
for _ in $(seq 600); do [ -e "$MARK" ] && break; sleep 0.1; done
[ -e "$MARK" ] || it_fail "the flood did not start in 60 s"
rm -f "$MARK"
out=$(it_ns "$IT_PY" "$H" legit "$IT_IP" "$IT_PORT" 12)
wait $flood || it_fail "the flood did not run"
printf '%s\n' "$out" | tail -3
read -r ok failed <<<"$(printf '%s\n' "$out" | sed -n 's/^legit ok=\([0-9]*\) failed=\([0-9]*\)$/\1 \2/p')"
sent=$(( $(sum tcp_syncookies_sent) - sent0 )) valid=$(( $(sum tcp_syncookies_validated) - ok0 ))
it_log "legit cycles ok=$ok failed=$failed; cookies sent=$sent validated=$valid; connections open now: $(sum tcp_conns_current)"
it_log "dataplane RSS: ${rss0} kB before, $(rss) kB after"
[ "${ok:-0}" -ge 100 ] || it_fail "the normal client got only ${ok:-0} cycles through"
[ "$failed" = 0 ] || it_fail "$failed of the normal client's cycles failed"
[ "$sent" -gt 1000 ] || it_fail "SYN cookies did not take over ($sent sent)"
[ "$valid" -gt 0 ] || it_fail "no connection was opened from a cookie"
[ $(( $(rss) - rss0 )) -lt 65536 ] || it_fail "dataplane memory grew by more than 64 MB"
[ "$(it_cli ping)" = PONG ] || it_fail "no PING after the flood"
it_log "ok"
