#!/usr/bin/python3
"""Differential cases for the sorted set commands (issue #5 item 4, without
BZPOPMIN/BZPOPMAX/BZMPOP), in oracle_compare.py's CASES format: ZADD
options, float edge cases (inf, -0, 1e-320, hex, overflow, NaN results),
the ZRANGE family, pops, ZRANDMEMBER's deterministic forms, ZSCAN of small
sets, ZUNION/ZINTER/ZDIFF and their STORE forms, encodings at the
zset-max-listpack-* bounds, wrong types and arity, in RESP2 and RESP3;
then seeded random sequences ending with DEBUG DIGEST-VALUE of each key.
Keys carry "it:z:"; multi-key commands use one {hash tag} (one worker)."""
import random

from resp_client import encode as E


def seq(*cmds):
    return [E(*c.split(" ")) for c in cmds]


def case(name, *cmds, resp3=False):
    chunks = ([E("HELLO", "3")] if resp3 else []) + seq(*cmds)
    return (name, chunks, len(chunks), False)


CASES = [
    case("zset zadd options", "DEL it:z:a", "ZADD it:z:a 1 a 2 b 3 c", "ZADD it:z:a NX 10 a 4 d",
         "ZADD it:z:a XX 10 a 5 e", "ZADD it:z:a CH 11 a 4 d 6 f", "ZADD it:z:a GT CH 1 a 20 b",
         "ZADD it:z:a LT CH 1 a 30 c", "ZADD it:z:a INCR 5 a", "ZADD it:z:a INCR NX 5 a",
         "ZADD it:z:a INCR XX 5 new", "ZADD it:z:none XX 1 a", "ZADD it:z:a", "ZADD it:z:a NX 1",
         "ZADD it:z:a INCR 1 a 2 b", "ZADD it:z:a NX XX 1 a", "ZADD it:z:a GT LT 1 a", "ZADD it:z:a 1 a x b",
         "ZRANGE it:z:a 0 -1 WITHSCORES"),
    case("zset floats", "DEL it:z:f", "ZADD it:z:f abc a", "ZADD it:z:f 1e400 a", "ZADD it:z:f 1e-400 a",
         "ZADD it:z:f nan a", "ZADD it:z:f 0x10 hex", "ZADD it:z:f inf i -inf ni +inf pi", "ZADD it:z:f 1e-320 t",
         "ZINCRBY it:z:f -inf i", "ZADD it:z:f INCR -inf i", "ZINCRBY it:z:f x a", "ZINCRBY it:z:f 0.1 a",
         "ZINCRBY it:z:f 0.2 a", "ZADD it:z:f -0.0 nz", "ZSCORE it:z:f nz", "ZINCRBY it:z:f -0.0 nz2",
         "ZADD it:z:f 1.1 f1 123456789012345678 big", "ZSCORE it:z:f big", "ZMSCORE it:z:f f1 nope t",
         "ZRANGE it:z:f 0 -1 WITHSCORES", "ZSCAN it:z:f 0", "DEBUG DIGEST-VALUE it:z:f"),
    case("zset floats resp3", "DEL it:z:g", "ZADD it:z:g 1 a 2.5 b inf c -inf d", "ZSCORE it:z:g b",
         "ZSCORE it:z:g c", "ZSCORE it:z:g x", "ZMSCORE it:z:g a x d", "ZINCRBY it:z:g 1 a",
         "ZADD it:z:g XX INCR 1 new", "ZRANGE it:z:g 0 -1 WITHSCORES", "ZRANGEBYSCORE it:z:g -inf +inf WITHSCORES",
         "ZPOPMIN it:z:g", "ZPOPMIN it:z:g 1", "ZPOPMAX it:z:g 5", "ZPOPMIN it:z:none",
         "ZMPOP 1 it:z:none MIN", "ZRANK it:z:g x", "ZRANDMEMBER it:z:none", "ZADD it:z:g 1 a 2 b",
         "ZRANDMEMBER it:z:g 5 WITHSCORES", "ZUNION 1 it:z:g WITHSCORES", "ZSCAN it:z:g 0", resp3=True),
    case("zset wrongtype and arity", "SET it:z:s v", "ZADD it:z:s 1 a", "ZINCRBY it:z:s 1 a", "ZSCORE it:z:s a",
         "ZMSCORE it:z:s a", "ZCARD it:z:s", "ZREM it:z:s a", "ZRANK it:z:s a", "ZRANGE it:z:s 0 1",
         "ZSCAN it:z:s 0", "ZCOUNT it:z:s 0 1", "ZLEXCOUNT it:z:s - +", "ZPOPMIN it:z:s", "ZRANDMEMBER it:z:s",
         "ZREMRANGEBYRANK it:z:s 0 1", "ZUNION 1 it:z:s", "LPUSH it:z:a x", "TYPE it:z:a",
         "OBJECT ENCODING it:z:a", "ZADD", "ZADD it:z:a", "ZINCRBY it:z:a 1", "ZRANGE it:z:a 0",
         "ZSCORE it:z:a", "ZRANK it:z:a", "ZPOPMIN", "ZMPOP 1", "ZUNIONSTORE d 1", "ZINTERCARD 1"),
    case("zset counts and removals", "DEL it:z:r it:z:l", "ZADD it:z:r 1 a 2 b 3 c 4 d 5 e",
         "ZREM it:z:r a x", "ZRANK it:z:r b", "ZREVRANK it:z:r b", "ZRANK it:z:r x", "ZCOUNT it:z:r (2 4",
         "ZCOUNT it:z:r x 1", "ZCOUNT it:z:r 1 nan", "ZCOUNT it:z:r ( 5", "ZADD it:z:l 0 a 0 b 0 c 0 d 0 e",
         "ZLEXCOUNT it:z:l [b (d", "ZLEXCOUNT it:z:l + -", "ZLEXCOUNT it:z:l a b", "ZLEXCOUNT it:z:l [b +x",
         "ZREMRANGEBYRANK it:z:r 0 0", "ZREMRANGEBYRANK it:z:r -1 -1", "ZREMRANGEBYRANK it:z:r x 1",
         "ZREMRANGEBYSCORE it:z:r 3 3", "ZREMRANGEBYSCORE it:z:r (1 x", "ZREMRANGEBYLEX it:z:l [a [b",
         "ZREMRANGEBYLEX it:z:l x y", "ZRANGE it:z:l 0 -1", "ZREMRANGEBYSCORE it:z:r -inf +inf", "EXISTS it:z:r"),
    case("zset ranges", "DEL it:z:q it:z:ql", "ZADD it:z:q 1 a 2 b 3 c 4 d 5 e 5 f", "ZRANGE it:z:q -2 -1",
         "ZRANGE it:z:q 0 1 REV WITHSCORES", "ZRANGE it:z:q (1 (3 BYSCORE WITHSCORES", "ZRANGE it:z:q 3 1 BYSCORE REV",
         "ZRANGE it:z:q -inf +inf BYSCORE LIMIT 1 2", "ZRANGE it:z:q +inf -inf BYSCORE REV LIMIT 1 2 WITHSCORES",
         "ZRANGE it:z:q -inf +inf BYSCORE LIMIT -1 2", "ZRANGE it:z:q -inf +inf BYSCORE LIMIT 1 -1",
         "ZRANGE it:z:q 0 -1 LIMIT 0 1", "ZRANGE it:z:q [a [c BYLEX WITHSCORES", "ZRANGE it:z:q 0 -1 REV REV",
         "ZRANGE it:z:q 0 -1 BYSCORE BYLEX", "ZREVRANGE it:z:q 0 1 WITHSCORES", "ZRANGEBYSCORE it:z:q 0 10 REV",
         "ZRANGEBYSCORE it:z:q (5 5", "ZRANGEBYSCORE it:z:q 1e400 +inf", "ZREVRANGEBYSCORE it:z:q 4 2",
         "ZADD it:z:ql 0 a 0 b 0 c 0 d", "ZRANGEBYLEX it:z:ql [b (d", "ZRANGEBYLEX it:z:ql - + LIMIT 1 2",
         "ZREVRANGEBYLEX it:z:ql + -", "ZRANGEBYLEX it:z:ql [a [c WITHSCORES", "ZRANGE it:z:none 0 -1"),
    case("zset pops and rand", "DEL {it:z}p {it:z}q", "ZADD {it:z}p 1 a 2 b 3 c 4 d", "ZPOPMIN {it:z}p",
         "ZPOPMAX {it:z}p", "ZPOPMIN {it:z}p 0", "ZPOPMIN {it:z}p -1", "ZPOPMIN {it:z}p 1 2",
         "ZPOPMIN {it:z}none 2", "ZADD {it:z}p 1 a 4 d", "ZPOPMAX {it:z}p 10", "ZADD {it:z}p 1 a 2 b 3 c",
         "ZMPOP 2 {it:z}q {it:z}p MAX COUNT 2", "ZMPOP 1 {it:z}p MIN COUNT 0", "ZMPOP 0 {it:z}p MIN",
         "ZMPOP 2 {it:z}p MIN", "ZMPOP 1 {it:z}p MID", "ZMPOP 1 {it:z}p MIN", "ZMPOP 1 {it:z}p MIN",
         "ZADD {it:z}p 1 a 2 b 3 c", "ZRANDMEMBER {it:z}p 0", "ZRANDMEMBER {it:z}p 5 WITHSCORES",
         "ZRANDMEMBER {it:z}p 3", "ZRANDMEMBER {it:z}p x", "ZRANDMEMBER {it:z}p -9223372036854775808",
         "ZRANDMEMBER {it:z}p 5 WITHSCORES x", "ZRANDMEMBER {it:z}none 3"),
    case("zset scan", "DEL it:z:sc", "ZADD it:z:sc 1 a 1.5 d 2 b 3 c", "ZSCAN it:z:sc 0",
         "ZSCAN it:z:sc 0 MATCH a*", "ZSCAN it:z:sc 0 COUNT 0", "ZSCAN it:z:sc x", "ZSCAN it:z:sc -1",
         "ZSCAN it:z:sc 0 TYPE string", "ZSCAN it:z:none 0",
         "ZADD it:z:sc 1e300 e -inf f -0.0 h 4503599627370496 i 123456789012345678 j", "ZSCAN it:z:sc 0"),
    case("zset set operations", "DEL {it:z}a {it:z}b {it:z}d", "ZADD {it:z}a 1 a 2 b 3 c",
         "ZADD {it:z}b 10 b 20 c 30 d", "ZUNION 2 {it:z}a {it:z}b WITHSCORES",
         "ZUNION 2 {it:z}a {it:z}b WEIGHTS 2 0.5 AGGREGATE MAX WITHSCORES",
         "ZINTER 2 {it:z}a {it:z}b WEIGHTS 1 -1 WITHSCORES", "ZDIFF 2 {it:z}a {it:z}b WITHSCORES",
         "ZUNIONSTORE {it:z}d 2 {it:z}a {it:z}b", "ZRANGE {it:z}d 0 -1 WITHSCORES", "OBJECT ENCODING {it:z}d",
         "ZINTERSTORE {it:z}d 2 {it:z}a {it:z}none", "EXISTS {it:z}d", "ZDIFFSTORE {it:z}d 1 {it:z}a",
         "ZINTERCARD 2 {it:z}a {it:z}b", "ZINTERCARD 2 {it:z}a {it:z}b LIMIT 1", "ZINTERCARD 0 {it:z}a",
         "ZINTERCARD 1 {it:z}a LIMIT -1", "ZUNION 0 {it:z}a", "ZUNION x {it:z}a", "ZUNION 3 {it:z}a",
         "ZUNION 1 {it:z}a WEIGHTS x", "ZUNION 1 {it:z}a AGGREGATE foo", "ZDIFF 1 {it:z}a WEIGHTS 1",
         "ZUNIONSTORE {it:z}d 1 {it:z}a WITHSCORES", "ZADD {it:z}i inf x", "ZADD {it:z}j -inf x",
         "ZUNION 2 {it:z}i {it:z}j WITHSCORES", "ZUNION 1 {it:z}i WEIGHTS 0 WITHSCORES",
         "ZINTER 2 {it:z}i {it:z}j WEIGHTS 1 0 WITHSCORES", "ZRANGESTORE {it:z}d {it:z}b 0 1",
         "ZRANGE {it:z}d 0 -1 WITHSCORES", "ZRANGESTORE {it:z}d {it:z}b 10 20", "EXISTS {it:z}d"),
    case("zset encodings", "DEL it:z:e it:z:v it:z:w", "CONFIG SET zset-max-listpack-entries 3",
         "ZADD it:z:e 1 a 2 b 3 c", "OBJECT ENCODING it:z:e", "ZADD it:z:e 4 d", "OBJECT ENCODING it:z:e",
         "ZREM it:z:e a b c", "OBJECT ENCODING it:z:e", "CONFIG SET zset-max-listpack-entries 128",
         "CONFIG SET zset-max-listpack-value 4", "ZADD it:z:v 1 abcd", "OBJECT ENCODING it:z:v",
         "ZADD it:z:v 2 abcde", "OBJECT ENCODING it:z:v", "ZADD it:z:w 1 abcde", "OBJECT ENCODING it:z:w",
         "CONFIG SET zset-max-ziplist-value 64", "CONFIG GET zset-max-ziplist-entries",
         "CONFIG GET zset-max-listpack-value", "CONFIG SET zset-max-listpack-entries -1",
         "CONFIG SET zset-max-ziplist-value x", "DEBUG DIGEST-VALUE it:z:e", "DEBUG DIGEST-VALUE it:z:v"),
]


