"""Sorted set command lines for capture_cases.py (stock_cases_zset.inc)."""
import random

ADD = [
    "zadd z 1 a 2 b 3 c", "zadd z nx 10 a 4 d", "zadd z xx 10 a 5 e", "zadd z ch 11 a 4 d 6 f",
    "zadd z gt ch 1 a 20 b", "zadd z lt ch 1 a 30 c", "zadd z incr 5 a", "zadd z incr nx 5 a",
    "zadd z incr xx 5 new", "zadd z incr gt -100 a", "zadd z xx 1 new", "zadd none xx 1 a",
    "zadd none xx incr 1 a", "exists none", "zadd z", "zadd z nx", "zadd z nx 1", "zadd z 1",
    "zadd z incr 1 a 2 b", "zadd z nx xx 1 a", "zadd z gt lt 1 a", "zadd z gt nx 1 a", "zadd z lt nx 1 a",
    "zadd z 1 a x b", "zadd z abc a", "zadd z 1e400 a", "zadd z -1e400 a", "zadd z 1e-400 a",
    "zadd z nan a", "zadd z 0x10 hex", "zadd z inf i -inf ni +inf pi infinity q", "zadd z 1e-320 tiny",
    "zincrby z -inf i", "zadd z incr -inf i", "zincrby z x a", "zincrby z 1.5 a", "zincrby z 0.1 new2",
    "zincrby none 2 m", "zrange z 0 -1 withscores", "zcard z", "zcard none", "zadd z -0.0 negz",
    "zscore z negz", "zincrby z -0.0 negz2", "zscore z negz2", "zadd z 1.1 f1 123456789012345678 big",
    "zscore z f1", "zscore z big", "zmscore z a f1 nope", "zmscore none a b", "zscore none a",
    "set s v", "zadd s 1 a", "zincrby s 1 a", "zscore s a", "zmscore s a", "zcard s", "zrem s a",
    "zrank s a", "zrange s 0 1", "zscan s 0", "type z", "object encoding z", "zadd z 1 a 2",
    "zadd z CH NX 100 brandnew", "zadd z INCR 1 zz",
]

REMRANK = [
    "zadd z 1 a 2 b 3 c 4 d 5 e", "zrem z a x", "zrem z", "zrem none a", "zrank z b", "zrevrank z b",
    "zrank z x", "zrank none x", "zrevrank z e", "zcount z -inf +inf", "zcount z (2 4", "zcount z 2 (4",
    "zcount z x 1", "zcount z 1 nan", "zcount none 0 1", "zcount z ( 5", "zcount z 5 1",
    "zadd l 0 a 0 b 0 c 0 d 0 e 0 f", "zlexcount l - +", "zlexcount l [b (d", "zlexcount l (b [d",
    "zlexcount l + -", "zlexcount l a b", "zlexcount l [b", "zlexcount l [b +x", "zlexcount none - +",
    "zremrangebyrank z 0 0", "zremrangebyrank z -1 -1", "zrange z 0 -1", "zremrangebyrank z 5 10",
    "zremrangebyrank z x 1", "zremrangebyrank none 0 1", "zremrangebyscore z 3 3", "zremrangebyscore z (1 x",
    "zrange z 0 -1 withscores", "zremrangebyscore z -inf +inf", "exists z", "zremrangebylex l [a [b",
    "zremrangebylex l (e +", "zremrangebylex l x y", "zrange l 0 -1", "zremrangebylex l - +", "exists l",
    "zadd z 1 a", "zrem z a", "exists z",
]

