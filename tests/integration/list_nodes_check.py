#!/usr/bin/python3
"""Quicklist node boundaries against stock redis-server 7.0.15 (issue #5
item 5: DUMP/RESTORE of every type round-trips with stock, byte for byte).

Usage: list_nodes_check.py REDWIRE_HOST:PORT ORACLE_HOST:PORT [SEED]
(CI runs seed 5; tests/soak/list_nodes_soak.sh runs others.)

Redis's RDB form of a list (LIST_QUICKLIST_2) is one listpack per
quicklist node, and where the nodes are cut depends on the commands that
built the list: pushes at either end, LINSERT's splits and merges, LSET
growing a node in place, LREM / LTRIM / pops shrinking nodes. Seeded random
histories of list commands run on both servers under several
list-max-listpack-size values (size classes -1 -2 -3 with and without
list-compress-depth, counts 0 1 4 16; under a compress depth mostly with
rdbcompression no, where stock's DUMP shows which interior nodes it holds
LZF-compressed), on lists that cross node bounds:
  1. every reply equal byte for byte, and after each batch the DUMP of both
     keys equal byte for byte (LMOVE / RPOPLPUSH / LMPOP between two keys,
     which may sit on different workers);
  2. at the end of a history, stock's payload RESTOREd into Redwire DUMPs
     to the same bytes, Redwire's RESTOREd into stock too, and a few more
     batches on the restored keys stay equal;
  3. DEBUG QUICKLIST-PACKED-THRESHOLD's replies; with it lowered on both,
     the same random batches build plain nodes (a compress depth too) to
     the same DUMP bytes; stock's payload RESTOREd on both with the
     threshold back at 1 GiB, then random batches.
Prints "N passed, M failed" and exits non-zero on any failure.
"""
import os
import random
import sys

import redis

K, K2 = "it:lnode:a", "it:lnode:b"
# (list-max-listpack-size, list-compress-depth, rdbcompression, histories,
# batches). Under a compress depth stock holds the interior nodes
# LZF-compressed and DUMPs them so even with rdbcompression no.
FILLS = [(-2, 0, "yes", 2, 24), (-1, 0, "yes", 2, 24), (-3, 1, "no", 1, 20),
         (-1, 2, "no", 1, 16), (-2, 1, "yes", 1, 12), (4, 3, "no", 1, 16), (4, 0, "yes", 2, 16),
         (16, 0, "yes", 1, 16), (1, 0, "yes", 1, 8), (0, 0, "yes", 1, 8),
         (4, 1, "no", 2, 20), (8, 2, "no", 2, 20), (-1, 1, "yes", 1, 16)]
# Lists Redwire holds compressed in memory (store_list_comp.c): MEMORY USAGE
# of both, printed at the end of each history under a depth (stock samples
# 5 nodes, mostly raw ones in depth; Redwire counts its own allocations).
MEM = []
BATCH = 12

failures = []
passed = 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL", what)
    return cond


ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def elem(rnd):
    """Mixed shapes: integers of every listpack width, short and 12-bit
    strings, now and then one over the 4 KiB node bound."""
    k = rnd.random()
    if k < 0.25:
        return str(rnd.randint(-70000, 70000))
    if k < 0.3:
        return str(rnd.randint(-2 ** 62, 2 ** 62))
    if k < 0.68:
        return "v%d" % rnd.randint(0, 300) + "x" * rnd.randint(0, 70)
    if k < 0.75:  # LZF cannot shrink these: nodes whose compression fails
        return "".join(rnd.choice(ALNUM) for _ in range(rnd.randint(8, 90)))
    if k < 0.985:
        return "w%d" % rnd.randint(0, 300) + "y" * rnd.randint(70, 400)
    return "b%d" % rnd.randint(0, 99) + "z" * rnd.randint(4000, 9000)