def random_case(seed, n):
    """A seeded random sequence over the sorted set commands; multi-key
    commands use keys of one {hash tag}; lex commands a key of equal scores."""
    rnd = random.Random(seed)
    keys = ["{it:zr}0", "{it:zr}1", "{it:zr}2", "{it:zr}s"]
    single = ["it:z:r%d" % i for i in range(3)]
    members = ["a", "b", "c", "d", "e", "f", "10", "-3", "long-" + "m" * 70]
    scores = ["0", "1", "-1", "2.5", "1e10", "-0.5", "inf", "-inf", "7"]
    cmds = [("DEL",) + tuple(keys), ("SET", "{it:zr}s", "str")] + [("DEL", k) for k in single + ["it:z:lx"]]

    def k():
        return rnd.choice(keys + single)

    def b():
        v = rnd.choice(scores + ["+inf"])
        return "(" + v if rnd.random() < 0.3 else v

    def lb():
        c = rnd.choice(["-", "+", "[", "("])
        return c if c in "-+" else c + rnd.choice(members)
    for _ in range(n):
        op = rnd.randrange(16)
        if op < 3:
            c = ("ZADD", k()) + tuple(rnd.choice([[], ["NX"], ["XX"], ["CH"], ["GT"], ["LT", "CH"]]))
            for _ in range(rnd.randint(1, 3)):
                c += (rnd.choice(scores), rnd.choice(members))
            cmds.append(c)
        elif op == 3:
            cmds.append(("ZINCRBY", k(), rnd.choice(scores), rnd.choice(members)))
        elif op == 4:
            cmds.append(("ZREM", k(), rnd.choice(members)))
        elif op == 5:
            cmds.append(("ZRANGE", k(), str(rnd.randint(-5, 5)), str(rnd.randint(-5, 5)), "WITHSCORES"))
        elif op == 6:
            cmds.append(("ZRANGEBYSCORE", k(), b(), b(), "WITHSCORES", "LIMIT", str(rnd.randint(0, 2)),
                         str(rnd.randint(-1, 3))))
        elif op == 7:
            cmds.append((rnd.choice(["ZCOUNT", "ZREMRANGEBYSCORE"]), k(), b(), b()))
        elif op == 8:
            cmds.append((rnd.choice(["ZRANK", "ZREVRANK", "ZSCORE"]), k(), rnd.choice(members)))
        elif op == 9:
            cmds.append((rnd.choice(["ZPOPMIN", "ZPOPMAX"]), k(), str(rnd.randint(0, 3))))
        elif op == 10:
            cmds.append(("ZADD", "it:z:lx", "0", rnd.choice(members)))
        elif op == 11:
            cmds.append((rnd.choice(["ZRANGEBYLEX", "ZLEXCOUNT", "ZREVRANGEBYLEX"]), "it:z:lx", lb(), lb()))
        elif op == 12:
            ks = rnd.sample(keys, rnd.randint(1, 3))
            c = (rnd.choice(["ZUNIONSTORE", "ZINTERSTORE"]), rnd.choice(keys), str(len(ks))) + tuple(ks)
            if rnd.random() < 0.5:
                c += ("WEIGHTS",) + tuple(rnd.choice(["1", "2", "-1", "0.5"]) for _ in ks)
            if rnd.random() < 0.5:
                c += ("AGGREGATE", rnd.choice(["SUM", "MIN", "MAX"]))
            cmds.append(c)
        elif op == 13:
            ks = rnd.sample(keys, rnd.randint(1, 3))
            cmds.append((rnd.choice(["ZUNION", "ZINTER", "ZDIFF"]), str(len(ks))) + tuple(ks) + ("WITHSCORES",))
        elif op == 14:
            ks = rnd.sample(keys, rnd.randint(1, 2))
            cmds.append(("ZMPOP", str(len(ks))) + tuple(ks) + (rnd.choice(["MIN", "MAX"]), "COUNT", "2"))
        else:
            cmds.append(("ZCARD", k()))
    cmds += [("OBJECT", "ENCODING", key) for key in keys + single]
    cmds += [("DEBUG", "DIGEST-VALUE", key) for key in keys + single + ["it:z:lx"]]
    return [b"".join(E(*c) for c in cmds)], len(cmds)


