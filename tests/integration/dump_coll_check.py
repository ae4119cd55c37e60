#!/usr/bin/python3
"""DUMP/RESTORE of lists, hashes, sets and sorted sets between Redwire and
stock redis-server 7.0.15 (issue #5 item 5, issue #4 item 2).

Usage: dump_coll_check.py REDWIRE_HOST:PORT ORACLE_HOST:PORT

Every value is built by the same commands on both servers, then:
1. DUMP gives the same bytes on both, for every encoding whose RDB form
   has a defined order (quicklist whatever built it, listpack hash and zset,
   intset, skiplist zset); hash-table hashes and sets are left out (Redis's
   dict order follows its per-process hash seed).
2. Each side's payload RESTOREd on the other (REPLACE) gives the same
   OBJECT ENCODING, DEBUG DIGEST-VALUE and contents as the source.
3. Payloads restored under small encoding limits (CONFIG SET on both
   sides) convert as Redis converts them.
4. oracle_cases_dumpcoll.py's differential cases (hand-built RDB forms
   stock 7.0 never writes: ziplists, zipmaps, plain lists, text-score
   zsets, corrupt blobs), byte for byte.
Prints "N passed, M failed" and exits non-zero on any failure.
"""
import os
import sys

import redis

import oracle_cases_dumpcoll
from oracle_compare import run_pair

failures = []
passed = 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL", what)


def long_elems(n, seed):
    """n elements of mixed shapes: small and large integers, short and
    long strings (some over 64 bytes, one over 8 KiB every 97)."""
    out = []
    for i in range(n):
        k = (i * 7919 + seed) % 11
        if k == 0:
            out.append(str(i - 500))
        elif k == 1:
            out.append(str(i * 1000003))
        elif k == 2:
            out.append(str(-(i << 40)))
        elif k == 3:
            out.append("v%d" % i + "x" * (i % 70))
        elif k == 4 and i % 97 == 0:
            out.append("big%d" % i + "y" * 9000)
        else:
            out.append("e%d" % i + "abc" * (i % 30))
    return out


# (name, type, commands, dump bytes comparable)
def builders():
    k = "it:dcl:"
    out = []
    out.append(("list small", [("RPUSH", k + "l1", "a", "b", "1", "2", "-5", "300", "70000",
                                "-70000", "5000000000", "x" * 100, "")], True))
    out.append(("list rpush many nodes", [("RPUSH", k + "l2") + tuple(long_elems(3000, 1))], True))
    out.append(("list rpush ints", [("RPUSH", k + "l3") + tuple(str(i) for i in range(5000))],
                True))
    out.append(("list lpush many nodes", [("LPUSH", k + "l4") + tuple(long_elems(2000, 3))], True))
    out.append(("list linsert splits", [("RPUSH", k + "l6") + tuple(long_elems(400, 5))] + [
        ("LINSERT", k + "l6", "BEFORE" if i % 2 else "AFTER", long_elems(400, 5)[i * 37 % 400],
         "ins%d" % i + "q" * (i * 13 % 200)) for i in range(60)] + [
        ("LSET", k + "l6", str(i * 11), "set%d" % i + "s" * (i * 29 % 300)) for i in range(30)] + [
        ("LREM", k + "l6", "0", long_elems(400, 5)[i * 53 % 400]) for i in range(40)]
        + [("LTRIM", k + "l6", "3", "-4")], True))
    out.append(("list huge element", [("RPUSH", k + "l5", "a", "z" * 20000, "b")], True))
    out.append(("hash listpack", [("HSET", k + "h1", "f1", "v1", "f2", "123", "f3", "-7",
                                   "n", "", "x" * 63, "y" * 64)], True))
    out.append(("hash listpack after del", [("HSET", k + "h2", "a", "1", "b", "2", "c", "3"),
                                            ("HDEL", k + "h2", "b"),
                                            ("HSET", k + "h2", "d", "4", "a", "9")], True))
    out.append(("hash table by count", [("HSET", k + "h3") + tuple(
        x for i in range(300) for x in ("f%d" % i, "v%d" % i))], False))
    out.append(("hash table by length", [("HSET", k + "h4", "f", "v" * 65, "g", "1")], False))
    out.append(("set intset 16", [("SADD", k + "s1", "1", "2", "3", "-5", "32767")], True))
    out.append(("set intset 32", [("SADD", k + "s2", "1", "70000", "-70000")], True))
    out.append(("set intset 64", [("SADD", k + "s3", "1", "5000000000", "-9223372036854775808")],
                True))
    out.append(("set intset large", [("SADD", k + "s4") + tuple(str(i * 3) for i in range(500))],
                True))
    out.append(("set hashtable", [("SADD", k + "s5", "a", "b", "c", "1")], False))
    out.append(("set hashtable by count", [("SADD", k + "s6") + tuple(str(i) for i in range(600))],
                False))
    out.append(("zset listpack", [("ZADD", k + "z1", "1", "a", "2.5", "b", "-inf", "c", "inf", "d",
                                   "0", "e", "-0", "f", "1e20", "g", "3", "123", "-1.125", "h",
                                   "0.1", "i", "4611686018427387904", "j")], True))
    out.append(("zset skiplist by count", [("ZADD", k + "z2") + tuple(
        x for i in range(300) for x in (str(i * 0.37 - 20), "m%d" % i))], True))
    out.append(("zset skiplist by length", [("ZADD", k + "z3", "1", "a" * 65, "2", "b",
                                             "-inf", "c", "5e-300", "d")], True))
    return out


