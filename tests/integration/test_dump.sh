#!/usr/bin/env bash
# DUMP/RESTORE interoperate with stock redis-server 7.0.15 both ways (GET,
# OBJECT ENCODING, PTTL, IDLETIME after a hop; identical DUMP bytes) and
# answer oracle_cases_dump.py byte for byte (ASan build, two workers).
IT_NAME=rwtdump IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_ns "$IT_PY" "$IT_ROOT/tests/integration/dump_check.py" "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT"