RANGE = [
    "zadd z 1 a 2 b 3 c 4 d 5 e 5 f", "zrange z 0 -1", "zrange z 0 -1 withscores", "zrange z -2 -1",
    "zrange z 5 1", "zrange z 0 100", "zrange z x 1", "zrange z 0 1 rev", "zrange z 0 1 rev withscores",
    "zrange z (1 3 byscore", "zrange z (1 (3 byscore withscores", "zrange z 3 1 byscore rev",
    "zrange z -inf +inf byscore limit 1 2", "zrange z +inf -inf byscore rev limit 1 2 withscores",
    "zrange z -inf +inf byscore limit -1 2", "zrange z -inf +inf byscore limit 1 -1",
    "zrange z -inf +inf byscore limit 6 1", "zrange z -inf +inf byscore limit 0 0",
    "zrange z 0 -1 limit 0 1", "zrange z [a [c bylex withscores", "zrange z 0 -1 bylex",
    "zrange z x y byscore", "zrange z 0 -1 rev rev", "zrange z 0 -1 byscore bylex", "zrange z 0 -1 bogus",
    "zrange z 0 -1 limit 1", "zrange z 0 -1 byscore limit x 1", "zrange none 0 -1",
    "zrevrange z 0 1 withscores", "zrevrange z 0 -1 rev", "zrevrange z 0 1 limit 0 1",
    "zrangebyscore z 2 4", "zrangebyscore z 2 4 withscores limit 1 1", "zrangebyscore z 0 10 rev",
    "zrangebyscore z 5 5", "zrangebyscore z (5 5", "zrangebyscore z 1e400 +inf", "zrangebyscore z -1e400 1",
    "zrangebyscore z ( 1", "zrangebyscore z 1 (", "zrevrangebyscore z 4 2", "zrevrangebyscore z 2 4",
    "zrevrangebyscore z +inf -inf withscores limit 1 2", "zrangebyscore z 1 2 bylex",
    "zadd l 0 a 0 b 0 c 0 d 0 e", "zrangebylex l - +", "zrangebylex l [b (d", "zrangebylex l (b [d limit 1 5",
    "zrangebylex l + -", "zrangebylex l a b", "zrangebylex l [a [c withscores", "zrevrangebylex l + -",
    "zrevrangebylex l [d [b", "zrevrangebylex l + - limit 1 2", "zrangebylex l [ [", "zrangebylex l ( +",
    "zrangebylex l -x +", "zrangestore dst z 0 1", "zrange dst 0 -1 withscores", "object encoding dst",
    "zrangestore dst z 0 -1 rev", "zrange dst 0 -1 withscores", "zrangestore dst z 0 -1 withscores",
    "zrangestore dst z 10 20", "exists dst", "zrangestore dst l [b [c bylex", "zrange dst 0 -1",
    "zrangestore dst z (1 4 byscore limit 1 1", "zrange dst 0 -1 withscores", "zrangestore z z 0 1",
    "zrange z 0 -1 withscores", "set s v", "zrangestore dst s 0 1", "zrangestore s z 0 -1", "type s",
    "zrangestore dst none 0 1", "exists dst",
]

POP = [
    "zadd z 1 a 2 b 3 c 4 d", "zpopmin z", "zpopmax z", "zpopmin z 0", "zpopmin z -1", "zpopmin z x",
    "zpopmin z 1 2", "zpopmin none", "zpopmin none 2", "zadd z 1 a 4 d", "zpopmax z 10", "exists z",
    "zadd z 1 a 2 b 3 c", "zmpop 1 z min", "zmpop 2 none z max count 5", "zmpop 1 z min",
    "zadd z 1 a 2 b 3 c", "zmpop 1 z min count 0", "zmpop 0 z min", "zmpop 2 z min", "zmpop 1 z mid",
    "zmpop x z min", "zmpop 1 z min count 1 count 2", "zmpop 1 z max extra", "set s v", "zpopmin s",
    "zmpop 2 s z min", "zmpop 2 z s min", "zrandmember none", "zrandmember none 2",
    "zrandmember none 2 withscores", "zrandmember z 0", "zrandmember z 5", "zrandmember z 5 withscores",
    "zrandmember z 5 withscores x", "zrandmember z -2 withscores x", "zrandmember z x",
    "zrandmember z -9223372036854775808", "zrandmember s", "zrandmember z 3 WITHSCORES",
]

SCAN = [
    "zadd z 1 a 1.5 d 2 b 3 c", "zscan z 0", "zscan z 0 match a*", "zscan z 0 count 1",
    "zscan z 0 count 0", "zscan z x", "zscan z -1", "zscan z 0 type string", "zscan z 0 match * count 1 bogus",
    "zscan none 0", "zscan none x", "zadd z 1e300 e -inf f 0 g -0.0 h 4503599627370496 i 123456789012345678 j",
    "zscan z 0", "zscan z 18446744073709551615",
]

RESP3 = [
    "zadd z 1 a 2.5 b inf c", "zscore z b", "zscore z c", "zscore z x", "zmscore z a x c",
    "zincrby z 1 a", "zadd z incr 1 a", "zadd z xx incr 1 new", "zrange z 0 -1 withscores",
    "zrange z 0 -1", "zrangebyscore z -inf +inf withscores limit 0 2", "zpopmin z", "zpopmin z 1",
    "zadd z 1 a", "zpopmax z 2", "zmpop 1 z min", "zmpop 1 none min", "zrank z x", "zrandmember none",
    "zrandmember z 5 withscores", "zadd z 1 a 2 b", "zunion 1 z withscores", "zinter 1 z withscores",
    "zdiff 1 z withscores", "zpopmin none", "zscan z 0",
]

