#!/usr/bin/python3
"""Differential cases for the set commands (issue #5 item 3) in
oracle_compare.py's CASES format: (name, [request chunks], number of
replies, expect_close); replies byte-identical in RESP2 and RESP3.

Member order is part of some replies (SMEMBERS, SUNION, SSCAN...): an
intset iterates in ascending order as Redis's does, so cases that print
whole sets use integer members; hashtable-encoded sets are printed only
with one member. Random replies (SPOP, SRANDMEMBER) are compared where
they are determined (count 0, count >= size, one member, errors).
Multi-key commands use keys of one hash tag ({it:s}) so they run on one
worker (oracle_cases_xshard.py replays them with the tags taken off).

random_sequence() (HS_SEED) drives every command over integer sets that
stay intsets; test_oracle_hs_digest.sh replays it and compares DEBUG DIGEST."""
import os
import random

from resp_client import encode as E

MI = "set-max-intset-entries"
K = "{it:s}"


def k(name):
    return K + name


CASES = [
    ("sadd basics", [E("DEL", k("a")), E("SADD", k("a"), "3", "1", "2", "1"), E("SADD", k("a"), "2", "4"),
                     E("SMEMBERS", k("a")), E("SCARD", k("a")), E("SCARD", k("none")),
                     E("SISMEMBER", k("a"), "2"), E("SISMEMBER", k("a"), "9"), E("SISMEMBER", k("none"), "1"),
                     E("SMISMEMBER", k("a"), "1", "x", "4"), E("SMISMEMBER", k("none"), "1", "2"),
                     E("TYPE", k("a")), E("OBJECT", "ENCODING", k("a")), E("SMEMBERS", k("none"))], 14, False),
    ("set arity", [E("SADD", k("b")), E("SREM", k("b")), E("SISMEMBER", k("b")), E("SMISMEMBER", k("b")),
                   E("SCARD"), E("SMEMBERS"), E("SPOP"), E("SRANDMEMBER"), E("SMOVE", k("b"), k("c")),
                   E("SINTER"), E("SINTERCARD", "1"), E("SINTERSTORE", k("b")), E("SUNION"),
                   E("SUNIONSTORE", k("b")), E("SDIFF"), E("SDIFFSTORE", k("b")), E("SSCAN", k("b"))], 17, False),
    ("intset encodings", [E("DEL", k("i"), k("h"), k("m")), E("SADD", k("i"), "1", "-5", "0", "9223372036854775807",
                                                          "-9223372036854775808"),
                          E("OBJECT", "ENCODING", k("i")), E("SMEMBERS", k("i")),
                          E("SADD", k("i"), "007"), E("OBJECT", "ENCODING", k("i")), E("SCARD", k("i")),
                          E("SISMEMBER", k("i"), "007"), E("SISMEMBER", k("i"), "7"),
                          E("SADD", k("h"), "a"), E("OBJECT", "ENCODING", k("h")),
                          E("SADD", k("m"), "+1"), E("OBJECT", "ENCODING", k("m")),
                          E("SREM", k("i"), "007"), E("OBJECT", "ENCODING", k("i"))], 15, False),
    # thresholds change only before keyed commands (see RESET_CASE in oracle_cases_hash.py)
    ("intset threshold", [E("CONFIG", "SET", MI, "3"), E("DEL", k("t")), E("SADD", k("t"), "1", "2", "3"),
                          E("OBJECT", "ENCODING", k("t")), E("SADD", k("t"), "3"), E("OBJECT", "ENCODING", k("t")),
                          E("SADD", k("t"), "4"), E("OBJECT", "ENCODING", k("t")), E("SREM", k("t"), "1", "2", "3"),
                          E("OBJECT", "ENCODING", k("t")), E("SMEMBERS", k("t"))], 11, False),
    ("intset threshold zero", [E("CONFIG", "SET", MI, "0"), E("DEL", k("t0")), E("SADD", k("t0"), "5"),
                               E("OBJECT", "ENCODING", k("t0")), E("CONFIG", "GET", MI),
                               E("CONFIG", "SET", MI, "-1"), E("CONFIG", "SET", MI, "x")], 7, False),
    ("reset intset threshold", [E("CONFIG", "SET", MI, "512")], 1, False),
    ("srem deletes the key", [E("DEL", k("r")), E("SADD", k("r"), "1", "2", "3"), E("SREM", k("r"), "2", "9", "2"),
                              E("SMEMBERS", k("r")), E("SREM", k("r"), "1", "3", "1"), E("EXISTS", k("r")),
                              E("SREM", k("r"), "1"), E("SREM", k("r"), "x")], 8, False),
    ("srandmember determined", [E("DEL", k("rm"), k("r1")), E("SRANDMEMBER", k("rm")), E("SRANDMEMBER", k("rm"), "3"),
                                E("SRANDMEMBER", k("rm"), "-3"), E("SADD", k("rm"), "3", "1", "2"),
                                E("SRANDMEMBER", k("rm"), "0"), E("SRANDMEMBER", k("rm"), "3"),
                                E("SRANDMEMBER", k("rm"), "100"), E("SRANDMEMBER", k("rm"), "1", "2"),
                                E("SRANDMEMBER", k("rm"), "x"), E("SRANDMEMBER", k("rm"), "-9223372036854775808"),
                                E("SADD", k("r1"), "only"), E("SRANDMEMBER", k("r1")),
                                E("SRANDMEMBER", k("r1"), "-4"), E("SRANDMEMBER", k("r1"), "1")], 15, False),
    ("spop determined", [E("DEL", k("p"), k("p1")), E("SPOP", k("p")), E("SPOP", k("p"), "3"),
                         E("SADD", k("p"), "3", "1", "2"), E("SPOP", k("p"), "0"), E("SPOP", k("p"), "-1"),
                         E("SPOP", k("p"), "x"), E("SPOP", k("p"), "1", "2"), E("SPOP", k("p"), "5"),
                         E("EXISTS", k("p")), E("SADD", k("p1"), "solo"), E("SPOP", k("p1")),
                         E("EXISTS", k("p1")), E("SADD", k("p1"), "7"), E("SPOP", k("p1"), "1"),
                         E("EXISTS", k("p1"))], 16, False),
    ("smove", [E("DEL", k("ms"), k("md"), k("mstr")), E("SADD", k("ms"), "1", "2"), E("SMOVE", k("ms"), k("md"), "1"),
               E("SMOVE", k("ms"), k("md"), "9"), E("SMEMBERS", k("ms")), E("SMEMBERS", k("md")),
               E("OBJECT", "ENCODING", k("md")), E("SMOVE", k("ms"), k("ms"), "2"), E("SMOVE", k("ms"), k("ms"), "9"),
               E("SMOVE", k("none"), k("md"), "1"), E("SET", k("mstr"), "x"), E("SMOVE", k("ms"), k("mstr"), "2"),
               E("SMOVE", k("mstr"), k("ms"), "2"), E("SMOVE", k("none"), k("mstr"), "2"),
               E("SMOVE", k("ms"), k("md"), "2"), E("EXISTS", k("ms")), E("SMEMBERS", k("md")),
               E("SMOVE", k("md"), k("mh"), "x"), E("DEL", k("mh")), E("SADD", k("md"), "x"),
               E("SMOVE", k("md"), k("mh"), "x"), E("OBJECT", "ENCODING", k("mh"))], 22, False),
    ("sinter sunion sdiff", [E("DEL", k("x"), k("y"), k("z"), k("d")), E("SADD", k("x"), "1", "2", "3", "4"),
                             E("SADD", k("y"), "3", "4", "5"), E("SADD", k("z"), "4", "9"),
                             E("SINTER", k("x"), k("y")), E("SINTER", k("x"), k("y"), k("z")), E("SINTER", k("x")),
                             E("SINTER", k("x"), k("none")), E("SINTER", k("x"), k("x")),
                             E("SUNION", k("x"), k("y"), k("z")), E("SUNION", k("none")), E("SUNION", k("x"), k("none")),
                             E("SDIFF", k("x"), k("y")), E("SDIFF", k("x"), k("y"), k("z")), E("SDIFF", k("none"), k("x")),
                             E("SDIFF", k("x"), k("x")), E("SDIFF", k("y"), k("none"))], 17, False),
    ("set ops wrongtype", [E("SET", k("str"), "v"), E("SADD", k("x1"), "1"), E("SINTER", k("none"), k("str")),
                           E("SUNION", k("x1"), k("str")), E("SDIFF", k("none"), k("str")),
                           E("SINTERCARD", "2", k("none"), k("str")), E("SINTERSTORE", k("d"), k("x1"), k("str")),
                           E("SUNIONSTORE", k("d"), k("str")), E("SDIFFSTORE", k("d"), k("str")),
                           E("SADD", k("str"), "1"), E("SREM", k("str"), "1"), E("SCARD", k("str")),
                           E("SMEMBERS", k("str")), E("SISMEMBER", k("str"), "1"), E("SMISMEMBER", k("str"), "1"),
                           E("SPOP", k("str")), E("SPOP", k("str"), "2"), E("SRANDMEMBER", k("str")),
                           E("SRANDMEMBER", k("str"), "2"), E("SSCAN", k("str"), "0"), E("GET", k("x1")),
                           E("HSET", k("x1"), "f", "v"), E("HGET", k("x1"), "f"), E("INCR", k("x1"))], 24, False),
    ("store variants", [E("DEL", k("sx"), k("sy"), k("dst")), E("SADD", k("sx"), "1", "2", "3"),
                        E("SADD", k("sy"), "2", "3", "4"), E("SINTERSTORE", k("dst"), k("sx"), k("sy")),
                        E("SMEMBERS", k("dst")), E("OBJECT", "ENCODING", k("dst")),
                        E("SUNIONSTORE", k("dst"), k("sx"), k("sy")), E("SMEMBERS", k("dst")),
                        E("SDIFFSTORE", k("dst"), k("sx"), k("sy")), E("SMEMBERS", k("dst")),
                        E("EXPIRE", k("dst"), "100"), E("SUNIONSTORE", k("dst"), k("dst"), k("sx")), E("TTL", k("dst")),
                        E("SINTERSTORE", k("dst"), k("sx"), k("none")), E("EXISTS", k("dst")),
                        E("SET", k("dst"), "string"), E("SDIFFSTORE", k("dst"), k("sx"), k("sx")), E("EXISTS", k("dst")),
                        E("SET", k("dst"), "string"), E("SUNIONSTORE", k("dst"), k("sx")), E("TYPE", k("dst")),
                        E("SINTERSTORE", k("dst"), k("dst")), E("SMEMBERS", k("dst"))], 23, False),
    ("store encodings", [E("CONFIG", "SET", MI, "4"), E("DEL", k("ea"), k("eb"), k("ed")),
                         E("SADD", k("ea"), "1", "2", "3"), E("SADD", k("eb"), "3", "4", "5"),
                         E("SUNIONSTORE", k("ed"), k("ea"), k("eb")), E("OBJECT", "ENCODING", k("ed")),
                         E("SINTERSTORE", k("ed"), k("ea"), k("eb")), E("OBJECT", "ENCODING", k("ed")),
                         E("SADD", k("eb"), "x"), E("SINTERSTORE", k("ed"), k("ea"), k("eb")),
                         E("OBJECT", "ENCODING", k("ed")), E("SDIFFSTORE", k("ed"), k("eb"), k("ea")),
                         E("OBJECT", "ENCODING", k("ed")), E("SCARD", k("ed"))], 14, False),
    ("reset intset threshold", [E("CONFIG", "SET", MI, "512")], 1, False),
    ("sintercard", [E("DEL", k("c1"), k("c2")), E("SADD", k("c1"), "1", "2", "3", "4"), E("SADD", k("c2"), "2", "3", "4", "5"),
                    E("SINTERCARD", "2", k("c1"), k("c2")), E("SINTERCARD", "2", k("c1"), k("c2"), "LIMIT", "2"),
                    E("SINTERCARD", "2", k("c1"), k("c2"), "limit", "0"), E("SINTERCARD", "1", k("c1"), "LIMIT", "100"),
                    E("SINTERCARD", "2", k("c1"), k("none")), E("SINTERCARD", "0", k("c1")),
                    E("SINTERCARD", "x", k("c1")), E("SINTERCARD", "-1", k("c1")), E("SINTERCARD", "3", k("c1"), k("c2")),
                    E("SINTERCARD", "1", k("c1"), "LIMIT", "-1"), E("SINTERCARD", "1", k("c1"), "LIMIT", "x"),
                    E("SINTERCARD", "1", k("c1"), "LIMIT"), E("SINTERCARD", "1", k("c1"), "BOGUS", "1")], 16, False),
    ("sscan", [E("DEL", k("sc"), k("sh")), E("SADD", k("sc"), "10", "11", "20", "21"), E("SSCAN", k("sc"), "0"),
               E("SSCAN", k("sc"), "0", "MATCH", "1*"), E("SSCAN", k("sc"), "0", "COUNT", "1"),
               E("SSCAN", k("sc"), "7"), E("SSCAN", k("sc"), "x"), E("SSCAN", k("sc"), "0", "COUNT", "0"),
               E("SSCAN", k("none"), "0"), E("SADD", k("sh"), "only"), E("SSCAN", k("sh"), "0", "COUNT", "100"),
               E("SSCAN", k("sh"), "0", "MATCH", "x*")], 12, False),
    ("resp3 set replies", [E("HELLO", "3"), E("DEL", k("3a"), k("3b")), E("SADD", k("3a"), "1", "2"),
                           E("SADD", k("3b"), "2", "3"), E("SMEMBERS", k("3a")), E("SMEMBERS", k("none")),
                           E("SINTER", k("3a"), k("3b")), E("SINTER", k("3a"), k("none")), E("SUNION", k("3a"), k("3b")),
                           E("SDIFF", k("3a"), k("3b")), E("SMISMEMBER", k("3a"), "1", "9"),
                           E("SRANDMEMBER", k("3a"), "5"), E("SRANDMEMBER", k("none")), E("SRANDMEMBER", k("none"), "2"),
                           E("SPOP", k("none")), E("SPOP", k("none"), "2"), E("SPOP", k("3a"), "0"),
                           E("SPOP", k("3a"), "5"), E("SSCAN", k("3b"), "0"), E("HELLO", "2")], 20, False),
    ("memory usage of sets", [E("DEL", k("mu1"), k("mu2"), k("mu3"), k("mu4")), E("SADD", k("mu1"), "1", "2", "3"),
                              E("MEMORY", "USAGE", k("mu1")), E("SADD", k("mu2"), "1", "100000"),
                              E("MEMORY", "USAGE", k("mu2")), E("SADD", k("mu3"), "-1", "9223372036854775807"),
                              E("MEMORY", "USAGE", k("mu3")),
                              E("SADD", k("mu4"), *["member:%d" % i for i in range(1000)]),
                              E("MEMORY", "USAGE", k("mu4"), "SAMPLES", "0")], 9, False),
    ("digest of sets", [E("DEL", k("dg1"), k("dg2")), E("SADD", k("dg1"), "1", "2", "300000"),
                        E("DEBUG", "DIGEST-VALUE", k("dg1")), E("SADD", k("dg2"), "b", "a", "1"),
                        E("DEBUG", "DIGEST-VALUE", k("dg2"))], 5, False),
]


