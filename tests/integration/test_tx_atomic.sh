#!/usr/bin/env bash
# Transactions across workers are atomic under concurrency (issue #4 item 6):
# MSET/MGET pairs never torn, MULTI/EXEC transfers keep their sum, MSETNX has
# one winner, WATCH increments are never lost (tx_atomic_check.py). Every one
# of those spans both workers, so the counters must show messages crossing in
# both directions. CLIENT LIST/INFO show the MULTI state as redis-server does.
# Then, with appendonly, a cross-worker transaction reaches
# the AOF as one MULTI ... EXEC that stock redis-check-aof accepts.
IT_NAME=rwttx IT_SAN=1
source "$(dirname "$0")/lib.sh"
it_up --workers 2
S=$IT_ROOT/tests/integration/stats.py
read -r s0 s1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
read -r r0 r1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_ns "$IT_PY" "$IT_ROOT/tests/integration/tx_atomic_check.py" "$IT_IP" "$IT_PORT" "${TX_ROUNDS:-400}" ||
	it_fail "atomicity check"
read -r S0 S1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_sent)"
read -r R0 R1 <<<"$(it_ctl stats --json | "$IT_PY" "$S" fwd_received)"
it_log "forwarded sent per worker: $((S0 - s0)) $((S1 - s1)); received: $((R0 - r0)) $((R1 - r1))"
[ $((S0 - s0)) -gt 0 ] && [ $((S1 - s1)) -gt 0 ] || it_fail "a worker coordinated nothing across workers"
[ $((R0 - r0)) -gt 0 ] && [ $((R1 - r1)) -gt 0 ] || it_fail "a worker ran nothing for the other"
[ $((S0 - s0)) = $((R1 - r1)) ] || it_fail "worker 0 sent $((S0 - s0)) but worker 1 received $((R1 - r1))"
[ $((S1 - s1)) = $((R0 - r0)) ] || it_fail "worker 1 sent $((S1 - s1)) but worker 0 received $((R0 - r0))"

# CLIENT LIST/INFO inside and outside EXEC, against stock redis-server.
it_oracle_start
it_ns "$IT_PY" "$IT_ROOT/tests/integration/tx_client_list_check.py" "$IT_IP:$IT_PORT" \
	"127.0.0.1:$IT_ORACLE_PORT" || it_fail "CLIENT LIST in MULTI differs from redis-server"
kill "$IT_ORACLE_PID" && wait "$IT_ORACLE_PID" 2>/dev/null || true
IT_ORACLE_PID=""

# The journal: one record per cross-worker transaction, MULTI ... EXEC.
"$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
DATA=/var/lib/redwire/$IT_NAME
rm -rf "$DATA/appendonlydir" # a previous run's AOF would be continued
CONF=$(mktemp /tmp/rwttx.XXXXXX.conf)
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync always\n' >>"$CONF"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; rm -f "$CONF"; (exit $rc); it_cleanup' EXIT
it_eq "$(it_cli mset '{tA}j' 1 '{tB}j' 2)" OK "mset across workers with appendonly"
it_eq "$(printf 'MULTI\r\nINCR {tA}j\r\nSELECT 3\r\nSET {tB}j x\r\nEXEC\r\n' | it_cli | tr '\n' ' ')" \
	"OK QUEUED QUEUED QUEUED 2 OK OK " "exec across workers with appendonly"
it_eq "$(it_cli msetnx '{tA}k' 1 '{tB}k' 2)" 1 "msetnx across workers with appendonly"
it_eq "$(it_cli rename '{tA}k' '{tB}r')" OK "rename across workers with appendonly"
# a FLUSHDB between writes of both workers: every shard's effects in order
it_eq "$(printf 'SELECT 5\r\nMULTI\r\nSET {tB}o 1\r\nSET {tA}o 1\r\nFLUSHDB\r\nSET {tA}o 2\r\nRENAME {tA}o {tB}o\r\nEXEC\r\n' | it_cli | tr '\n' ' ')" \
	"OK OK QUEUED QUEUED QUEUED QUEUED QUEUED OK OK OK OK OK " "stepped exec with appendonly"
sleep 0.5
INCR=$(ls "$DATA"/appendonlydir/*.incr.aof | head -1)
[ -n "$INCR" ] || it_fail "no incr AOF file"
"$IT_PY" - "$INCR" <<'EOF' || it_fail "the AOF does not hold the transactions whole"
import sys
data = open(sys.argv[1], "rb").read()
# commands in file order, annotations (#...) skipped
cmds, i = [], 0
while i < len(data):
    if data[i:i + 1] == b"#":
        i = data.index(b"\n", i) + 1
        continue
    assert data[i:i + 1] == b"*", data[i:i + 40]
    eol = data.index(b"\r\n", i)
    n = int(data[i + 1:eol]); i = eol + 2
    args = []
    for _ in range(n):
        eol = data.index(b"\r\n", i)
        ln = int(data[i + 1:eol]); i = eol + 2
        args.append(data[i:i + ln].decode()); i += ln + 2
    cmds.append(args)
txs, cur = [], None
for c in cmds:
    if c[0].upper() == "MULTI":
        assert cur is None, "nested MULTI"
        cur = []
    elif c[0].upper() == "EXEC":
        txs.append(cur); cur = None
    elif cur is not None:
        cur.append(c)
assert cur is None, "MULTI without EXEC"
# the stepped EXEC: both SETs before every FLUSHDB, the write after them
flush = [t for t in txs if any(c[0].upper() == "FLUSHDB" for c in t)]
assert len(flush) == 1, flush
seq = [c[0].upper() for c in flush[0] if c[0].upper() != "SELECT"]
fl = [i for i, c in enumerate(seq) if c == "FLUSHDB"]
assert seq[:2] == ["SET", "SET"] and fl == list(range(2, 2 + len(fl))) and \
    len(seq) > fl[-1] + 1, "FLUSHDB out of order in %r" % flush[0]
txs.remove(flush[0])
want = [
    [["MSET", "{tA}j", "1"], ["MSET", "{tB}j", "2"]],
    [["INCR", "{tA}j"], ["SELECT", "3"], ["SET", "{tB}j", "x"], ["SELECT", "0"]],
    [["MSETNX", "{tA}k", "1"], ["MSETNX", "{tB}k", "2"]],
    [["SET", "{tB}r", "1"], ["DEL", "{tA}k"]],
]
def norm(tx):  # parts of different workers may come in either order
    return sorted(tuple([c[0].upper()] + c[1:]) for c in tx if c[0].upper() != "SELECT") + \
        [("SELECTS", str(sum(1 for c in tx if c[0].upper() == "SELECT")))]
got = [norm(t) for t in txs]
for w in want:
    if norm(w) not in got:
        print("missing transaction", w, "in", txs); sys.exit(1)
print("transactions in the AOF:", len(txs))
EOF
redis-check-aof "$INCR" >/tmp/rwttx-check.log 2>&1 || { cat /tmp/rwttx-check.log; it_fail "redis-check-aof refused the file"; }
rm -f /tmp/rwttx-check.log
it_log "ok"
