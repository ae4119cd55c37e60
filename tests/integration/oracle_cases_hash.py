#!/usr/bin/python3
"""Differential cases for the hash commands (issue #5 item 2) in
oracle_compare.py's CASES format: (name, [request chunks], number of
replies, expect_close). Both servers get the same requests; replies must be
byte-identical, in RESP2 and RESP3.

Iteration order is part of the reply (HKEYS, HGETALL, HSCAN), so cases that
print a whole hash keep it listpack-encoded (insertion order, as Redis);
hashtable-encoded hashes are printed only when they hold one field.
Random replies (HRANDFIELD) are compared where they are determined: count
0, count >= size, a one-field hash, a missing key, the errors.

The seeded random sequence at the end (HS_SEED, default 1) drives every
write command over a few keys that share a hash tag (one worker), checks
each reply, and ends with the keys' whole contents; test_oracle_hs_digest.sh
replays it on one worker and compares DEBUG DIGEST (a two-worker DEBUG
DIGEST covers only the connection's worker for now).
Keys carry the "it:h:" prefix."""
import os
import random

from resp_client import encode as E

LP = "hash-max-listpack-entries"
LV = "hash-max-listpack-value"


def cfg(entries, value):
    return [E("CONFIG", "SET", LP, str(entries)), E("CONFIG", "SET", LV, str(value))]


RESET = cfg(512, 64)
# A CONFIG SET runs on the connection's worker as soon as it arrives, while
# earlier commands of the same connection may still wait on the worker that
# owns their keys; so a case never changes a threshold after keyed commands:
# the reset back to the defaults is a case of its own, sent once every
# reply of the case before has come back.
RESET_CASE = ("reset hash thresholds", RESET, 2, False)

