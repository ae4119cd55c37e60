"""List command lines for capture_cases.py (stock_cases_list.inc)."""

PUSH_POP = [
    "lpush l a b c", "rpush l d e", "lrange l 0 -1", "llen l", "lpushx l x", "rpushx l y",
    "lpushx none x", "rpushx none x", "exists none", "lpop l", "rpop l", "lpop l 2", "rpop l 2",
    "lrange l 0 -1", "lpop l 0", "lpop l -1", "lpop l x", "lpop l 1 2", "rpop l 10", "exists l",
    "lpop l", "lpop l 0", "lpop l 3", "rpop l", "rpop l 3", "lpush", "lpush l", "rpush l",
    "set s v", "lpush s a", "rpush s a", "lpushx s a", "lpop s", "rpop s 2", "llen s", "lrange s 0 1",
    "type s", "rpush l 1 2 3", "type l", "object encoding l", "lpush l 9223372036854775807 -1 0",
    "lrange l 0 -1", "rpop l 4", "del l",
]

READS = [
    "rpush l a b c d e f", "lrange l 0 -1", "lrange l -3 -1", "lrange l -100 100", "lrange l 5 2",
    "lrange l 6 10", "lrange l -1 -2", "lrange l 0 0", "lrange l a 1", "lrange l 0 b",
    "lrange none 0 -1", "lrange none x 1", "lindex l 0", "lindex l -1", "lindex l 5", "lindex l 6",
    "lindex l -7", "lindex l x", "lindex none x", "lindex none 0", "llen none", "llen l",
    "set s v", "lindex s 0", "lrange s 0 1", "llen s", "lrange s x 1", "lindex s x",
    "lindex l 9223372036854775807", "lindex l -9223372036854775808", "llen", "lindex l",
    "lrange l 0",
]

CHANGES = [
    "rpush l a b c b a", "lset l 0 A", "lset l -1 Z", "lset l 5 x", "lset l -6 x", "lset l x y",
    "lset none 0 x", "lrange l 0 -1", "linsert l before b B", "linsert l after b AFTER",
    "linsert l before none x", "linsert l middle b x", "linsert none before a x", "lrange l 0 -1",
    "lrem l 0 b", "lrange l 0 -1", "rpush l x y x z x", "lrem l 1 x", "lrem l -1 x", "lrange l 0 -1",
    "lrem l 0 nothing", "lrem l x a", "lrem none 1 a", "lrem l -100 x", "lrange l 0 -1",
    "ltrim l 1 -2", "lrange l 0 -1", "ltrim l 0 0", "lrange l 0 -1", "ltrim l 5 10", "exists l",
    "ltrim none 0 1", "ltrim l a 1", "rpush l 1 2 3 4 5", "ltrim l -2 -1", "lrange l 0 -1",
    "ltrim l 1 0", "exists l", "set s v", "lset s 0 x", "linsert s before a b", "lrem s 0 a",
    "ltrim s 0 1", "lrem s x a", "ltrim s x 1", "rpush m a", "lrem m 1 a", "exists m",
    "rpush m a b", "linsert m after b c", "linsert m before a 0", "lrange m 0 -1",
    "lset m 1 a-much-longer-element-than-before-to-change-the-size", "lrange m 0 -1",
    "lset m 1 x", "lrange m 0 -1",
]

LPOS = [
    "rpush l a b c 1 2 3 c c", "lpos l c", "lpos l c rank 2", "lpos l c rank -1", "lpos l c rank -3",
    "lpos l c rank 4", "lpos l c count 0", "lpos l c count 2", "lpos l c rank 2 count 0",
    "lpos l c rank -1 count 0", "lpos l c count 0 maxlen 3", "lpos l c maxlen 3", "lpos l c maxlen 2",
    "lpos l x", "lpos l x count 0", "lpos none a", "lpos none a count 1", "lpos l c rank 0",
    "lpos l c count -1", "lpos l c maxlen -1", "lpos l c rank x", "lpos l c bogus 1",
    "lpos l c rank", "lpos l c rank 10 count 2", "lpos l 1 rank -1 maxlen 7", "set s v",
    "lpos s a", "lpos s a rank 0", "lpos none a rank 0", "lpos l c RANK 1 COUNT 1 MAXLEN 0",
]

