#!/usr/bin/python3
"""Differential cases for the multi-key collection commands with their keys
on different workers (issue #5 item 7), in oracle_compare.py's CASES
format, replies byte for byte against stock redis-server 7.0.15:

- hand-written cases whose keys are chosen on worker 0 and worker 1 (with
  two workers): SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF
  SDIFFSTORE SMOVE ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE
  ZINTERCARD ZRANGESTORE LMOVE RPOPLPUSH LMPOP ZMPOP, wrong types, expiry
  kept or dropped, encodings, WATCH dirtied (or not) as in Redis, RESP2 and
  RESP3; every written key read back (TYPE, OBJECT ENCODING, DEBUG
  DIGEST-VALUE, PEXPIRETIME, contents);
- the set, sorted set and list modules' own cases and seeded random
  sequences (XS_SEED) with their {hash tags} taken off, so the keys of one
  multi-key command spread over both workers (untag()).

case_module_check.py ends with DEBUG DIGEST of both whole datasets.
Keys carry "it:xs"."""
import os
import re

import oracle_cases_list
import oracle_cases_set
import oracle_cases_zset
from resp_client import encode as E


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def worker_of(key, workers=2):
    m = re.search(r"\{([^}]+)\}", key)
    tag = m.group(1) if m else key
    return (crc16(tag.encode()) % 16384) * workers // 16384


def tag_on(w):
    for i in range(100):
        t = "it:xs%d" % i
        if worker_of(t) == w:
            return t
    raise RuntimeError("no tag")


T0, T1 = tag_on(0), tag_on(1)


def a(name):  # a key of worker 0
    return "{%s}%s" % (T0, name)


def b(name):  # a key of worker 1
    return "{%s}%s" % (T1, name)


AT = "4102444800000"
LONG = "m" * 70


def read_coll(key, content):
    return [("TYPE", key), ("OBJECT", "ENCODING", key), ("DEBUG", "DIGEST-VALUE", key),
            ("PEXPIRETIME", key), content]


def rs(key):  # a set of integers (an intset prints in order)
    return read_coll(key, ("SMEMBERS", key))


def rsh(key):  # a hashtable set: its order is the table's, read it by digest
    return read_coll(key, ("SCARD", key))


def rz(key):
    return read_coll(key, ("ZRANGE", key, "0", "-1", "WITHSCORES"))


def rl(key):
    return read_coll(key, ("LRANGE", key, "0", "-1"))


def case(name, cmds, resp3=False):
    cmds = ([("HELLO", "3")] if resp3 else []) + cmds
    chunks = [E(*c) for c in cmds]
    return (name, chunks, len(chunks), False)


def sets():
    A1, B1, A2, B2, A3, B3, A4, B4, B9 = (a("s1"), b("s1"), a("s2"), b("s2"), a("str"), b("str"),
                                          a("h"), b("h"), b("s9"))
    c = [("DEL", A1, A2, A3, A4), ("DEL", B1, B2, B3, B4, B9),
         ("SADD", A1, "1", "2", "3", "4"), ("SADD", B1, "3", "4", "5"), ("PEXPIREAT", B1, AT),
         ("SINTER", A1, B1), ("SUNION", A1, B1), ("SDIFF", A1, B1), ("SDIFF", B1, A1, a("none")),
         ("SINTERCARD", "2", A1, B1), ("SINTERCARD", "2", A1, B1, "LIMIT", "1"),
         ("SINTERCARD", "3", A1, B1, a("none")),
         ("SINTERSTORE", B2, A1, B1)] + rs(B2) + [
         ("SUNIONSTORE", A2, A1, B1)] + rs(A2) + [
         ("PEXPIREAT", A2, AT), ("SUNIONSTORE", A2, A2, B1)] + rs(A2) + [
         ("SDIFFSTORE", B1, A1, B1)] + rs(B1) + [
         ("SADD", B1, "7"), ("PEXPIREAT", B1, AT),
         ("SMOVE", A1, B1, "1")] + rs(A1) + rs(B1) + [
         ("SMOVE", A1, B1, "99"), ("SMOVE", A1, B9, "2")] + rs(A1) + rs(B9) + [
         ("SMOVE", A1, B1, "4"), ("SMOVE", B9, A1, "2"), ("SMOVE", B9, A1, "2")] + rs(A1) + [
         ("EXISTS", B9), ("SET", A3, "x"), ("SET", B3, "y"),
         ("SUNIONSTORE", B2, A3, B1), ("SINTER", B1, A3), ("SINTERCARD", "2", B1, A3),
         ("SMOVE", A3, B1, "7"), ("SMOVE", B1, A3, "7"), ("SMOVE", B1, a("none"), "nope")] + rs(B2) + [
         ("SINTERSTORE", B2, A1, a("none"))] + [("EXISTS", B2), ("SDIFFSTORE", A2, b("none"), A1),
                                                ("EXISTS", A2)] + [
         ("SUNIONSTORE", B3, A1, B1)] + rs(B3) + [
         ("SADD", A4, "a", "b", "c"), ("SUNIONSTORE", B4, A4, B1)] + rsh(B4) + [
         ("SINTERSTORE", B4, A4, B1)] + rsh(B4) + [
         ("SADD", A4, "1"), ("SREM", A4, "a", "b", "c"), ("SMOVE", B1, A4, "7")] + rsh(A4) + [
         ("SMOVE", A4, B1, "1")] + rs(B1) + [
         ("SDIFFSTORE", B2, A4, A4), ("SINTER", A4, A4, B1), ("SUNION", A1, a("none"), B1),
         ("SINTERSTORE", A2, B1, B1)] + rs(A2)
    return c