def contents(c, key):
    t = c.type(key)
    if t == b"list":
        return c.lrange(key, 0, -1)
    if t == b"hash":
        return sorted(c.hgetall(key).items())
    if t == b"set":
        return sorted(c.smembers(key))
    if t == b"zset":
        return c.zrange(key, 0, -1, withscores=True)
    return t


def key_of(cmds):
    return cmds[0][1]


def build(c, cmds):
    c.delete(key_of(cmds))
    for cmd in cmds:
        c.execute_command(*cmd)


def same_bytes_and_hops(rw, oracle):
    for name, cmds, comparable in builders():
        key = key_of(cmds)
        build(rw, cmds)
        build(oracle, cmds)
        check(rw.object("encoding", key) == oracle.object("encoding", key),
              "%s: OBJECT ENCODING %r vs stock %r" % (name, rw.object("encoding", key),
                                                    oracle.object("encoding", key)))
        p_rw, p_st = rw.dump(key), oracle.dump(key)
        if comparable:
            check(p_rw == p_st, "%s: DUMP bytes differ (%d vs stock %d bytes)"
                  % (name, len(p_rw), len(p_st)))
        for src, dst, payload, tag in ((oracle, rw, p_st, "stock->redwire"),
                                       (rw, oracle, p_rw, "redwire->stock")):
            dst.restore(key + ":hop", 0, payload, replace=True)
            what = "%s %s" % (name, tag)
            check(dst.object("encoding", key + ":hop") == src.object("encoding", key),
                  what + ": OBJECT ENCODING %r vs %r" % (dst.object("encoding", key + ":hop"),
                                                         src.object("encoding", key)))
            check(dst.execute_command("DEBUG", "DIGEST-VALUE", key + ":hop")
                  == src.execute_command("DEBUG", "DIGEST-VALUE", key), what + ": DIGEST-VALUE")
            check(contents(dst, key + ":hop") == contents(src, key), what + ": contents")
            if comparable and dst is rw:
                check(rw.dump(key + ":hop") == p_st, what + ": re-DUMP bytes")
            dst.delete(key + ":hop")
        rw.delete(key)
        oracle.delete(key)


LIMITS = [("hash-max-listpack-entries", "4"), ("hash-max-listpack-value", "8"),
          ("set-max-intset-entries", "4"), ("zset-max-listpack-entries", "4"),
          ("zset-max-listpack-value", "8"), ("list-max-listpack-size", "5")]


def conversions(rw, oracle):
    """Payloads DUMPed under default limits, RESTOREd under small ones."""
    payloads = []
    for name, cmds, _ in builders():
        build(oracle, cmds)
        payloads.append((name, key_of(cmds), oracle.dump(key_of(cmds))))
        oracle.delete(key_of(cmds))
    saved = {}
    for c in (rw, oracle):
        for k, v in LIMITS:
            saved[k] = c.config_get(k)[k]
            c.config_set(k, v)
    try:
        for name, key, p in payloads:
            for c in (rw, oracle):
                c.restore(key, 0, p, replace=True)
            what = "%s under small limits" % name
            check(rw.object("encoding", key) == oracle.object("encoding", key),
                  what + ": OBJECT ENCODING %r vs stock %r" % (rw.object("encoding", key),
                                                             oracle.object("encoding", key)))
            check(rw.execute_command("DEBUG", "DIGEST-VALUE", key)
                  == oracle.execute_command("DEBUG", "DIGEST-VALUE", key), what + ": DIGEST-VALUE")
            if rw.type(key) == b"list":
                # the list keeps the fill it was restored with: push more, compare bytes
                for c in (rw, oracle):
                    c.delete(key)
                    c.rpush(key, *[str(i) for i in range(23)])
                check(rw.dump(key) == oracle.dump(key), what + ": list fill 5 DUMP bytes")
            rw.delete(key)
            oracle.delete(key)
    finally:
        for c in (rw, oracle):
            for k, v in saved.items():
                c.config_set(k, v)


def differential(rw_addr, oracle_addr):
    for name, chunks, n, close in oracle_cases_dumpcoll.CASES:
        want, got = run_pair(rw_addr, oracle_addr, chunks, n, close)
        check(got == want, "oracle case %s:\n  redis-server: %r\n  redwire:      %r"
              % (name, want, got))


def main():
    rw_addr, oracle_addr = sys.argv[1], sys.argv[2]
    conn = lambda a: redis.Redis(host=a.rsplit(":", 1)[0], port=int(a.rsplit(":", 1)[1]))
    rw, oracle = conn(rw_addr), conn(oracle_addr)
    same_bytes_and_hops(rw, oracle)
    conversions(rw, oracle)
    differential(rw_addr, oracle_addr)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
