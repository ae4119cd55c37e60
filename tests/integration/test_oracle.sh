#!/usr/bin/env bash
# Redwire's replies equal stock redis-server 7.0.15's, byte for byte, for
# the skeleton's commands, inline commands, pipelines, split input and
# protocol errors (ASan build).
IT_NAME=rwtoracle IT_SAN=1
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_ns "$IT_PY" "$IT_ROOT/tests/integration/oracle_compare.py" "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/memory_stats_check.py" "$IT_IP" "$IT_PORT" 127.0.0.1 "$IT_ORACLE_PORT"