def zsets():
    A5, B5, A6, B6, B7, A8, B8 = a("z5"), b("z5"), a("z6"), b("z6"), b("z7"), a("z8"), b("z8")
    c = [("DEL", A5, A6, A8, a("s1"), a("str")), ("DEL", B5, B6, B7, B8),
         ("ZADD", A5, "1", "a", "2", "b", "3", "c"), ("ZADD", B5, "10", "b", "20", "d", "-1.5", "e"),
         ("SADD", a("s1"), "b", "x"), ("SET", a("str"), "v"),
         ("ZUNION", "2", A5, B5, "WITHSCORES"), ("ZUNION", "2", A5, B5),
         ("ZINTER", "2", A5, B5, "WEIGHTS", "2", "3", "AGGREGATE", "MAX", "WITHSCORES"),
         ("ZDIFF", "2", A5, B5, "WITHSCORES"), ("ZDIFF", "2", B5, A5),
         ("ZINTERCARD", "2", A5, B5), ("ZINTERCARD", "2", A5, B5, "LIMIT", "1"),
         ("ZUNION", "3", A5, B5, a("s1"), "WITHSCORES"),
         ("ZUNION", "2", A5, a("str")), ("ZINTERCARD", "2", B5, a("str")),
         ("ZUNIONSTORE", B6, "2", A5, B5)] + rz(B6) + [
         ("PEXPIREAT", B6, AT), ("ZINTERSTORE", B6, "2", A5, B5, "AGGREGATE", "MIN")] + rz(B6) + [
         ("ZINTERSTORE", A6, "2", B5, A5, "WEIGHTS", "1", "-1")] + rz(A6) + [
         ("ZDIFFSTORE", B6, "2", A5, B5)] + rz(B6) + [
         ("ZDIFFSTORE", B6, "2", A5, A5), ("EXISTS", B6),
         ("ZUNIONSTORE", B6, "2", a("s1"), B5, "WEIGHTS", "2", "1")] + rz(B6) + [
         ("ZUNIONSTORE", B6, "2", a("str"), B5), ("ZRANGESTORE", B7, A5, "0", "-1")] + rz(B7) + [
         ("ZRANGESTORE", B7, A5, "(1", "+inf", "BYSCORE", "LIMIT", "0", "1")] + rz(B7) + [
         ("ZRANGESTORE", B7, A5, "[b", "+", "BYLEX", "REV"), ("ZRANGESTORE", B7, A5, "+", "[b", "BYLEX", "REV")] + rz(B7) + [
         ("ZRANGESTORE", B7, A5, "5", "10"), ("EXISTS", B7), ("ZRANGESTORE", B7, a("str"), "0", "1"),
         ("ZADD", A8, "1", LONG, "2", "q"), ("ZUNIONSTORE", B8, "2", A8, B5)] + rz(B8) + [
         ("ZRANGESTORE", B8, A8, "1", "1")] + rz(B8) + [
         ("ZMPOP", "2", a("none"), B5, "MIN", "COUNT", "2")] + rz(B5) + [
         ("ZMPOP", "2", A5, B5, "MAX"), ("ZMPOP", "3", a("none"), b("none"), a("str"), "MIN"),
         ("ZMPOP", "2", a("none"), b("none"), "MIN"), ("ZMPOP", "2", B5, A5, "MAX", "COUNT", "9")] + rz(B5) + [
         ("EXISTS", B5)]
    return c


