#!/usr/bin/env bash
# Pub/sub and keyspace notifications across workers (issue #5 item 6, the
# pub/sub part of item 7), against stock redis-server 7.0.15 started here:
#   pubsub_check.py  scenarios with subscribers and publishers on both
#                    workers (placed by CLIENT ID), RESP2 and RESP3, byte for
#                    byte; keyspace notifications of every type compared as
#                    message streams;
#   pubsub_load.py   order: 2 publishers x many messages, 4 subscribers on
#                    both workers, each publisher's order kept; slow: a
#                    subscriber that never reads is disconnected by the
#                    pubsub output-buffer limit (with a log line) while the
#                    others keep their messages and latency.
IT_NAME=rwtps IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
D=$IT_ROOT/tests/integration
ORA=127.0.0.1:$IT_ORACLE_PORT
it_ns "$IT_PY" "$D/pubsub_check.py" "$IT_IP:$IT_PORT" "$ORA" 2 || it_fail "pub/sub differs from redis-server"
it_ns "$IT_PY" "$D/pubsub_load.py" order "$IT_IP:$IT_PORT" "$ORA" 2 "${PS_MESSAGES:-5000}" ||
	it_fail "publish order"
it_ns "$IT_PY" "$D/pubsub_load.py" slow "$IT_IP:$IT_PORT" "$ORA" 2 || it_fail "slow subscriber"
grep -q 'topic=dp.pubsub msg="worker=0 client=[0-9]* closed: over the pubsub output buffer limit' \
	"/run/redwire/$IT_NAME/dataplane.log" || it_fail "no log line for the disconnected subscriber"
! grep -E 'AddressSanitizer|runtime error' "/run/redwire/$IT_NAME/dataplane.log" || it_fail "sanitizer report"
it_log "ok"