OPS = [
    "zadd {t}a 1 a 2 b 3 c", "zadd {t}b 10 b 20 c 30 d", "zunion 2 {t}a {t}b", "zunion 2 {t}a {t}b withscores",
    "zunion 2 {t}a {t}b weights 2 0.5 withscores", "zunion 2 {t}a {t}b aggregate min withscores",
    "zunion 2 {t}a {t}b aggregate max withscores", "zinter 2 {t}a {t}b withscores",
    "zinter 2 {t}a {t}b weights 1 -1 aggregate sum withscores", "zdiff 2 {t}a {t}b withscores",
    "zdiff 2 {t}b {t}a", "zdiff 1 {t}a withscores", "zunion 3 {t}a {t}none {t}b withscores",
    "zinter 2 {t}a {t}none", "zdiff 2 {t}none {t}a", "zunionstore {t}d 2 {t}a {t}b", "zrange {t}d 0 -1 withscores",
    "object encoding {t}d", "zinterstore {t}d 2 {t}a {t}b weights 2 3", "zrange {t}d 0 -1 withscores",
    "zdiffstore {t}d 2 {t}a {t}b", "zrange {t}d 0 -1 withscores", "zinterstore {t}d 2 {t}a {t}none",
    "exists {t}d", "zintercard 2 {t}a {t}b", "zintercard 2 {t}a {t}b limit 1", "zintercard 1 {t}a limit 0",
    "zintercard 0 {t}a", "zintercard x {t}a", "zintercard 1 {t}a limit -1", "zintercard 1 {t}a limit x",
    "zintercard 2 {t}a", "zintercard 1 {t}a weights 1", "zunion 1 {t}none bogus", "set {t}s v",
    "zunion 1 {t}s bogus", "zunion 0 {t}s", "zunion x {t}s", "zunion -1 {t}s", "zunion 3 {t}s",
    "zunion 1 {t}a weights x", "zunion 1 {t}a weights 1 2", "zunion 1 {t}a weights", "zunion 1 {t}a aggregate foo",
    "zunion 1 {t}a aggregate", "zdiff 1 {t}a weights 1", "zdiff 1 {t}a aggregate sum",
    "zunionstore {t}d 1 {t}a withscores", "zunionstore {t}d 0 {t}a", "zinterstore {t}d x {t}a",
    "zadd {t}i inf x", "zunion 1 {t}i weights 0 withscores", "zadd {t}j -inf x",
    "zunion 2 {t}i {t}j withscores", "zinter 2 {t}i {t}j withscores", "zinter 2 {t}i {t}j weights 1 0 withscores",
    "zunionstore {t}s 1 {t}a", "type {t}s", "zinterstore {t}s 1 {t}none", "exists {t}s",
    "zunion 2 {t}a {t}a withscores", "zinter 2 {t}a {t}a withscores", "zdiff 2 {t}a {t}a",
    "zunionstore {t}a 2 {t}a {t}b", "zrange {t}a 0 -1 withscores",
]

ENC = [
    "config set zset-max-listpack-entries 3", "zadd e 1 a 2 b 3 c", "object encoding e", "zadd e 4 d",
    "object encoding e", "zrem e a b c", "object encoding e", "config set zset-max-listpack-entries 128",
    "config set zset-max-listpack-value 4", "zadd v 1 abcd", "object encoding v", "zadd v 2 abcde",
    "object encoding v", "zadd w 1 abcde", "object encoding w", "config set zset-max-listpack-value 64",
    "config set zset-max-ziplist-entries 0", "zadd x 1 a", "object encoding x", "zrangestore y x 0 -1",
    "object encoding y", "config get zset-max-ziplist-entries", "config get zset-max-listpack-entries",
    "config set zset-max-listpack-entries 128", "zrangestore y x 0 -1", "object encoding y",
    "zunionstore y 1 e", "object encoding y", "config get zset-max-ziplist-value",
    "config set zset-max-listpack-entries -1", "config set zset-max-ziplist-value x",
    "debug digest-value e v w x y",
    "zadd dl 1.1 a -0.0 b 123456789012345678 c inf d -inf e 1e-320 f", "debug digest-value dl",
    "config set zset-max-listpack-entries 0", "zadd ds 1.1 a -0.0 b 123456789012345678 c inf d -inf e",
    "debug digest-value ds", "zscore ds b", "config set zset-max-listpack-entries 128",
]