def lists():
    A10, B10, A11, B11 = a("l10"), b("l10"), a("l11"), b("l11")
    c = [("DEL", A10, A11, a("str")), ("DEL", B10, B11),
         ("RPUSH", A10, "a", "b", "c", "d"), ("SET", a("str"), "v"),
         ("LMOVE", A10, B10, "LEFT", "RIGHT")] + rl(A10) + rl(B10) + [
         ("PEXPIREAT", B10, AT), ("RPOPLPUSH", A10, B10), ("LMOVE", A10, B10, "RIGHT", "LEFT"),
         ("LMOVE", A10, B10, "LEFT", "LEFT")] + rl(B10) + [
         ("EXISTS", A10), ("LMOVE", A10, B10, "LEFT", "LEFT"), ("RPOPLPUSH", A10, B10),
         ("LMOVE", a("str"), B10, "LEFT", "LEFT"), ("LMOVE", B10, a("str"), "LEFT", "LEFT")] + rl(B10) + [
         ("LMPOP", "2", A11, B10, "RIGHT", "COUNT", "2"), ("LMPOP", "2", B10, A11, "LEFT")] + rl(B10) + [
         ("LMPOP", "2", A11, b("none"), "LEFT"), ("LMPOP", "2", a("str"), B10, "LEFT"),
         ("LMPOP", "2", B10, a("str"), "LEFT", "COUNT", "10"), ("EXISTS", B10),
         ("RPUSH", B11, LONG, "x"), ("LMOVE", B11, A11, "LEFT", "RIGHT")] + rl(A11) + rl(B11) + [
         ("RPOPLPUSH", B11, A11)] + rl(A11) + [("EXISTS", B11)]
    return c


def watch():
    A1, B1, B2 = a("w1"), b("w1"), b("w2")
    base = [("DEL", A1, B1, B2), ("SADD", A1, "1", "2"), ("SADD", B1, "2", "3")]
    tx = [("MULTI",), ("PING",), ("EXEC",)]
    return ([("WATCH", B2), ("SUNIONSTORE", B2, A1, B1)] + tx +
            [("WATCH", A1, B1), ("SINTER", A1, B1), ("SUNION", A1, B1)] + tx +
            [("DEL", B2), ("WATCH", B2), ("SINTERSTORE", B2, A1, a("none"))] + tx +
            [("WATCH", A1), ("SMOVE", B1, A1, "3")] + tx +
            [("WATCH", A1), ("SMOVE", B1, A1, "99")] + tx +
            [("WATCH", B1), ("SMOVE", A1, B1, "1")] + tx)