def command(rnd, cur):
    """One list command for a list whose elements are @cur (stock's)."""
    n = len(cur)
    pivot = lambda: rnd.choice(cur) if cur and rnd.random() < 0.9 else "missing"
    side = lambda: rnd.choice(("LEFT", "RIGHT"))
    grow = 0.75 if n < 40 else 0.45 if n < 400 else 0.15
    if rnd.random() < grow:
        k = rnd.random()
        if k < 0.35:
            return ("RPUSH", K) + tuple(elem(rnd) for _ in range(rnd.randint(1, 8)))
        if k < 0.65:
            return ("LPUSH", K) + tuple(elem(rnd) for _ in range(rnd.randint(1, 8)))
        return ("LINSERT", K, rnd.choice(("BEFORE", "AFTER")), pivot(), elem(rnd))
    k = rnd.random()
    if k < 0.2:
        return ("LSET", K, str(rnd.randint(-n - 1, n)), elem(rnd))
    if k < 0.35:
        return ("LREM", K, str(rnd.randint(-2, 2)), pivot())
    if k < 0.45:
        return ("LTRIM", K, str(rnd.randint(0, 3)), str(rnd.randint(-5, -1)))
    if k < 0.6:
        return (rnd.choice(("LPOP", "RPOP")), K) + ((str(rnd.randint(1, 5)),)
                                                    if rnd.random() < 0.5 else ())
    if k < 0.7:
        return ("LMOVE", K, rnd.choice((K, K2)), side(), side())
    if k < 0.75:
        return ("RPOPLPUSH", K2, K)
    if k < 0.8:
        return ("LMPOP", "2", K2, K, side(), "COUNT", str(rnd.randint(1, 4)))
    if k < 0.9:
        return ("LINSERT", K, rnd.choice(("BEFORE", "AFTER")), pivot(), elem(rnd))
    reads = [("LINDEX", K, str(rnd.randint(-n - 1, n))), ("LPOS", K, pivot(), "RANK", "-1"),
             ("LRANGE", K, "0", "-1"), ("LLEN", K)]
    return rnd.choice(reads)


def run_batch(c, cmds):
    p = c.pipeline(transaction=False)
    for cmd in cmds:
        p.execute_command(*cmd)
    return [r if not isinstance(r, Exception) else "ERR %s" % r
            for r in p.execute(raise_on_error=False)]


def dumps(c, keys):
    return [c.dump(k) for k in keys]


def history(rw, st, rnd, tag, batches, keys=(K, K2)):
    """@batches random batches on both servers; stops at the first
    difference. @return True when all agreed."""
    for b in range(batches):
        cur = [x.decode("latin-1") for x in st.lrange(K, 0, -1)]
        cmds = []
        for _ in range(BATCH):
            cmd = command(rnd, cur)
            cmds.append(cmd)
        want, got = run_batch(st, cmds), run_batch(rw, cmds)
        if not check(got == want, "%s batch %d: replies differ\n  cmds: %r\n  stock: %r\n"
                     "  redwire: %r" % (tag, b, [c[:4] for c in cmds], want, got)):
            return False
        d_st, d_rw = dumps(st, keys), dumps(rw, keys)
        if not check(d_rw == d_st, "%s batch %d: DUMP bytes differ (%s vs stock %s)\n  cmds: %r"
                     % (tag, b, [len(x or b"") for x in d_rw], [len(x or b"") for x in d_st],
                        [c[:4] for c in cmds])):
            return False
        if b % 3 == 2:
            # DEBUG DIGEST-VALUE walks the list (quicklistNext()): under a
            # depth that walk compresses nodes, so the next DUMP shows it
            dg = [[c.execute_command("DEBUG", "DIGEST-VALUE", *keys)] + dumps(c, keys)
                  for c in (st, rw)]
            if not check(dg[1] == dg[0], "%s batch %d: DIGEST-VALUE then DUMP differ" % (tag, b)):
                return False
    return True