MOVE = [
    "rpush {t}a 1 2 3", "lmove {t}a {t}b left right", "lmove {t}a {t}b right left",
    "lrange {t}a 0 -1", "lrange {t}b 0 -1", "lmove {t}a {t}a left right", "lrange {t}a 0 -1",
    "lmove {t}a {t}a right left", "lrange {t}a 0 -1", "rpoplpush {t}a {t}b", "lrange {t}b 0 -1",
    "exists {t}a", "rpoplpush {t}a {t}b", "lmove {t}none {t}b left left",
    "lmove {t}b {t}c up left", "lmove {t}b {t}c left down", "set {t}s v",
    "lmove {t}b {t}s left left", "lmove {t}s {t}b left left", "rpoplpush {t}b {t}s",
    "rpoplpush {t}s {t}b", "lrange {t}b 0 -1", "rpush {t}one x", "lmove {t}one {t}one left left",
    "lrange {t}one 0 -1", "rpoplpush {t}one {t}one", "lrange {t}one 0 -1",
    "lmove {t}one {t}n2 left left", "exists {t}one", "lrange {t}n2 0 -1", "lmove {t}a {t}b",
    "rpoplpush {t}a",
]

MPOP = [
    "rpush {t}b 1 2 3 4 5", "lmpop 2 {t}a {t}b left", "lmpop 2 {t}a {t}b right count 2",
    "lmpop 1 {t}b left count 10", "exists {t}b", "lmpop 2 {t}a {t}b left", "lmpop 0 {t}a left",
    "lmpop -1 {t}a left", "lmpop x {t}a left", "lmpop 1 {t}a middle", "lmpop 1 {t}a left count 0",
    "lmpop 1 {t}a left count -1", "lmpop 1 {t}a left count x", "lmpop 1 {t}a left count 1 count 2",
    "lmpop 1 {t}a left extra", "lmpop 3 {t}a left", "lmpop 2 {t}a {t}b", "lmpop 1",
    "set {t}s v", "lmpop 2 {t}a {t}s left", "rpush {t}a q", "lmpop 2 {t}a {t}s left",
    "lmpop 2 {t}s {t}a left", "lmpop 1 {t}a LEFT COUNT 1",
]

RESP3 = [
    "lpop none", "lpop none 2", "rpop none", "lmpop 1 none left", "lindex none 0", "lpos none a",
    "lpos none a count 0", "lmove none {none}b left left", "rpoplpush none none",
    "rpush l a b", "lpop l 0", "lindex l 9", "lpos l z", "lpop l 5", "lrange none 0 -1",
]

DIGEST = [
    "rpush l a b 1 2 -3 100000000000 x", "debug digest-value l", "lpush l2 zz", "debug digest-value l2",
    "rpush l3 ", "debug digest-value l3 none", "pexpire l 100000", "debug digest-value l",
]

TABLES = [
    ("list_push_pop_cases", 2, PUSH_POP),
    ("list_read_cases", 2, READS),
    ("list_change_cases", 2, CHANGES),
    ("list_lpos_cases", 2, LPOS),
    ("list_move_cases", 2, MOVE),
    ("list_mpop_cases", 2, MPOP),
    ("list_resp3_cases", 3, RESP3),
    ("list_digest_cases", 2, DIGEST),
]