def exec_gather():
    A1, B1, A2, B2, A3, AL, BL, BZ = (a("e1"), b("e1"), a("e2"), b("e2"), a("e3"), a("el"), b("el"),
                                      b("ez"))
    clean = [("DEL", A1, A2, A3, AL, a("m"), a("e4"), a("str")), ("DEL", B1, B2, BL, BZ, b("m"), b("x"))]
    c = clean + [("SELECT", "3")] + clean + [("SELECT", "0"),
         ("SADD", A1, "1", "2"), ("SADD", B1, "2", "3"), ("RPUSH", AL, "x", "y"),
         ("MULTI",), ("SADD", A1, "5"), ("SUNIONSTORE", B2, A1, B1), ("SINTERCARD", "2", A1, B2),
         ("SMOVE", B1, A1, "3"), ("LMOVE", AL, BL, "LEFT", "RIGHT"), ("PING",), ("SELECT", "3"),
         ("SADD", A1, "9"), ("ZUNIONSTORE", BZ, "2", A1, B1, "WEIGHTS", "2", "1"), ("SELECT", "0"),
         ("MSETNX", a("m"), "1", b("m"), "2"), ("RENAME", B2, A3), ("LMPOP", "2", b("none"), AL, "LEFT"),
         ("ZUNION", "2", A1, B1, "WITHSCORES"), ("EXEC",)] + rs(A1) + rs(B1) + rs(A3) + rl(BL) + [
         ("SELECT", "3")] + rz(BZ) + [("SELECT", "0"), ("MGET", a("m"), b("m")), ("EXISTS", B2, AL),
         ("WATCH", B1), ("SADD", B1, "7"), ("MULTI",), ("SUNIONSTORE", a("e4"), A1, B1), ("EXEC",),
         ("EXISTS", a("e4")),
         ("WATCH", B1), ("MULTI",), ("SUNIONSTORE", a("e4"), A1, B1), ("SCARD", a("e4")), ("EXEC",)] + rs(
             a("e4")) + [
         ("SET", a("str"), "v"), ("MULTI",), ("SUNIONSTORE", b("x"), a("str"), B1), ("SADD", B1, "100"),
         ("SMOVE", B1, a("str"), "100"), ("SMOVE", B1, A1, "100"), ("EXEC",)] + rs(A1) + rs(B1) + [
         ("MULTI",), ("SINTERSTORE", b("x"), A1, B1), ("DEL", A1), ("SUNION", A1, B1), ("EXEC",)] + rs(b("x"))
    return c


def rstr(key):
    return [("TYPE", key), ("OBJECT", "ENCODING", key), ("DEBUG", "DIGEST-VALUE", key),
            ("PEXPIRETIME", key), ("GET", key)]


def strings():
    """BITOP, and strings moved between workers keeping their encoding
    (raw after APPEND/SETRANGE/BITOP, an embstr holding a number)."""
    A, B, C, D = a("bs1"), b("bs1"), a("bs2"), b("bs2")
    c = [("DEL", A, C, a("l")), ("DEL", B, D, b("n")),
         ("SET", A, "foo"), ("SET", B, "bar"), ("RPUSH", a("l"), "x"),
         ("BITOP", "AND", C, A, B)] + rstr(C) + [
         ("BITOP", "OR", D, A, B)] + rstr(D) + [
         ("PEXPIREAT", D, AT), ("BITOP", "XOR", D, A, B, C)] + rstr(D) + [
         ("BITOP", "NOT", C, B)] + rstr(C) + [
         ("BITOP", "NOT", C, A, B), ("BITOP", "nand", C, A, B), ("BITOP", "AND", D, A, a("l")),
         ("BITOP", "OR", D, b("none"), a("none")), ("EXISTS", D),
         ("BITOP", "OR", C, b("none")), ("EXISTS", C), ("SET", b("n"), "12"),
         ("BITOP", "OR", C, b("n"))] + rstr(C) + [
         ("APPEND", A, "x"), ("RENAME", A, B)] + rstr(B) + [
         ("COPY", B, C)] + rstr(C) + [
         ("SET", D, "5"), ("INCRBYFLOAT", D, "5"), ("RENAME", D, A)] + rstr(A) + [
         ("SETRANGE", b("n"), "0", "9"), ("COPY", b("n"), A, "REPLACE")] + rstr(A) + [
         ("MULTI",), ("BITOP", "AND", D, A, B), ("GET", D), ("BITOP", "XOR", A, A, D),
         ("RENAME", A, b("n")), ("EXEC",)] + rstr(D) + rstr(b("n"))
    return c


def debug():
    """DEBUG's keys are its subcommand's: DIGEST-VALUE over keys of both
    workers, arguments that are not keys never CROSSSLOT, DEBUG DIGEST
    whole (and inside EXEC)."""
    A, B = a("dg"), b("dg")
    c = [("DEL", A, B), ("SADD", A, "1", "2"), ("SET", B, "v"),
         ("DEBUG", "DIGEST-VALUE", A, B), ("DEBUG", "DIGEST-VALUE", B, a("none"), A),
         ("DEBUG", "DIGEST-VALUE"), ("DEBUG", "OBJECT", A, B), ("DEBUG", "SLEEP", A, B),
         ("DEBUG", "HELP", A, B), ("DEBUG", "NOSUCH", A, B), ("DEBUG", "DIGEST", A, B),
         ("COMMAND", "GETKEYS", "DEBUG", "OBJECT", A), ("DEBUG", "SLEEP", "0"),
         ("MULTI",), ("DEBUG", "DIGEST-VALUE", A, B), ("DEBUG", "OBJECT", A, B), ("SET", A, "x"),
         ("DEBUG", "DIGEST-VALUE", B, A), ("DEL", A), ("EXEC",),
         ("SET", A, "y"), ("DEBUG", "DIGEST")]
    return c


