#!/usr/bin/env bash
# TX offloads against a NIC that takes the metadata at its word: the
# dataplane runs with redwire-port-offload strict (drivers/eth/eth_strict.h:
# IPv4/TCP checksum offload and TSO advertised, every frame's l2/l3/l4
# lengths, flags, pre-filled pseudo-header sums and TSO segment size
# checked, the offloaded work then done in software before net_tap). Verified
# loads and multi-megabyte values (TSO frames) must come through with zero
# violations; a violating frame would be dropped and counted, so the load
# would stall and the counter move.
IT_NAME=rwtoff
source "$(dirname "$0")/lib.sh"
conf=$(mktemp /tmp/rwtoff.XXXXXX.conf)
trap 'rc=$?; set +e; rm -f "$conf"; (exit $rc); it_cleanup' EXIT
sed 's/^redwire-port-offload .*/redwire-port-offload strict/' "$IT_ROOT/platform/config/redwire.conf" >"$conf"
it_up --workers 2 --config "$conf"
trap 'rc=$?; set +e; rm -f "$conf"; (exit $rc); it_cleanup' EXIT
grep -q 'tx offloads: ipv4_cksum=yes tcp_cksum=yes tso=yes (strict NIC model)' \
	"/run/redwire/$IT_NAME/dataplane.log" || it_fail "the strict port is not in front"
S=$IT_ROOT/tests/integration/stats.py
sum() { it_ctl stats --json | "$IT_PY" "$S" "$1" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; print s}'; }
it_ns "$IT_PY" "$IT_ROOT/tests/integration/load_check.py" "$IT_IP" "$IT_PORT" --conns 8 --keys 200 --pipeline 8
it_ns "$IT_PY" - "$IT_IP" "$IT_PORT" <<'PY'
import os, sys, redis
r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), socket_timeout=30)
for size in (1, 1447, 1448, 1449, 23168, 100000, 4 << 20):
    v = os.urandom(size)
    r.set("big:%d" % size, v)
    got = r.get("big:%d" % size)
    if got != v:
        sys.exit("value of %d bytes came back wrong (%d bytes)" % (size, len(got or b"")))
print("big values ok")
PY
v=$(sum tx_offload_violations)
it_log "strict-port violations: $v; segments retransmitted: $(sum tcp_retransmits)"
it_eq "$v" 0 "frames the strict NIC refused"
it_log "ok"
