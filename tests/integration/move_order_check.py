#!/usr/bin/python3
"""MOVE and COPY ... DB keep a connection's order when they wait in the
intent queue: a cross-worker COPY (a transaction) holds key K on K's
worker, a pipelined MOVE K / COPY K ... DB n waits behind it there, and
the reads after SELECT n (K in the other DB) must see the MOVE's effect,
as stock redis-server 7.0.15 answers. Before the MOVE's keys were held in
both DBs, those reads overtook the waiting MOVE (the flaky
"rename/copy/move list many nodes, two workers" oracle case).

Each round is one pipeline per connection, replies compared byte for byte
with stock's. Several connections, so both workers coordinate some.

Usage: move_order_check.py REDWIRE_HOST:PORT ORACLE_HOST:PORT ROUNDS
Prints "N rounds, M differ" and exits non-zero if one differs (it stops
there: the datasets differ from then on)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_cases_renamecoll import TAG_W0, TAG_W1  # noqa: E402
from resp_client import RawConn, encode as E  # noqa: E402

SRC = "{%s}mo:src" % TAG_W0  # worker 0's: the COPY into K crosses workers
K, K2 = "{%s}mo:k" % TAG_W1, "{%s}mo:k2" % TAG_W1  # worker 1's
# many nodes: the cross-worker COPY (DUMP, RESTORE) holds K a while
ELEMS = tuple("e%d" % i * 30 for i in range(400))


def reads(key):
    return [E("EXISTS", key), E("TYPE", key), E("LLEN", key)]


def round_cmds():
    clean = [E("SELECT", "2"), E("DEL", K, K2), E("SELECT", "0"), E("DEL", K, K2)]
    r = list(clean)
    # MOVE K 2 waits behind the COPY's hold on (db 0, K); reads in db 2
    r += [E("COPY", SRC, K), E("MOVE", K, "2"), E("SELECT", "2")] + reads(K)
    r += [E("SELECT", "0")] + reads(K)
    # the other way: the COPY holds (db 2, K), MOVE K 0 from db 2 waits
    r += [E("DEL", K), E("COPY", SRC, K, "DB", "2"), E("SELECT", "2"), E("MOVE", K, "0"),
          E("SELECT", "0")] + reads(K)
    # COPY K K2 DB 2 on one worker waits behind the COPY holding (db 0, K)
    r += [E("DEL", K), E("COPY", SRC, K), E("COPY", K, K2, "DB", "2"), E("SELECT", "2")]
    r += reads(K2) + [E("SELECT", "0")]
    return r + clean


def run(conns, cmds):
    out = []
    for c in conns:
        c.send(b"".join(cmds))
        out.append([c.read_reply() for _ in cmds])
    return out


def main():
    rw_addr, oracle_addr, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    conns = {}
    for addr in (rw_addr, oracle_addr):
        host, port = addr.rsplit(":", 1)
        conns[addr] = [RawConn(host, int(port), timeout=30) for _ in range(4)]
    setup = [E("DEL", SRC), E("RPUSH", SRC, *ELEMS)]
    for addr in (rw_addr, oracle_addr):
        run(conns[addr][:1], setup)
    cmds, differ = round_cmds(), 0
    for i in range(rounds):
        want = run(conns[oracle_addr], cmds)
        got = run(conns[rw_addr], cmds)
        if got != want:  # the datasets differ from here on: stop
            differ += 1
            for j, (w, g) in enumerate(zip(want, got)):
                bad = [n for n in range(len(w)) if w[n] != g[n]]
                if bad:
                    n = bad[0]
                    print("round %d conn %d reply %d (%r): redis-server %r, redwire %r" %
                          (i, j, n, cmds[n][:60], w[n][:80], g[n][:80]))
            break
    for addr in (rw_addr, oracle_addr):
        run(conns[addr][:1], [E("DEL", SRC)])
    print("%d rounds, %d differ" % (i + 1, differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