def pipelined(name, cmds):
    """One chunk: the whole pipeline reaches the server at once."""
    return (name, [b"".join(E(*c) for c in cmds)], len(cmds), False)


def ordered():
    """A CONFIG SET pipelined behind ZADDs runs after them, as Redis runs a
    pipeline in order (the encodings tell), and so does an EXEC holding
    one; the setting is put back by the next case, once every reply is in
    (put back in the same pipeline, it could run before a forwarded ZADD
    too and hide the first)."""
    keys = [a("o%d" % i) for i in range(6)] + [b("o%d" % i) for i in range(6)]
    lp = ("CONFIG", "SET", "zset-max-listpack-entries", "1")
    back = [("CONFIG", "SET", "zset-max-listpack-entries", "128")]
    fill = [("DEL",) + tuple(keys[:6]), ("DEL",) + tuple(keys[6:])] + [
        ("ZADD", x, "1", "x", "2", "y") for x in keys]
    look = [("OBJECT", "ENCODING", x) for x in keys]
    return [("config set behind zadds of both workers", back + fill + [lp] + look), ("back", back),
            ("exec with config set behind zadds", fill + [("MULTI",), lp, ("EXEC",)] + look),
            ("back again", back)]


HAND = [
    ("exec across workers", exec_gather()),
    ("bitop and strings across workers", strings()),
    ("debug across workers", debug()),
    ("sets across workers", sets()), ("sorted sets across workers", zsets()),
    ("lists across workers", lists()),
    ("watch across workers", [("DEL", a("w1"), b("w1"), b("w2")), ("SADD", a("w1"), "1", "2"),
                              ("SADD", b("w1"), "2", "3")] + watch()),
]

TAG = re.compile(rb"\{([a-z0-9:]+)\}")


def _parse(chunk):
    """The commands of a request chunk (arrays of bulk strings)."""
    cmds, i = [], 0
    while i < len(chunk):
        assert chunk[i:i + 1] == b"*", chunk[i:i + 20]
        eol = chunk.index(b"\r\n", i)
        n = int(chunk[i + 1:eol])
        i = eol + 2
        args = []
        for _ in range(n):
            eol = chunk.index(b"\r\n", i)
            ln = int(chunk[i + 1:eol])
            i = eol + 2
            args.append(chunk[i:i + ln])
            i += ln + 2
        cmds.append(args)
    return cmds


def untag(chunk):
    """Every {hash tag} taken off: each key hashes on its whole name,
    so the keys of one command spread over the workers."""
    out = b""
    for args in _parse(chunk):
        out += E(*[TAG.sub(rb"\1/", x) for x in args])
    return out


def untagged(cases, prefix):
    return [(prefix + name, [untag(c) for c in chunks], n, close) for name, chunks, n, close in cases]


SEED = int(os.environ.get("XS_SEED", "1"))
CASES = []
for _name, _cmds in HAND:
    CASES.append(case(_name, _cmds))
    CASES.append(case(_name + " resp3", _cmds, resp3=True))
CASES += [pipelined("pipeline in order: " + _name, _cmds) for _name, _cmds in ordered()]
CASES += untagged(oracle_cases_set.CASES, "untagged ")
CASES += untagged(oracle_cases_zset.CASES, "untagged ")
CASES += untagged(oracle_cases_list.CASES, "untagged ")
for _seq in (oracle_cases_set.random_sequence(SEED), oracle_cases_set.random_sequence_ht(SEED)):
    CASES.append(("untagged set random sequence seed %d" % SEED, [untag(b"".join(_seq))], len(_seq),
                  False))
for _name, _mod in (("zset", oracle_cases_zset), ("list", oracle_cases_list)):
    _chunks, _n = _mod.random_case(SEED, 600)
    CASES.append(("untagged %s random sequence seed %d" % (_name, SEED), [untag(c) for c in _chunks],
                  _n, False))