def hops(rw, st, rnd, tag):
    """Each side's payload RESTOREd on the other DUMPs to the same bytes;
    the restored lists keep agreeing under more commands."""
    p_st, p_rw = st.dump(K), rw.dump(K)
    if p_st is None:
        return
    # COPY (quicklistDup(): the source's depth and node states), to keys
    # on the source's worker and on others
    for i in range(4):
        dst = "%s:copy%d" % (K, i)
        for c in (rw, st):
            c.execute_command("COPY", K, dst, "REPLACE")
        check(rw.dump(dst) == st.dump(dst), "%s: DUMP of a COPY to %s" % (tag, dst))
        for c in (rw, st):
            c.delete(dst)
    rw.restore(K, 0, p_st, replace=True)
    check(rw.dump(K) == p_st, tag + ": stock payload re-DUMPed by Redwire")
    st.restore(K, 0, p_rw, replace=True)
    check(st.dump(K) == p_rw, tag + ": Redwire payload re-DUMPed by stock")
    history(rw, st, rnd, tag + " restored", 4)


def packed_threshold_replies(rw, st):
    """DEBUG QUICKLIST-PACKED-THRESHOLD's replies (memtoull() sizes, up to
    4 GiB - 1 MiB, 0 and "" for the default), then 0 again on both."""
    for arg in ("1k", "4gb", "4293918720", "4293918721", "-1", "abc", "1.5", "", "0"):
        want, got = [run_batch(c, [("DEBUG", "QUICKLIST-PACKED-THRESHOLD", arg)])
                     for c in (st, rw)]
        check(got == want, "DEBUG QUICKLIST-PACKED-THRESHOLD %r: %r, stock %r" % (arg, got, want))


def plain_nodes(rw, st, seed):
    """Both servers build plain nodes under a lowered packed threshold (DEBUG
    QUICKLIST-PACKED-THRESHOLD) with the same random commands, then restore
    stock's payload with the threshold back at 1 GiB and go on."""
    rnd = random.Random(seed)
    packed_threshold_replies(rw, st)
    for c in (rw, st):
        c.delete(K, K2)
        c.config_set("list-max-listpack-size", -1)
        c.config_set("list-compress-depth", 1)
        c.config_set("rdbcompression", "no")
        c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "300")
    try:
        for _ in range(120):
            cmd = (rnd.choice(("RPUSH", "LPUSH")), K, elem(rnd))
            for c in (rw, st):
                c.execute_command(*cmd)
        history(rw, st, rnd, "packed threshold 300 seed %d" % seed, 8)
        p = st.dump(K)
    finally:
        for c in (rw, st):
            c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
    for c in (rw, st):
        c.config_set("list-compress-depth", 0)
        c.restore(K, 0, p, replace=True)
    check(rw.dump(K) == st.dump(K), "plain nodes: stock payload re-DUMPed by Redwire")
    history(rw, st, rnd, "plain nodes seed %d" % seed, 12)


def main():
    rw_addr, st_addr = sys.argv[1], sys.argv[2]
    base = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else 5
    print("list_nodes_check seed %d" % base)
    conn = lambda a: redis.Redis(host=a.rsplit(":", 1)[0], port=int(a.rsplit(":", 1)[1]))
    rw, st = conn(rw_addr), conn(st_addr)
    names = ("list-max-listpack-size", "list-compress-depth", "rdbcompression")
    saved = {c: {k: c.config_get(k)[k] for k in names} for c in (rw, st)}
    try:
        for fill, depth, rdbcomp, n_hist, batches in FILLS:
            for c in (rw, st):
                c.config_set("list-max-listpack-size", fill)
                c.config_set("list-compress-depth", depth)
                c.config_set("rdbcompression", rdbcomp)
            for h in range(n_hist):
                seed = base * 1000 + h * 37 + fill * 7 + depth
                tag = "fill %d depth %d rdbcompression %s seed %d" % (fill, depth, rdbcomp, seed)
                rnd = random.Random(seed)
                for c in (rw, st):
                    c.delete(K, K2)
                if history(rw, st, rnd, tag, batches):
                    if depth > 0 and st.exists(K):
                        MEM.append((tag, st.llen(K), rw.memory_usage(K), st.memory_usage(K)))
                    hops(rw, st, rnd, tag)
        plain_nodes(rw, st, base)
    finally:
        for c in (rw, st):
            c.delete(K, K2)
            for k, v in saved[c].items():
                c.config_set(k, v)
    for tag, n, m_rw, m_st in MEM:
        print("MEMORY USAGE %s: %d elements, redwire %s stock %s" % (tag, n, m_rw, m_st))
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