CASES = [
    ("hset hget basics", [E("DEL", "it:h:a"), E("HSET", "it:h:a", "f1", "v1", "f2", "v2"),
                          E("HSET", "it:h:a", "f1", "x", "f3", "v3"), E("HGET", "it:h:a", "f1"),
                          E("HGET", "it:h:a", "nope"), E("HGET", "it:h:none", "f"),
                          E("HGETALL", "it:h:a"), E("HKEYS", "it:h:a"), E("HVALS", "it:h:a"),
                          E("HLEN", "it:h:a"), E("HLEN", "it:h:none"), E("TYPE", "it:h:a"),
                          E("OBJECT", "ENCODING", "it:h:a")], 13, False),
    ("hset arity", [E("HSET", "it:h:b"), E("HSET", "it:h:b", "f"), E("HSET", "it:h:b", "f", "v", "g"),
                    E("HMSET", "it:h:b", "f", "v", "g"), E("HMSET", "it:h:b", "f"),
                    E("HGET", "it:h:b"), E("HSETNX", "it:h:b", "f"), E("HDEL", "it:h:b"),
                    E("HLEN"), E("HSTRLEN", "it:h:b"), E("HINCRBY", "it:h:b", "f"),
                    E("HRANDFIELD"), E("HSCAN", "it:h:b"), E("EXISTS", "it:h:b")], 14, False),
    ("hmset hmget", [E("DEL", "it:h:c"), E("HMSET", "it:h:c", "a", "1", "b", "2"),
                     E("HMGET", "it:h:c", "a", "zz", "b"), E("HMGET", "it:h:none", "a", "b"),
                     E("HSETNX", "it:h:c", "a", "9"), E("HSETNX", "it:h:c", "n", "9"),
                     E("HSETNX", "it:h:new", "n", "9"), E("HGETALL", "it:h:c"),
                     E("HGETALL", "it:h:new"), E("DEL", "it:h:new")], 10, False),
    ("hdel deletes the key", [E("DEL", "it:h:d"), E("HSET", "it:h:d", "a", "1", "b", "2", "c", "3"),
                              E("HDEL", "it:h:d", "b", "zz", "b"), E("HGETALL", "it:h:d"),
                              E("HDEL", "it:h:d", "a", "c", "a"), E("EXISTS", "it:h:d"),
                              E("HDEL", "it:h:d", "a"), E("TYPE", "it:h:d")], 8, False),
    ("hexists hstrlen", [E("DEL", "it:h:e"), E("HSET", "it:h:e", "a", "hello", "n", "-12345"),
                         E("HEXISTS", "it:h:e", "a"), E("HEXISTS", "it:h:e", "b"),
                         E("HEXISTS", "it:h:none", "a"), E("HSTRLEN", "it:h:e", "a"),
                         E("HSTRLEN", "it:h:e", "n"), E("HSTRLEN", "it:h:e", "zz"),
                         E("HSTRLEN", "it:h:none", "a")], 9, False),
    ("hincrby", [E("DEL", "it:h:i"), E("HINCRBY", "it:h:i", "n", "5"), E("HINCRBY", "it:h:i", "n", "-10"),
                 E("HINCRBY", "it:h:i", "n", "x"), E("HINCRBY", "it:h:i", "n", "1.5"),
                 E("HSET", "it:h:i", "s", "abc", "z", "007", "big", "9223372036854775807"),
                 E("HINCRBY", "it:h:i", "s", "1"), E("HINCRBY", "it:h:i", "z", "1"),
                 E("HINCRBY", "it:h:i", "big", "1"), E("HINCRBY", "it:h:i", "big", "0"),
                 E("HSET", "it:h:i", "small", "-9223372036854775808"),
                 E("HINCRBY", "it:h:i", "small", "-1"), E("HINCRBY", "it:h:i", "small", "9223372036854775807"),
                 E("HINCRBY", "it:h:i", "n", "99999999999999999999"), E("HGETALL", "it:h:i")], 15, False),
    ("hincrbyfloat", [E("DEL", "it:h:f"), E("HINCRBYFLOAT", "it:h:f", "x", "10.5"),
                      E("HINCRBYFLOAT", "it:h:f", "x", "0.1"), E("HINCRBYFLOAT", "it:h:f", "x", "-5"),
                      E("HINCRBYFLOAT", "it:h:f", "x", "5.0e3"), E("HINCRBYFLOAT", "it:h:f", "x", "abc"),
                      E("HINCRBYFLOAT", "it:h:f", "x", "inf"), E("HINCRBYFLOAT", "it:h:f", "x", "-inf"),
                      E("HINCRBYFLOAT", "it:h:f", "x", "nan"), E("HINCRBYFLOAT", "it:h:f", "x", " 1"),
                      E("HSET", "it:h:f", "s", "abc", "n", "3"), E("HINCRBYFLOAT", "it:h:f", "s", "1"),
                      E("HINCRBYFLOAT", "it:h:f", "n", "0"), E("HINCRBYFLOAT", "it:h:f", "n", "-3.0"),
                      E("HINCRBYFLOAT", "it:h:f", "m", "1.7976931348623157e308"),
                      E("HINCRBYFLOAT", "it:h:f", "m", "1.7976931348623157e308"),
                      E("HINCRBYFLOAT", "it:h:f", "y", "1e100"), E("OBJECT", "ENCODING", "it:h:f"),
                      E("HGET", "it:h:f", "y")], 19, False),
    ("wrongtype", [E("SET", "it:h:str", "v"), E("HSET", "it:h:str", "f", "v"), E("HSETNX", "it:h:str", "f", "v"),
                   E("HMSET", "it:h:str", "f", "v"), E("HGET", "it:h:str", "f"), E("HMGET", "it:h:str", "f"),
                   E("HDEL", "it:h:str", "f"), E("HEXISTS", "it:h:str", "f"), E("HLEN", "it:h:str"),
                   E("HSTRLEN", "it:h:str", "f"), E("HKEYS", "it:h:str"), E("HVALS", "it:h:str"),
                   E("HGETALL", "it:h:str"), E("HINCRBY", "it:h:str", "f", "1"),
                   E("HINCRBYFLOAT", "it:h:str", "f", "1"), E("HRANDFIELD", "it:h:str"),
                   E("HRANDFIELD", "it:h:str", "2"), E("HSCAN", "it:h:str", "0"),
                   E("HSET", "it:h:hh", "f", "v"), E("GET", "it:h:hh"), E("APPEND", "it:h:hh", "x"),
                   E("INCR", "it:h:hh"), E("STRLEN", "it:h:hh"), E("SETRANGE", "it:h:hh", "0", "x"),
                   E("GETRANGE", "it:h:hh", "0", "1"), E("BITCOUNT", "it:h:hh"), E("GETSET", "it:h:hh", "x"),
                   E("SET", "it:h:hh", "plain"), E("TYPE", "it:h:hh"), E("HINCRBY", "it:h:str", "f", "x"),
                   E("HSCAN", "it:h:str", "x")], 31, False),
    ("hrandfield determined", [E("DEL", "it:h:r"), E("HRANDFIELD", "it:h:r"), E("HRANDFIELD", "it:h:r", "3"),
                               E("HRANDFIELD", "it:h:r", "-3", "WITHVALUES"),
                               E("HSET", "it:h:r", "a", "1", "b", "2", "c", "3"),
                               E("HRANDFIELD", "it:h:r", "0"), E("HRANDFIELD", "it:h:r", "3"),
                               E("HRANDFIELD", "it:h:r", "100", "withvalues"),
                               E("HRANDFIELD", "it:h:r", "1", "x"), E("HRANDFIELD", "it:h:r", "1", "withvalues", "x"),
                               E("HRANDFIELD", "it:h:r", "x"), E("HRANDFIELD", "it:h:r", "-9223372036854775808"),
                               E("HRANDFIELD", "it:h:r", "-4611686018427387904", "withvalues"),
                               E("HRANDFIELD", "it:h:r", "4611686018427387904", "withvalues"),
                               E("HRANDFIELD", "it:h:r", "4611686018427387903"),
                               E("DEL", "it:h:r1"), E("HSET", "it:h:r1", "only", "v"),
                               E("HRANDFIELD", "it:h:r1"), E("HRANDFIELD", "it:h:r1", "-4", "WITHVALUES"),
                               E("HRANDFIELD", "it:h:r1", "1", "WITHVALUES")], 20, False),
    ("hscan listpack", [E("DEL", "it:h:s"), E("HSET", "it:h:s", "aa", "1", "ab", "2", "ba", "3", "bb", "4"),
                        E("HSCAN", "it:h:s", "0"), E("HSCAN", "it:h:s", "0", "MATCH", "a*"),
                        E("HSCAN", "it:h:s", "0", "COUNT", "1"), E("HSCAN", "it:h:s", "0", "match", "*b", "count", "100"),
                        E("HSCAN", "it:h:s", "0", "MATCH", "*"), E("HSCAN", "it:h:s", "5"),
                        E("HSCAN", "it:h:s", "-1"), E("HSCAN", "it:h:s", "+3"),
                        E("HSCAN", "it:h:s", "abc"), E("HSCAN", "it:h:s", " 1"),
                        E("HSCAN", "it:h:s", "18446744073709551616"), E("HSCAN", "it:h:s", "0", "COUNT", "0"),
                        E("HSCAN", "it:h:s", "0", "COUNT", "x"), E("HSCAN", "it:h:s", "0", "MATCH"),
                        E("HSCAN", "it:h:s", "0", "BOGUS", "1"), E("HSCAN", "it:h:none", "0", "BOGUS"),
                        E("HSCAN", "it:h:s", "0", "TYPE", "string")], 19, False),
    ("encoding entries threshold", cfg(4, 64) + [
        E("DEL", "it:h:t"), E("HSET", "it:h:t", "a", "1", "b", "2", "c", "3", "d", "4"),
        E("OBJECT", "ENCODING", "it:h:t"), E("HSET", "it:h:t", "a", "9"), E("OBJECT", "ENCODING", "it:h:t"),
        E("HSET", "it:h:t", "e", "5"), E("OBJECT", "ENCODING", "it:h:t"),
        E("HDEL", "it:h:t", "a", "b", "c", "d"), E("OBJECT", "ENCODING", "it:h:t"), E("HGETALL", "it:h:t"),
        E("HSCAN", "it:h:t", "0", "COUNT", "100")], 13, False),
    RESET_CASE,
    ("encoding value threshold", cfg(512, 8) + [
        E("DEL", "it:h:v", "it:h:v2", "it:h:v3", "it:h:v4"), E("HSET", "it:h:v", "a", "12345678"),
        E("OBJECT", "ENCODING", "it:h:v"), E("HSET", "it:h:v", "a", "123456789"),
        E("OBJECT", "ENCODING", "it:h:v"), E("HSETNX", "it:h:v2", "123456789", "x"),
        E("OBJECT", "ENCODING", "it:h:v2"), E("HINCRBY", "it:h:v3", "f", "123456789"),
        E("OBJECT", "ENCODING", "it:h:v3"), E("HINCRBYFLOAT", "it:h:v4", "f", "1.5"),
        E("OBJECT", "ENCODING", "it:h:v4"), E("HINCRBYFLOAT", "it:h:v4", "f", "1000000.25"),
        E("OBJECT", "ENCODING", "it:h:v4"), E("HGETALL", "it:h:v4")], 16, False),
    RESET_CASE,
    ("encoding zero entries", cfg(0, 64) + [
        E("DEL", "it:h:z"), E("HSET", "it:h:z", "a", "1"), E("OBJECT", "ENCODING", "it:h:z"),
        E("HGETALL", "it:h:z")], 6, False),
    RESET_CASE,
    ("config aliases", [E("CONFIG", "GET", LP), E("CONFIG", "GET", "hash-max-ziplist-entries"),
                        E("CONFIG", "SET", "hash-max-ziplist-entries", "7"), E("CONFIG", "GET", LP),
                        E("CONFIG", "GET", "HASH-MAX-ZIPLIST-VALUE"),
                        E("CONFIG", "SET", "hash-max-ziplist-entries", "3", LP, "4"),
                        E("CONFIG", "GET", "hash-max-ziplist-entries"),
                        E("CONFIG", "SET", LP, "-1"), E("CONFIG", "SET", LP, "abc"),
                        E("CONFIG", "SET", LP, "1", LP, "2"),
                        E("CONFIG", "SET", LV, "9223372036854775808")] + RESET, 13, False),
    ("resp3 hash replies", [E("HELLO", "3"), E("DEL", "it:h:3"), E("HSET", "it:h:3", "a", "1", "b", "2"),
                            E("HGETALL", "it:h:3"), E("HGETALL", "it:h:none"), E("HGET", "it:h:3", "zz"),
                            E("HMGET", "it:h:3", "a", "zz"), E("HKEYS", "it:h:3"),
                            E("HRANDFIELD", "it:h:3", "5", "WITHVALUES"), E("HRANDFIELD", "it:h:none"),
                            E("HRANDFIELD", "it:h:none", "2", "WITHVALUES"), E("HSCAN", "it:h:3", "0"),
                            E("HSCAN", "it:h:none", "0"), E("HINCRBYFLOAT", "it:h:3", "a", "2.5"),
                            E("DEL", "it:h:3r"), E("HSET", "it:h:3r", "a", "1"),
                            E("HRANDFIELD", "it:h:3r", "-2", "WITHVALUES"), E("HELLO", "2")], 18, False),
    ("memory usage of hashes", [E("DEL", "it:h:mu", "it:h:mu2"),
                                E("HSET", "it:h:mu", "a", "1", "b", "hello", "c", "123456", "d", "-70000",
                                  "e", "x" * 63, "007", "99999999999"),
                                E("MEMORY", "USAGE", "it:h:mu"),
                                E("HSET", "it:h:mu2", *[x for i in range(1000) for x in ("field:%d" % i, "value:%d" % i)]),
                                E("MEMORY", "USAGE", "it:h:mu2", "SAMPLES", "0"),
                                E("MEMORY", "USAGE", "it:h:mu2", "SAMPLES", "-1")], 6, False),
    ("digest of hashes", [E("DEL", "it:h:dg", "it:h:dg2"), E("HSET", "it:h:dg", "a", "1", "b", "22", "c", "x" * 80),
                          E("DEBUG", "DIGEST-VALUE", "it:h:dg"), E("HSET", "it:h:dg2", "b", "22", "a", "1"),
                          E("DEBUG", "DIGEST-VALUE", "it:h:dg2"), E("EXPIRE", "it:h:dg2", "1000"),
                          E("DEBUG", "DIGEST-VALUE", "it:h:dg2")], 7, False),
]