def random_lines(seed, n, max_entries):
    """A seeded random sequence over the sorted set commands (lex commands
    on a key whose scores are all 0), ending with each key's digest and
    DEBUG DIGEST."""
    rnd = random.Random(seed)
    keys = ["z0", "z1", "z2", "s"]
    members = ["a", "b", "c", "d", "e", "f", "g", "h", "10", "-3", "long-" + "m" * 30]
    scores = ["0", "1", "-1", "2.5", "1e10", "-0.5", "3", "inf", "-inf", "7"]
    out = ["config set zset-max-listpack-entries %d" % max_entries, "set s str"]

    def k():
        return rnd.choice(keys)

    def m():
        return rnd.choice(members)

    def sc():
        return rnd.choice(scores)

    def i():
        return str(rnd.randint(-6, 6))

    def bound():
        b = rnd.choice(scores + ["-inf", "+inf"])
        return ("(" + b) if rnd.random() < 0.3 and b not in ("-inf", "+inf") else b

    def lexb():
        c = rnd.choice(["-", "+", "[", "("])
        return c if c in "-+" else c + m()
    for _ in range(n):
        op = rnd.randrange(22)
        if op < 3:
            flags = rnd.choice(["", "nx ", "xx ", "ch ", "gt ", "lt ", "gt ch ", "xx ch "])
            pairs = " ".join("%s %s" % (sc(), m()) for _ in range(rnd.randint(1, 4)))
            out.append("zadd %s %s%s" % (k(), flags, pairs))
        elif op == 3:
            out.append("zincrby %s %s %s" % (k(), sc(), m()))
        elif op == 4:
            out.append("zrem %s %s %s" % (k(), m(), m()))
        elif op == 5:
            out.append("zrange %s %s %s%s" % (k(), i(), i(), rnd.choice(["", " withscores", " rev"])))
        elif op == 6:
            out.append("zrangebyscore %s %s %s withscores limit %d %d" % (k(), bound(), bound(),
                                                                          rnd.randint(0, 3), rnd.randint(-1, 3)))
        elif op == 7:
            out.append("zrevrangebyscore %s %s %s" % (k(), bound(), bound()))
        elif op == 8:
            out.append("zcount %s %s %s" % (k(), bound(), bound()))
        elif op == 9:
            out.append("%s %s" % (rnd.choice(["zrank", "zrevrank", "zscore"]), k()) + " " + m())
        elif op == 10:
            out.append("zmscore %s %s %s" % (k(), m(), m()))
        elif op == 11:
            out.append("%s %s %d" % (rnd.choice(["zpopmin", "zpopmax"]), k(), rnd.randint(0, 3)))
        elif op == 12:
            out.append("zremrangebyrank %s %s %s" % (k(), i(), i()))
        elif op == 13:
            out.append("zremrangebyscore %s %s %s" % (k(), bound(), bound()))
        elif op == 14:
            out.append("zadd lx 0 %s 0 %s" % (m(), m()))
        elif op == 15:
            out.append("%s lx %s %s" % (rnd.choice(["zrangebylex", "zlexcount", "zremrangebylex"]),
                                        lexb(), lexb()))
        elif op == 16:
            out.append("zrevrangebylex lx %s %s limit 0 %d" % (lexb(), lexb(), rnd.randint(1, 4)))
        elif op == 17:
            ks = rnd.sample(keys, rnd.randint(1, 3))
            cmd = rnd.choice(["zunionstore", "zinterstore", "zdiffstore"])
            tail = ""
            if cmd != "zdiffstore" and rnd.random() < 0.5:
                tail = " weights " + " ".join(rnd.choice(["1", "2", "0.5", "-1"]) for _ in ks)
            if cmd != "zdiffstore" and rnd.random() < 0.5:
                tail += " aggregate " + rnd.choice(["sum", "min", "max"])
            out.append("%s %s %d %s%s" % (cmd, k(), len(ks), " ".join(ks), tail))
        elif op == 18:
            ks = rnd.sample(keys, rnd.randint(1, 3))
            out.append("%s %d %s withscores" % (rnd.choice(["zunion", "zinter", "zdiff"]), len(ks), " ".join(ks)))
        elif op == 19:
            out.append("zrangestore %s %s %s %s" % (k(), k(), i(), i()))
        elif op == 20:
            ks = rnd.sample(keys, rnd.randint(1, 3))
            out.append("zmpop %d %s %s count %d" % (len(ks), " ".join(ks), rnd.choice(["min", "max"]),
                                                   rnd.randint(1, 3)))
        else:
            out.append("zcard %s" % k())
    out += ["object encoding %s" % key for key in keys]
    out += ["debug digest-value %s" % key for key in keys + ["lx"]] + ["debug digest"]
    return out


TABLES = [
    ("zset_add_cases", 2, ADD),
    ("zset_rem_rank_count_cases", 2, REMRANK),
    ("zset_range_cases", 2, RANGE),
    ("zset_pop_rand_cases", 2, POP),
    ("zset_scan_cases", 2, SCAN),
    ("zset_resp3_cases", 3, RESP3),
    ("zset_ops_cases", 2, OPS),
    ("zset_encoding_cases", 2, ENC),
    ("zset_random_cases_7", 2, random_lines(7, 600, 128)),
    ("zset_random_cases_99", 2, random_lines(99, 600, 3)),
]