for _seed in (3, 2024):
    _chunks, _n = random_case(_seed, 1500)
    CASES.append(("zset random seed %d" % _seed, _chunks, _n, False))

# Plain sets as sources count with score 1 (intset and hash-table sets).
CASES.append(("zset ops with set sources", [
    E("DEL", "{zs}a", "{zs}b", "{zs}c", "{zs}d"),
    E("ZADD", "{zs}a", "1", "x", "2", "y", "3", "7"),
    E("SADD", "{zs}b", "y", "z", "w"),
    E("SADD", "{zs}c", "7", "8", "9"),
    E("ZUNION", "3", "{zs}a", "{zs}b", "{zs}c", "WITHSCORES"),
    E("ZINTER", "2", "{zs}a", "{zs}b", "WEIGHTS", "2", "5", "WITHSCORES"),
    E("ZINTER", "2", "{zs}c", "{zs}a", "AGGREGATE", "MAX", "WITHSCORES"),
    E("ZDIFF", "2", "{zs}b", "{zs}a", "WITHSCORES"),
    E("ZINTERCARD", "2", "{zs}a", "{zs}c"),
    E("ZUNIONSTORE", "{zs}d", "2", "{zs}b", "{zs}c", "WEIGHTS", "3", "-1"),
    E("ZRANGE", "{zs}d", "0", "-1", "WITHSCORES"),
    E("OBJECT", "ENCODING", "{zs}d"),
    E("HSET", "{zs}h", "f", "v"),
    E("ZUNION", "2", "{zs}a", "{zs}h"),
    E("DEL", "{zs}a", "{zs}b", "{zs}c", "{zs}d", "{zs}h"),
], 15, False))
