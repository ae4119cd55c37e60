#!/usr/bin/python3
"""Differential cases for RENAME, RENAMENX, COPY (DB, REPLACE) and MOVE of
lists, hashes, sets and sorted sets in every encoding (issue #4 item 2,
issue #5), in oracle_compare.py's CASES format, with the two keys on one
worker and on two (Redwire's key-to-worker map is Redis Cluster's slots
split evenly, so TAG_W0 / TAG_W1 below name keys of worker 0 and 1 when
it runs with two workers; stock Redis is one shard either way). After each
step the destination is read back: TYPE, OBJECT ENCODING (a shrunk hash
table stays one, as Redis moves and dups the object), DEBUG DIGEST-VALUE,
PEXPIRETIME (the expiry travels) and contents in a deterministic order.
Keys carry the "it:rc" prefix."""
from resp_client import encode as E


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def worker_of(tag, workers=2):
    return (crc16(tag.encode()) % 16384) * workers // 16384


def tag_on(w):
    for i in range(100):
        t = "it:rc%d" % i
        if worker_of(t) == w:
            return t
    raise RuntimeError("no tag")


TAG_W0, TAG_W1 = tag_on(0), tag_on(1)
LONG = "x" * 70
AT = "4102444800000"

# (name, build commands for key K, content read)
TYPES = [
    ("list", [("RPUSH", "K", "a", "b", "1", "2", "3")], ("LRANGE", "K", "0", "-1")),
    ("list many nodes", [("RPUSH", "K") + tuple("e%d" % i * 30 for i in range(400))],
     ("LLEN", "K")),
    ("hash listpack", [("HSET", "K", "f", "v", "g", "1")], ("HGETALL", "K")),
    ("hash hashtable", [("HSET", "K", "f", LONG, "g", "1")], ("HMGET", "K", "f", "g", "h")),
    ("hash shrunk hashtable", [("HSET", "K", "f", LONG, "g", "1"), ("HDEL", "K", "f")],
     ("HMGET", "K", "f", "g")),
    ("set intset", [("SADD", "K", "3", "1", "2")], ("SMEMBERS", "K")),
    ("set hashtable", [("SADD", "K", "a", "b", "1")], ("SMISMEMBER", "K", "a", "b", "1", "c")),
    ("set shrunk hashtable", [("SADD", "K", "a", "1", "2"), ("SREM", "K", "a")],
     ("SMISMEMBER", "K", "a", "1", "2")),
    ("zset listpack", [("ZADD", "K", "1", "a", "2.5", "b")], ("ZRANGE", "K", "0", "-1", "WITHSCORES")),
    ("zset skiplist", [("ZADD", "K", "1", LONG, "2", "b")], ("ZRANGE", "K", "0", "-1", "WITHSCORES")),
    ("zset shrunk skiplist", [("ZADD", "K", "1", LONG, "2", "b"), ("ZREM", "K", LONG)],
     ("ZRANGE", "K", "0", "-1", "WITHSCORES")),
]


def sub(cmd, key):
    return E(*[key if a == "K" else a for a in cmd])


def read(key, content):
    return [sub(("TYPE", "K"), key), sub(("OBJECT", "ENCODING", "K"), key),
            sub(("DEBUG", "DIGEST-VALUE", "K"), key), sub(("PEXPIRETIME", "K"), key),
            sub(content, key)]


def build(key, cmds, ttl=True):
    out = [sub(c, key) for c in cmds]
    if ttl:
        out.append(E("PEXPIREAT", key, AT))
    return out


def steps(name, cmds, content, tag_a, tag_b):
    src, dst, dst2 = "{%s}src" % tag_a, "{%s}dst" % tag_b, "{%s}dst2" % tag_b
    src2 = "{%s}src2" % tag_a
    clean = [E("DEL", src, dst, dst2) if tag_a == tag_b else E("DEL", src, src2),
             E("DEL", dst, dst2), E("DEL", src2)]
    r = clean + build(src, cmds)
    r += [E("RENAME", src, dst)] + read(dst, content) + [E("EXISTS", src)]
    r += build(src, cmds, ttl=False)
    r += [E("RENAMENX", src, dst), E("RENAMENX", src, dst2)] + read(dst2, content)
    r += [E("COPY", dst, src2)] + read(src2, content)
    r += [E("COPY", dst, src2), E("COPY", dst2, src2, "REPLACE")] + read(src2, content)
    r += [E("COPY", dst, src2, "DB", "3"), E("SELECT", "3")] + read(src2, content)
    r += [E("DEL", src2), E("SELECT", "0")]
    r += [E("RENAME", dst2, dst)] + read(dst, content)
    r += [E("MOVE", dst, "2"), E("SELECT", "2")] + read(dst, content)
    r += [E("MOVE", dst, "0"), E("SELECT", "0")] + read(dst, content)
    r += [E("SELECT", "2")] + build(dst, cmds, ttl=False) + [E("SELECT", "0"), E("MOVE", dst, "2"),
                                                            E("SELECT", "2"), E("DEL", dst),
                                                            E("SELECT", "0")]
    r += clean
    return (name, r, len(r), False)


CASES = []
for _name, _cmds, _content in TYPES:
    CASES.append(steps("rename/copy/move %s, one worker" % _name, _cmds, _content, TAG_W0, TAG_W0))
    CASES.append(steps("rename/copy/move %s, two workers" % _name, _cmds, _content, TAG_W0,
                       TAG_W1))
    CASES.append(steps("rename/copy/move %s, two workers back" % _name, _cmds, _content, TAG_W1,
                       TAG_W0))


def raw_string_case(tag_a, tag_b):
    """A raw string (APPEND's greedy sds, SETRANGE's) renamed to the other
    worker keeps its sds: MEMORY USAGE equals stock's (Redis moves the
    robj); COPY's is a new sds (dupStringObject())."""
    a, b = "{%s}rc:raw" % tag_a, "{%s}rc:raw" % tag_b
    r = [E("DEL", a, b), E("SET", a, "x" * 50), E("APPEND", a, "yy"), E("MEMORY", "USAGE", a),
         E("RENAME", a, b), E("MEMORY", "USAGE", b), E("OBJECT", "ENCODING", b),
         E("COPY", b, a), E("MEMORY", "USAGE", a), E("SETRANGE", a, "80", "q"),
         E("RENAMENX", a, b), E("DEL", b), E("RENAMENX", a, b), E("MEMORY", "USAGE", b),
         E("SET", a, "1"), E("APPEND", a, "2"), E("RENAME", a, b), E("OBJECT", "ENCODING", b),
         E("MEMORY", "USAGE", b), E("DEL", a, b)]
    return ("rename raw string %s -> %s: MEMORY USAGE" % (tag_a, tag_b), r, len(r), False)


CASES.append(raw_string_case(TAG_W0, TAG_W1))
CASES.append(raw_string_case(TAG_W1, TAG_W0))
CASES.append(raw_string_case(TAG_W0, TAG_W0))