def random_lines(seed, n):
    """A seeded random sequence over every list command, ending with the
    digest of each key and DEBUG DIGEST of the dataset."""
    import random
    rnd = random.Random(seed)
    keys = ["l0", "l1", "l2", "l3", "s"]
    vals = ["a", "b", "c", "1", "2", "-3", "10000000000", "long-" + "v" * 40]
    out = ["set s str"]

    def k():
        return rnd.choice(keys)

    def v():
        return rnd.choice(vals)

    def i():
        return str(rnd.randint(-8, 8))
    for _ in range(n):
        op = rnd.randrange(15)
        if op == 0:
            out.append("%s %s %s" % (rnd.choice(["lpush", "rpush"]), k(),
                                     " ".join(v() for _ in range(rnd.randint(1, 4)))))
        elif op == 1:
            out.append("%s %s %s" % (rnd.choice(["lpushx", "rpushx"]), k(), v()))
        elif op == 2:
            out.append("%s %s%s" % (rnd.choice(["lpop", "rpop"]), k(),
                                    " %d" % rnd.randint(0, 4) if rnd.random() < 0.5 else ""))
        elif op == 3:
            out.append("lrange %s %s %s" % (k(), i(), i()))
        elif op == 4:
            out.append("lindex %s %s" % (k(), i()))
        elif op == 5:
            out.append("lset %s %s %s" % (k(), i(), v()))
        elif op == 6:
            out.append("linsert %s %s %s %s" % (k(), rnd.choice(["before", "after"]), v(), v()))
        elif op == 7:
            out.append("lrem %s %s %s" % (k(), i(), v()))
        elif op == 8:
            out.append("ltrim %s %s %s" % (k(), i(), i()))
        elif op == 9:
            out.append("lpos %s %s rank %s count %d" % (k(), v(), rnd.choice(["1", "-1", "2"]),
                                                       rnd.randint(0, 3)))
        elif op == 10:
            out.append("lmove %s %s %s %s" % (k(), k(), rnd.choice(["left", "right"]),
                                              rnd.choice(["left", "right"])))
        elif op == 11:
            out.append("rpoplpush %s %s" % (k(), k()))
        elif op == 12:
            ks = rnd.sample(keys, rnd.randint(1, 3))
            out.append("lmpop %d %s %s count %d" % (len(ks), " ".join(ks), rnd.choice(["left", "right"]),
                                                   rnd.randint(1, 3)))
        elif op == 13:
            out.append("llen %s" % k())
        else:
            out.append("pexpire %s 100000000" % k())
    out += ["debug digest-value %s" % key for key in keys] + ["debug digest"]
    return out


TABLES += [("list_random_cases_%d" % s, 2, random_lines(s, 600)) for s in (11, 4242)]

# Every string, bitmap and generic command on a list and on a sorted set:
# WRONGTYPE where stock says so, never a string view of a collection.
CROSS_TYPE = ["rpush l a b", "zadd z 1 a"]
for key in ("l", "z"):
    CROSS_TYPE += [c % key for c in [
        "get %s", "set %s v get", "getset %s v2", "getdel %s", "getex %s", "append %s x", "strlen %s",
        "setrange %s 0 x", "getrange %s 0 1", "substr %s 0 1", "incr %s", "decrby %s 2",
        "incrbyfloat %s 1.5", "setbit %s 1 1", "getbit %s 1", "bitcount %s", "bitpos %s 1",
        "bitfield %s get u8 0", "bitfield_ro %s get u8 0", "mget %s", "setnx %s v", "msetnx %s v",
        "type %s", "exists %s", "ttl %s", "expire %s 100", "ttl %s", "persist %s", "object encoding %s",
        "object refcount %s", "touch %s", "llen %s", "zcard %s", "lpush %s x", "zadd %s 1 x",
        "lrange %s 0 -1", "zrange %s 0 -1", "debug digest-value %s", "del %s", "exists %s"]]
CROSS_TYPE += ["rpush l a", "set l v", "get l", "zadd z 1 a", "set z v ex 100", "get z", "ttl z"]
TABLES.append(("coll_cross_type_cases", 2, CROSS_TYPE))

# COMMAND GETKEYS of commands whose keys follow a numkeys argument.
GETKEYS = ["command getkeys lmpop 2 a b left", "command getkeys zunionstore d 2 a b weights 1 2",
           "command getkeys zunion 1 a", "command getkeys lmpop 0 a left", "command getkeys lmpop 5 a left",
           "command getkeys zunionstore d 5 a", "command getkeys lmove a b left right",
           "command getkeys zrangestore d s 0 1", "command getkeys zintercard 2 a b limit 1",
           "command getkeys zmpop 1 a min", "command getkeys lmpop 3 a b left", "command getkeys lmpop x a left"]
TABLES.append(("coll_getkeys_cases", 2, GETKEYS))