def random_sequence(seed, n=400, ht=False):
    """Seeded writes and reads over three hashes sharing a hash tag, in DB 9.
    Kept listpack-encoded, every reply is determined; with @ht the threshold
    is 4 fields (conversions happen mid-sequence, DB 11) and replies whose
    order is the hash table's are left out."""
    rnd = random.Random(seed)
    keys = ["{it:hr}k%d" % i for i in range(3)]
    fields = ["f%d" % i for i in range(12)]
    reqs = [E("SELECT", "11" if ht else "9"), E("FLUSHDB")] + (cfg(4, 64) if ht else [])

    def val():
        return rnd.choice([str(rnd.randint(-1000, 1000)), "v" * rnd.randint(0, 10),
                           "%.2f" % rnd.uniform(-100, 100)])
    for _ in range(n):
        k, f = rnd.choice(keys), rnd.choice(fields)
        op = rnd.randrange(14)
        if op < 3:
            args = [x for _ in range(rnd.randint(1, 3)) for x in (rnd.choice(fields), val())]
            reqs.append(E("HSET", k, *args))
        elif op == 3:
            reqs.append(E("HSETNX", k, f, val()))
        elif op == 4:
            reqs.append(E("HDEL", k, *rnd.sample(fields, rnd.randint(1, 4))))
        elif op == 5:
            reqs.append(E("HINCRBY", k, f, str(rnd.randint(-50, 50))))
        elif op == 6:
            reqs.append(E("HINCRBYFLOAT", k, f, "%.3f" % rnd.uniform(-10, 10)))
        elif op == 7:
            reqs.append(E("HGET", k, f))
        elif op == 8:
            reqs.append(E("HMGET", k, *rnd.sample(fields, 3)))
        elif op == 9 and ht:
            reqs.append(E("HLEN", k))
        elif op == 9:
            reqs.append(E(rnd.choice(["HGETALL", "HKEYS", "HVALS", "HLEN"]), k))
        elif op == 10:
            reqs.append(E(rnd.choice(["HEXISTS", "HSTRLEN"]), k, f))
        elif op == 11 and not ht:
            reqs.append(E("HSCAN", k, "0", "MATCH", "f1*"))
        elif op == 12 and not ht:
            reqs.append(E("HRANDFIELD", k, "50", "WITHVALUES"))
        else:
            reqs.append(E("HMSET", k, f, val()))
    if ht:
        reqs += [E("OBJECT", "ENCODING", k) for k in keys]  # RESET_CASE follows
    else:
        reqs += [E("HGETALL", k) for k in keys]
    return reqs + [E("SELECT", "0")]


# one chunk each: pipelined, so a sequence costs one round trip
for _ht in (False, True):
    _seq = random_sequence(int(os.environ.get("HS_SEED", "1")), ht=_ht)
    CASES.append(("hash random sequence%s seed %s" % (" (hashtable)" if _ht else "",
                                                      os.environ.get("HS_SEED", "1")),
                  [b"".join(_seq)], len(_seq), False))
CASES.append(RESET_CASE)


def random_sequence_ht(seed):
    return random_sequence(seed, ht=True)
