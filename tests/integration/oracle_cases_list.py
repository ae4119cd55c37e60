#!/usr/bin/python3
"""Differential cases for the list commands (issue #5 item 1, without the
blocking ones), in oracle_compare.py's CASES format: hand-written edge
cases in RESP2 and RESP3 (wrong types, arity, out-of-range indexes, counts,
LPOS options, moves), then seeded random sequences over every list
command ending with DEBUG DIGEST-VALUE of each key, which must equal the
stock server's. (DEBUG DIGEST of the whole dataset is not combined across
workers by the dispatcher yet: the unit tests compare it, on one shard,
after the same kind of sequence; see tests/unit/cmd/cases_list.py.)
Keys carry the "it:l:" prefix; keys of a move share a {hash tag} so they
live on one worker (oracle_cases_xshard.py replays these cases with the
tags taken off, so that keys spread over the workers)."""
import random

from resp_client import encode as E


def seq(*cmds):
    return [E(*c.split(" ")) for c in cmds]


CASES = [
    ("list push pop", seq("DEL it:l:a", "LPUSH it:l:a a b c", "RPUSH it:l:a d e", "LRANGE it:l:a 0 -1",
                          "LPUSHX it:l:a x", "RPUSHX it:l:a y", "LPUSHX it:l:none x", "LPOP it:l:a",
                          "RPOP it:l:a", "LPOP it:l:a 2", "RPOP it:l:a 2", "LPOP it:l:a 0",
                          "LPOP it:l:a -1", "LPOP it:l:a x", "LPOP it:l:a 1 2", "RPOP it:l:a 9",
                          "EXISTS it:l:a", "LPOP it:l:a", "LPOP it:l:a 3", "LPUSH it:l:a"), 20, False),
    ("list resp3", [E("HELLO", "3")] + seq("LPOP it:l:none", "LPOP it:l:none 2", "RPOP it:l:none",
                                           "LMPOP 1 it:l:none left", "LINDEX it:l:none 0",
                                           "LPOS it:l:none a", "LPOS it:l:none a COUNT 0",
                                           "RPUSH it:l:r3 a b", "LPOP it:l:r3 0", "LINDEX it:l:r3 7",
                                           "LPOS it:l:r3 z", "LMPOP 1 it:l:r3 right COUNT 5",
                                           "RPOPLPUSH it:l:r3 it:l:r3"), 14, False),
    ("list wrongtype", seq("SET it:l:s v", "LPUSH it:l:s a", "RPUSHX it:l:s a", "LPOP it:l:s",
                           "RPOP it:l:s 2", "LLEN it:l:s", "LRANGE it:l:s 0 -1", "LINDEX it:l:s 0",
                           "LSET it:l:s 0 x", "LINSERT it:l:s BEFORE a b", "LREM it:l:s 0 a",
                           "LTRIM it:l:s 0 1", "LPOS it:l:s a", "LMPOP 1 it:l:s LEFT", "TYPE it:l:s",
                           "RPUSH it:l:t x", "TYPE it:l:t", "OBJECT ENCODING it:l:t", "GET it:l:t",
                           "INCR it:l:t", "APPEND it:l:t x"), 21, False),
    ("list arity", seq("LPUSH", "LPUSH it:l:a", "RPUSHX it:l:a", "LPOP", "LLEN", "LRANGE it:l:a 0",
                       "LINDEX it:l:a", "LSET it:l:a 0", "LINSERT it:l:a BEFORE x", "LREM it:l:a 0",
                       "LTRIM it:l:a 0", "LPOS it:l:a", "LMOVE a b LEFT", "RPOPLPUSH a", "LMPOP 1",
                       "LMPOP 1 a"), 16, False),
    ("list ranges", seq("DEL it:l:g", "RPUSH it:l:g a b c d e f", "LRANGE it:l:g -3 -1",
                        "LRANGE it:l:g -100 100", "LRANGE it:l:g 5 2", "LRANGE it:l:g 6 10",
                        "LRANGE it:l:g a 1", "LRANGE it:l:none x 1", "LINDEX it:l:g -1",
                        "LINDEX it:l:g 6", "LINDEX it:l:g -7", "LINDEX it:l:g x", "LINDEX it:l:none x",
                        "LINDEX it:l:g 9223372036854775807", "LINDEX it:l:g -9223372036854775808",
                        "LRANGE it:l:g 0 9223372036854775807", "LRANGE it:l:g -9223372036854775808 1",
                        "LRANGE it:l:g 9223372036854775808 1"), 18, False),
    ("list changes", seq("DEL it:l:c", "RPUSH it:l:c a b c b a", "LSET it:l:c 0 A", "LSET it:l:c -1 Z",
                         "LSET it:l:c 5 x", "LSET it:l:c x y", "LSET it:l:none 0 x",
                         "LINSERT it:l:c BEFORE b B", "LINSERT it:l:c AFTER b X", "LINSERT it:l:c before nope x",
                         "LINSERT it:l:c middle b x", "LINSERT it:l:none before a x",
                         "LRANGE it:l:c 0 -1", "LREM it:l:c 0 b", "LREM it:l:c -1 a", "LREM it:l:c x a",
                         "LRANGE it:l:c 0 -1", "LTRIM it:l:c 1 -2", "LRANGE it:l:c 0 -1",
                         "LTRIM it:l:c 5 10", "EXISTS it:l:c", "LTRIM it:l:none 0 1", "LTRIM it:l:c a 1"),
     23, False),
    ("list lpos", seq("DEL it:l:p", "RPUSH it:l:p a b c 1 2 3 c c", "LPOS it:l:p c", "LPOS it:l:p c RANK 2",
                      "LPOS it:l:p c RANK -1", "LPOS it:l:p c RANK -3", "LPOS it:l:p c RANK 4",
                      "LPOS it:l:p c COUNT 0", "LPOS it:l:p c COUNT 2", "LPOS it:l:p c RANK -1 COUNT 0",
                      "LPOS it:l:p c COUNT 0 MAXLEN 3", "LPOS it:l:p c MAXLEN 2", "LPOS it:l:p c RANK 0",
                      "LPOS it:l:p c COUNT -1", "LPOS it:l:p c MAXLEN -1", "LPOS it:l:p c RANK x",
                      "LPOS it:l:p c BOGUS 1", "LPOS it:l:p c RANK", "LPOS it:l:p c RANK 10 COUNT 2",
                      "LPOS it:l:none a COUNT 1"), 20, False),
    ("list moves", seq("DEL {it:l}a {it:l}b", "RPUSH {it:l}a 1 2 3", "LMOVE {it:l}a {it:l}b LEFT RIGHT",
                       "LMOVE {it:l}a {it:l}b right left", "LMOVE {it:l}a {it:l}a LEFT RIGHT",
                       "RPOPLPUSH {it:l}a {it:l}b", "EXISTS {it:l}a", "LRANGE {it:l}b 0 -1",
                       "RPOPLPUSH {it:l}a {it:l}b", "LMOVE {it:l}b {it:l}c UP LEFT",
                       "SET {it:l}s v", "LMOVE {it:l}b {it:l}s LEFT LEFT", "RPOPLPUSH {it:l}s {it:l}b",
                       "LMPOP 2 {it:l}a {it:l}b LEFT", "LMPOP 2 {it:l}a {it:l}b RIGHT COUNT 9",
                       "LMPOP 2 {it:l}a {it:l}b LEFT", "LMPOP 0 {it:l}a LEFT", "LMPOP x {it:l}a LEFT",
                       "LMPOP 1 {it:l}a MIDDLE", "LMPOP 1 {it:l}a LEFT COUNT 0", "LMPOP 3 {it:l}a LEFT",
                       "LMPOP 2 {it:l}s {it:l}a LEFT", "LMPOP 1 {it:l}a LEFT COUNT 1 COUNT 1"), 23, False),
    ("list big and encodings", [E("DEL", "it:l:big")] +
     [E("RPUSH", "it:l:big", *["e%d-%s" % (i, "x" * (i % 90)) for i in range(j, j + 100)])
      for j in range(0, 1000, 100)] +
     seq("LLEN it:l:big", "OBJECT ENCODING it:l:big", "LINDEX it:l:big 500", "LRANGE it:l:big 495 505",
         "LINSERT it:l:big AFTER e500-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx new",
         "LRANGE it:l:big 499 503", "LREM it:l:big 0 new", "LTRIM it:l:big 100 -100", "LLEN it:l:big",
         "LPOS it:l:big e700-xxxxxxxxxx", "DEBUG DIGEST-VALUE it:l:big", "DEL it:l:big"), 23, False),
    ("list config", seq("CONFIG GET list-max-listpack-size", "CONFIG GET list-max-ziplist-size",
                        "CONFIG GET list-compress-depth", "CONFIG SET list-max-listpack-size 4",
                        "CONFIG GET list-max-ziplist-size", "DEL it:l:cf", "RPUSH it:l:cf 1 2 3 4 5 6 7 8 9",
                        "OBJECT ENCODING it:l:cf", "LRANGE it:l:cf 2 6", "CONFIG SET list-max-ziplist-size -2",
                        "CONFIG SET list-max-listpack-size x", "CONFIG SET list-compress-depth -1",
                        "CONFIG GET list-max-listpack-size", "DEBUG DIGEST-VALUE it:l:cf"), 14, False),
]


