#!/usr/bin/env bash
# it: serial
# redis-benchmark -c 50 -n 200000 -t set,get: zero errors, every request
# answered (the dataplane's command counters account for all of them), and
# a verified load afterwards reads back exactly what was written.
IT_NAME=rwtbench
source "$(dirname "$0")/lib.sh"
it_up --workers 2
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
before=$(sum commands)
out=$(it_ns timeout 300 redis-benchmark -h "$IT_IP" -p "$IT_PORT" -c 50 -n 200000 -t set,get 2>&1)
printf '%s\n' "$out" | grep -E 'requests per second|completed' || true
! printf '%s\n' "$out" | grep -qiE 'error|reset|timeout' || it_fail "redis-benchmark reported errors"
printf '%s\n' "$out" | grep -q '100.00% <=\|200000 requests completed' || it_fail "benchmark did not complete"
after=$(sum commands)
it_log "commands executed during the benchmark: $((after - before))"
[ $((after - before)) -ge 400000 ] || it_fail "only $((after - before)) of 400000 commands executed"
# redis-benchmark 7.0 writes a random 3-byte payload (-d 3) to key:__rand_int__
v=$(it_cli get key:__rand_int__)
[ ${#v} = 3 ] || it_fail "value written by redis-benchmark: got '$v', expected 3 bytes"
[ "$(sum protocol_errors)" = 0 ] || it_fail "protocol errors counted"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/load_check.py" "$IT_IP" "$IT_PORT" --conns 8 --keys 500 --pipeline 16
it_log "ok"