def random_sequence(seed, n=400, ht=False):
    """Seeded commands over integer sets of one hash tag (intsets: every
    reply is determined), in DB 10; ends with each set's members. With @ht
    (DB 12) a tenth of the members are strings, so sets convert to hash
    tables mid-sequence, and replies whose order is the hash table's are
    left out (the digest still covers the contents)."""
    rnd = random.Random(seed)
    keys = [k("r%d" % i) for i in range(4)]
    reqs = [E("SELECT", "12" if ht else "10"), E("FLUSHDB")]

    def mem():
        if ht and rnd.random() < 0.1:
            return "s%d" % rnd.randint(0, 9)
        return str(rnd.randint(-20, 40))
    for _ in range(n):
        a, b = rnd.sample(keys, 2)
        op = rnd.randrange(16)
        if op < 4:
            reqs.append(E("SADD", a, *[mem() for _ in range(rnd.randint(1, 4))]))
        elif op == 4:
            reqs.append(E("SREM", a, *[mem() for _ in range(rnd.randint(1, 3))]))
        elif op == 5:
            reqs.append(E("SMOVE", a, b, mem()))
        elif op == 6 and ht:
            reqs.append(E("SINTERCARD", "3", a, b, rnd.choice(keys)))
        elif op == 6:
            reqs.append(E(rnd.choice(["SINTER", "SUNION", "SDIFF"]), a, b, *rnd.sample(keys, rnd.randint(0, 2))))
        elif op == 7:
            reqs.append(E(rnd.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), a, b,
                          *rnd.sample(keys, rnd.randint(1, 2))))
        elif op == 8:
            reqs.append(E("SINTERCARD", "2", a, b, "LIMIT", str(rnd.randint(0, 5))))
        elif op == 9:
            reqs.append(E("SCARD" if ht else rnd.choice(["SMEMBERS", "SCARD"]), a))
        elif op == 10:
            reqs.append(E("SISMEMBER", a, mem()))
        elif op == 11:
            reqs.append(E("SMISMEMBER", a, mem(), mem(), mem()))
        elif op == 12 and not ht:
            reqs.append(E("SSCAN", a, "0", "MATCH", "*1*"))
        elif op == 13 and not ht:
            reqs.append(E("SRANDMEMBER", a, "100"))
        elif op == 14 and not ht:
            reqs.append(E("SPOP", a, "100"))
        elif op in (12, 13, 14):
            reqs.append(E("SRANDMEMBER", a, "0"))
        else:
            reqs.append(E("SCARD", a))
    if ht:
        reqs += [E("OBJECT", "ENCODING", x) for x in keys] + [E("SCARD", x) for x in keys]
    else:
        reqs += [E("SMEMBERS", x) for x in keys]
    return reqs + [E("SELECT", "0")]


def random_sequence_ht(seed):
    return random_sequence(seed, ht=True)


for _ht in (False, True):
    _seq = random_sequence(int(os.environ.get("HS_SEED", "1")), ht=_ht)
    CASES.append(("set random sequence%s seed %s" % (" (hashtable)" if _ht else "",
                                                     os.environ.get("HS_SEED", "1")),
                  [b"".join(_seq)], len(_seq), False))
