#!/usr/bin/env bash
# Pub/sub commands inside MULTI/EXEC (issue #5): pubsub_multi_check.py runs
# the same script of several connections against Redwire with two workers
# and against stock redis-server 7.0.15 (EXECs of pub/sub commands alone,
# and with keys of both workers, a WATCH that fails, RESP2 subscribed mode
# after EXEC; the subscribers' streams); every connection's bytes (RESP2
# and RESP3) and DEBUG DIGEST must be equal.
IT_NAME=rwtpsm
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
S=$IT_ROOT/tests/integration/stats.py
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
out=$(mktemp -d)
trap 'rc=$?; set +e; rm -rf "$out"; (exit $rc); it_cleanup' EXIT
cd "$IT_ROOT/tests/integration"
it_ns "$IT_PY" pubsub_multi_check.py "$IT_IP:$IT_PORT" >"$out/rw.txt" || it_fail "script against Redwire"
it_ns "$IT_PY" pubsub_multi_check.py "127.0.0.1:$IT_ORACLE_PORT" >"$out/redis.txt" || it_fail "script against redis-server"
if ! diff "$out/redis.txt" "$out/rw.txt" >"$out/diff"; then
	head -40 "$out/diff"
	it_fail "transcripts differ (< redis-server, > Redwire)"
fi
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
[ $((R0 - r0 + R1 - r1)) -gt 0 ] || it_fail "no transaction crossed workers"
! grep -E 'AddressSanitizer|runtime error' "/run/redwire/$IT_NAME/dataplane.log" || it_fail "sanitizer report"
it_log "ok: $(wc -l <"$out/rw.txt") streams equal (RESP2, RESP3, DEBUG DIGEST); fwd_received $r0 $r1 -> $R0 $R1"
