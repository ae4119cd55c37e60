#!/usr/bin/python3
"""Differential cases for multi-key and whole-keyspace commands (issue #4):
MGET/MSET spread over every worker (the dispatcher splits them and puts the
replies back in request order), MSETNX on one worker via a hash tag,
KEYS and FLUSHDB over every shard. KEYS is asked only for patterns with at
most one match: its order is unspecified in Redis too.
Keys carry the "it:m:" prefix; FLUSHDB runs in DB 5 only."""
from resp_client import encode as E

KEYS8 = ["it:m:%d" % i for i in range(8)]

CASES = [
    ("mget across workers", [E("MSET", *[x for k in KEYS8 for x in (k, "v" + k[-1])]),
                             E("MGET", "it:m:0", "it:m:none", *KEYS8[1:], "it:m:none2"),
                             E("MGET", "it:m:none")], 3, False),
    ("mset errors", [E("MSET", "it:m:a", "1", "it:m:b"), E("MSET", "it:m:a"), E("MGET", "it:m:a", "it:m:b"),
                     E("MGET")], 4, False),
    ("mget wrong type is nil", [E("SET", "it:m:s", "x"), E("MGET", "it:m:s", "it:m:0")], 2, False),
    ("msetnx one worker", [E("MSETNX", "{it:m}a", "1", "{it:m}b", "2"),
                           E("MSETNX", "{it:m}b", "3", "{it:m}c", "4"),
                           E("MGET", "{it:m}a", "{it:m}b", "{it:m}c"),
                           E("MSETNX", "{it:m}x", "1", "{it:m}y")], 4, False),
    ("keys and flushdb", [E("SELECT", "5"), E("FLUSHDB"), E("MSET", "it:m:k1", "v", "it:m:k2", "w"),
                          E("KEYS", "it:m:k1"), E("KEYS", "nomatch*"), E("KEYS", "it:m:k[2]"),
                          E("DBSIZE"), E("FLUSHDB", "ASYNC"), E("DBSIZE"), E("FLUSHDB", "BAD"),
                          E("FLUSHDB", "SYNC", "x"), E("KEYS"), E("SELECT", "0")], 13, False),
]
