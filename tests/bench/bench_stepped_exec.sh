#!/usr/bin/env bash
# EXECs across workers, one client, one transaction at a time (latency
# bound): a planned EXEC (MSET over both workers' keys and DBSIZE), a
# gather EXEC (RENAME across workers and GET), and a stepped EXEC (the same
# RENAME beside DBSIZE: a segment, a gather, a segment; TRANSACTIONS.md,
# "Stepped EXEC"), on Redwire with two workers and on stock redis-server in
# the instance's namespace. Prints transactions/s and the ratio to stock.
# Not part of the pass/fail suite.
#   N=2000 tests/bench/bench_stepped_exec.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-2000}
NAME=rwbse${RW_IT_SUFFIX:-}
srv_pid=""
conf=$(mktemp /tmp/redwire-bench-se.XXXXXX.conf)
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	"$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
	rm -f "$conf"
}
trap cleanup EXIT
cat "$ROOT/platform/config/redwire.conf" >"$conf"
printf 'redwire-idle-backoff %s\n' "${IDLE_BACKOFF:-no}" >>"$conf"
"$ROOT/redwire" up --name "$NAME" --workers 2 --config "$conf" >/dev/null
IP=$(sed 's/^--.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")
PORT=$(cat "/run/redwire/$NAME/port")
ip netns exec "$NAME" redis-server --port 7398 --bind 127.0.0.1 --save '' --appendonly no \
	--daemonize no >/dev/null 2>&1 &
srv_pid=$!
sleep 0.5
ip netns exec "$NAME" /usr/bin/python3 - "$IP" "$PORT" 127.0.0.1 7398 "$N" <<'PY'
import sys
import time

import redis

W0, W1 = "{it:xs0}", "{it:xs2}"  # keys of worker 0 and worker 1 (two workers)
KINDS = {
    "planned": [("MSET", W0 + "a", "1", W1 + "b", "2"), ("DBSIZE",)],
    "gather": [("RENAME", W0 + "a", W1 + "b"), ("RENAME", W1 + "b", W0 + "a"), ("GET", W0 + "a")],
    "stepped": [("RENAME", W0 + "a", W1 + "b"), ("DBSIZE",), ("RENAME", W1 + "b", W0 + "a")],
}


def rate(host, port, cmds, n):
    r = redis.Redis(host=host, port=int(port), db=9)
    r.flushdb()
    r.set(W0 + "a", "v")
    t0 = time.perf_counter()
    for _ in range(n):
        p = r.pipeline(transaction=True)
        for c in cmds:
            p.execute_command(*c)
        p.execute()
    dt = time.perf_counter() - t0
    r.flushdb()
    return n / dt


rw, st, n = (sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4]), int(sys.argv[5])
print("%-8s %12s %12s %8s" % ("exec", "redwire/s", "stock/s", "ratio"))
for kind, cmds in KINDS.items():
    a, b = rate(*rw, cmds, n), rate(*st, cmds, n)
    print("%-8s %12.0f %12.0f %8.2f" % (kind, a, b, a / b))
PY