def random_case(seed, n):
    """A seeded random sequence over the list commands, on keys of both
    workers; moves stay inside one {hash tag}."""
    rnd = random.Random(seed)
    plain = ["it:l:r%d" % i for i in range(4)]
    tagged = ["{it:lr}%d" % i for i in range(3)]
    keys = plain + tagged + ["it:l:rs"]
    vals = ["a", "b", "c", "1", "2", "-3", "10000000000", "", "long-" + "v" * 40]
    cmds = [("SET", "it:l:rs", "str")]

    def k():
        return rnd.choice(keys)

    def v():
        return rnd.choice(vals)

    def i():
        return str(rnd.randint(-8, 8))
    for _ in range(n):
        op = rnd.randrange(17)
        if op == 0:
            cmds.append((rnd.choice(["LPUSH", "RPUSH"]), k()) + tuple(v() for _ in range(rnd.randint(1, 4))))
        elif op == 1:
            cmds.append((rnd.choice(["LPUSHX", "RPUSHX"]), k(), v()))
        elif op == 2:
            c = (rnd.choice(["LPOP", "RPOP"]), k())
            cmds.append(c + ((str(rnd.randint(0, 4)),) if rnd.random() < 0.5 else ()))
        elif op == 3:
            cmds.append(("LLEN", k()))
        elif op == 4:
            cmds.append(("LRANGE", k(), i(), i()))
        elif op == 5:
            cmds.append(("LINDEX", k(), i()))
        elif op == 6:
            cmds.append(("LSET", k(), i(), v()))
        elif op == 7:
            cmds.append(("LINSERT", k(), rnd.choice(["BEFORE", "AFTER"]), v(), v()))
        elif op == 8:
            cmds.append(("LREM", k(), i(), v()))
        elif op == 9:
            cmds.append(("LTRIM", k(), i(), i()))
        elif op == 10:
            c = ("LPOS", k(), v())
            if rnd.random() < 0.5:
                c += ("RANK", rnd.choice(["1", "2", "-1", "-2"]))
            if rnd.random() < 0.5:
                c += ("COUNT", str(rnd.randint(0, 3)))
            if rnd.random() < 0.3:
                c += ("MAXLEN", str(rnd.randint(0, 5)))
            cmds.append(c)
        elif op in (11, 12):
            cmds.append(("LMOVE", rnd.choice(tagged), rnd.choice(tagged),
                         rnd.choice(["LEFT", "RIGHT"]), rnd.choice(["LEFT", "RIGHT"])))
        elif op == 13:
            cmds.append(("RPOPLPUSH", rnd.choice(tagged), rnd.choice(tagged)))
        elif op == 14:
            ks = rnd.sample(tagged, rnd.randint(1, 3))
            c = ("LMPOP", str(len(ks))) + tuple(ks) + (rnd.choice(["LEFT", "RIGHT"]),)
            cmds.append(c + (("COUNT", str(rnd.randint(1, 4))) if rnd.random() < 0.5 else ()))
        elif op == 15:
            cmds.append(("LRANGE", k(), "0", "-1"))
        else:
            cmds.append(("TYPE", k()))
    cmds += [("DEBUG", "DIGEST-VALUE", key) for key in keys]
    return [b"".join(E(*c) for c in cmds)], len(cmds)


for _seed in (5, 1789):
    _chunks, _n = random_case(_seed, 1500)
    CASES.append(("list random seed %d" % _seed, _chunks, _n, False))
