#!/usr/bin/env bash
# The segment scripts marked `// linux: yes` (tests/tcp/scripts) played with
# scapy against a listening Linux socket (tests/tcp/pkt_linux.py): the same
# expectations Redwire's stack meets in the unit runner hold for the
# kernel's TCP, so they are the RFCs' and not Redwire's own output. Each
# script gets fresh namespaces on a /24 reserved like an instance's. Three
# scripts with one expectation made wrong must fail (the runner can fail).
IT_NAME=rwtpkt
source "$(dirname "$0")/lib.sh"
it_net_reserve
S=$IT_ROOT/tests/tcp/scripts
R=$IT_ROOT/tests/tcp/pkt_linux.py
n=$(grep -l '^// linux: yes' "$S"/*.pkt | wc -l)
[ "$n" -ge 20 ] || it_fail "only $n scripts are marked to run against Linux"
it_log "$n scripts on $IT_NET.0/24"
timeout 300 "$IT_PY" "$R" --net "$IT_NET" --name "$IT_NAME" --marked "$S"/*.pkt ||
	it_fail "a script failed against Linux"
bad=$(mktemp -d /tmp/rwtpkt.XXXXXX)
trap 'rm -rf "$bad" "/run/redwire/$IT_NAME"' EXIT
sed 's/ack 11 <nop,nop,TS val ... ecr 120>/ack 12 <nop,nop,TS val ... ecr 120>/' \
	"$S/handshake_all_options.pkt" >"$bad/wrong_ack.pkt"
sed 's/^+0   state(CLOSE_WAIT)/+0   state(ESTABLISHED)/' "$S/close_passive.pkt" >"$bad/wrong_state.pkt"
sed 's/^+0   > P. 1001:2001(1000) ack 1$/+0   > P. 2001:3001(1000) ack 1/' \
	"$S/fast_retransmit.pkt" | awk '/stat\(/ {next} {print}' >"$bad/wrong_rexmit.pkt"
for f in "$bad"/*.pkt; do
	cmp -s "$f" "$S/$(basename "$f")" && it_fail "$(basename "$f"): the mutation did not apply"
	out=$("$IT_PY" "$R" --net "$IT_NET" --name "$IT_NAME" "$f" 2>&1) &&
		it_fail "$(basename "$f") passed against Linux though it is wrong: $out"
	printf '%s\n' "$out" | grep '^FAIL' || it_fail "$(basename "$f"): $out"
done
it_log "ok"
