#!/usr/bin/env bash
# platform/codec's RDB writer and reader against stock Redis 7.0.15: stock
# redis-check-rdb accepts what the library writes and redis-server loads it
# to the DEBUG DIGEST of the same data set (IDLE/FREQ take effect); the
# reader gets every key, value and expiry of a stock dump.rdb right and
# notices bit flips in it. Stock servers listen on unix sockets only.
IT_NAME=rwtrdbf IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
WD=$(mktemp -d /tmp/rw-rdbfile.XXXXXX)
trap 'rm -rf "$WD"' EXIT
tool="$(it_build)/tests/tools/rdb_tool"
[ -x "$tool" ] || it_fail "$tool not built"
"$IT_PY" "$IT_ROOT/tests/integration/rdb_check.py" "$tool" "$WD"
