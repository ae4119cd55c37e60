#!/usr/bin/env bash
# Blocking pops (issue #5 items 1, 4, 7): the same timed script of several
# connections (block_check.py: errors, immediate serves, timeouts, fairness,
# wake-ups by pushes, BLMOVE chains, MULTI, pipelining behind a blocked
# command, disconnect while blocked, INFO blocked_clients) runs against
# Redwire with two workers and against stock redis-server; the transcripts
# (RESP2 and RESP3) and DEBUG DIGEST must be equal byte for byte. Blocked
# requests crossed workers: the forwarding counters moved.
IT_NAME=rwtblk
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
fwd() { it_ctl stats --json | "$IT_PY" "$IT_ROOT/tests/integration/stats.py" "$1" | awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; print s}'; }
f0=$(fwd fwd_received)
out=$(mktemp -d)
trap 'rc=$?; set +e; rm -rf "$out"; (exit $rc); it_cleanup' EXIT
cd "$IT_ROOT/tests/integration"
it_ns "$IT_PY" block_check.py "$IT_IP:$IT_PORT" >"$out/rw.txt" || it_fail "script against Redwire"
it_ns "$IT_PY" block_check.py "127.0.0.1:$IT_ORACLE_PORT" >"$out/redis.txt" || it_fail "script against redis-server"
if ! diff "$out/redis.txt" "$out/rw.txt" >"$out/diff"; then
	head -40 "$out/diff"
	it_fail "transcripts differ (< redis-server, > Redwire)"
fi
it_log "$(wc -l <"$out/rw.txt") replies equal (RESP2, RESP3, DEBUG DIGEST)"
f1=$(fwd fwd_received)
[ "$f1" -gt "$f0" ] || it_fail "no request crossed workers ($f0 -> $f1)"
it_eq "$(it_cli info clients | tr -d '\r' | grep blocked_clients)" "blocked_clients:0" "no waiter left"
it_log "ok (fwd_received $f0 -> $f1)"
