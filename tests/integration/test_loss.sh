#!/usr/bin/env bash
# The benchmark again with 1% of TCP packets dropped both ways by nftables
# (numgen random) on the kernel side: every request must still complete
# and every verified reply be right, and the dataplane's own retransmission
# counter must have moved (so the loss really exercised its TCP).
IT_NAME=rwtloss
source "$(dirname "$0")/lib.sh"
it_up --workers 2
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
it_ns nft -f - <<NFT
table inet rwloss {
	chain out { type filter hook output priority 0; tcp dport $IT_PORT numgen random mod 100 < 1 counter drop; }
	chain in { type filter hook input priority 0; tcp sport $IT_PORT numgen random mod 100 < 1 counter drop; }
}
NFT
rtx_before=$(sum tcp_retransmits)
out=$(it_ns timeout 600 redis-benchmark -h "$IT_IP" -p "$IT_PORT" -c 50 -n 200000 -t set,get 2>&1)
printf '%s\n' "$out" | grep -E 'requests per second' || true
! printf '%s\n' "$out" | grep -qiE 'error|reset' || it_fail "redis-benchmark reported errors under loss"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/load_check.py" "$IT_IP" "$IT_PORT" --conns 8 --keys 300 --pipeline 16
drops=$(it_ns nft list table inet rwloss | awk '/counter/ {for(i=1;i<=NF;i++) if($i=="packets") s+=$(i+1)} END {print s+0}')
rtx=$(( $(sum tcp_retransmits) - rtx_before ))
it_log "kernel-side drops: $drops, dataplane retransmissions: $rtx"
[ "$drops" -gt 100 ] || it_fail "nftables dropped only $drops packets"
[ "$rtx" -gt 0 ] || it_fail "the dataplane never retransmitted"
it_ns nft delete table inet rwloss
it_log "ok"
