#!/usr/bin/python3
"""DUMP/RESTORE both ways between Redwire and stock redis-server 7.0.15.

Usage: dump_check.py REDWIRE_HOST:PORT ORACLE_HOST:PORT

1. Values are set on the stock server, DUMPed there and RESTOREd on
   Redwire (with the TTL the stock key has); then the other way round.
   After each hop GET, OBJECT ENCODING, DEBUG DIGEST-VALUE and PTTL
   (within 1.5 s) on the restoring side must equal the dumping side's.
2. The same value DUMPs to the same bytes on both servers.
3. IDLETIME survives a hop (OBJECT IDLETIME within 2 s of stock's).
4. oracle_cases_dump.py's differential cases, byte for byte.
Prints "N passed, M failed" and exits non-zero on any failure.
"""
import os
import random
import sys

import redis

import oracle_cases_dump
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


def values():
    """Every string shape RDB encodes differently."""
    rnd = random.Random(7)
    out = [b"", b"0", b"-1", b"127", b"128", b"-32768", b"65536", b"2147483647", b"2147483648",
           b"-9223372036854775808", b"9223372036854775807", b"01", b"+5", b"1.5", b"hello",
           b"x" * 20, b"x" * 21, b"y" * 44, b"y" * 45, b"abc" * 300, bytes(range(256)),
           bytes(rnd.getrandbits(8) for _ in range(5000)), b"0123456789" * 20000]
    return [(b"it:dc:%d" % i, v) for i, v in enumerate(out)]


def hop(src, dst, tag, ttl_ms):
    """Set every value on src (with ttl_ms if non-zero), DUMP it there,
    RESTORE on dst, compare."""
    for key, val in values():
        src.delete(key)
        dst.delete(key)
        src.set(key, val, px=ttl_ms or None)
        payload = src.dump(key)
        pttl = src.pttl(key)
        dst.restore(key, max(pttl, 0), payload)
        what = "%s %r (%d bytes, ttl %d)" % (tag, key, len(val), ttl_ms)
        check(dst.get(key) == val, what + ": GET")
        check(dst.object("encoding", key) == src.object("encoding", key), what + ": OBJECT ENCODING")
        check(dst.execute_command("DEBUG", "DIGEST-VALUE", key)
              == src.execute_command("DEBUG", "DIGEST-VALUE", key), what + ": DEBUG DIGEST-VALUE")
        got = dst.pttl(key)
        if ttl_ms:
            check(abs(got - pttl) <= 1500, what + ": PTTL %d vs %d" % (got, pttl))
        else:
            check(got == -1, what + ": PTTL %d" % got)


def same_bytes(rw, oracle):
    for key, val in values():
        rw.set(key, val)
        oracle.set(key, val)
        check(rw.dump(key) == oracle.dump(key), "DUMP bytes of %r (%d bytes)" % (key, len(val)))


def idletime(rw, oracle):
    oracle.set("it:dc:idle", "v")
    payload = oracle.dump("it:dc:idle")
    for src, dst, tag in ((oracle, rw, "stock->redwire"), (rw, oracle, "redwire->stock")):
        dst.delete("it:dc:idle2")
        dst.restore("it:dc:idle2", 0, payload, idletime=12345)
        got = dst.object("idletime", "it:dc:idle2")
        check(abs(got - 12345) <= 2, "%s IDLETIME %d" % (tag, got))


def differential(rw_addr, oracle_addr):
    for name, chunks, n, close in oracle_cases_dump.CASES:
        want, got = run_pair(rw_addr, oracle_addr, chunks, n, close)
        check(got == want, "oracle case %s:\n  redis-server: %r\n  redwire:      %r"
              % (name, want, got))


def main():
    rw_addr, oracle_addr = sys.argv[1], sys.argv[2]
    conn = lambda a: redis.Redis(host=a.rsplit(":", 1)[0], port=int(a.rsplit(":", 1)[1]))
    rw, oracle = conn(rw_addr), conn(oracle_addr)
    for ttl in (0, 3600 * 1000):
        hop(oracle, rw, "stock->redwire", ttl)
        hop(rw, oracle, "redwire->stock", ttl)
    same_bytes(rw, oracle)
    idletime(rw, oracle)
    differential(rw_addr, oracle_addr)
    for key, _ in values():
        rw.delete(key)
        oracle.delete(key)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
