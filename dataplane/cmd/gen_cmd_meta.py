#!/usr/bin/env python3
"""Generate cmd_meta.c: COMMAND INFO and COMMAND DOCS data for Redwire's commands.

Redwire must answer COMMAND INFO/DOCS byte for byte as stock redis-server
7.0.15 does (flags, ACL categories, tips, key specs, subcommands, argument
trees, history). Rather than retype that tree by hand, this script asks a
running stock server for each implemented command in RESP3 and emits the
reply fragments as C string literals, one RESP line per source line.
Subcommands are sorted by name (stock's order is random per process).
cmd_command.c writes them as-is for RESP3 clients and transcodes maps and
sets to arrays for RESP2 (the only difference between the two encodings
in these replies).

Usage: gen_cmd_meta.py PORT > cmd_meta.c   (against redis-server 7.0.15)
       gen_cmd_meta.py PORT GROUP > cmd_meta_GROUP.c   (a family kept in its own
       file, GROUPS below: the families are built in parallel)
Re-run when a command joins the table; the unit test checks that every
table entry has matching metadata.
"""
import socket
import sys

COMMANDS = ["append", "auth", "bitcount", "bitfield", "bitfield_ro", "bitpos", "client", "command",
            "config", "copy", "dbsize", "debug", "decr", "decrby", "del", "discard", "dump", "echo", "exec", "exists", "expire",
            "expireat", "expiretime", "flushall", "flushdb", "get", "getbit", "getdel", "getex",
            "getrange", "getset", "hdel", "hello", "hexists", "hget", "hgetall", "hincrby",
            "hincrbyfloat", "hkeys", "hlen", "hmget", "hmset", "hrandfield", "hscan", "hset",
            "hsetnx", "hstrlen", "hvals", "incr", "incrby", "incrbyfloat", "info", "keys",
            "lastsave", "memory", "mget", "move", "mset", "msetnx", "multi", "object", "persist", "pexpire",
            "pexpireat", "pexpiretime", "ping", "psetex", "pttl", "quit", "randomkey", "rename", "renamenx", "reset", "restore", "sadd", "scan", "scard", "sdiff", "sdiffstore", "select", "set",
            "setbit", "setex", "setnx", "setrange", "shutdown", "sinter", "sintercard", "sinterstore", "sismember", "smembers",
            "smismember", "smove", "spop", "srandmember", "srem", "sscan", "strlen", "substr",
            "sunion", "sunionstore", "time",
            "touch", "ttl", "type", "unlink", "unwatch", "watch"]

# Command families generated into their own cmd_meta_<group>.c.
GROUPS = {
    "swapdb": ["swapdb"],
    "block": ["blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax", "bzpopmin"],
    "pubsub": ["psubscribe", "publish", "pubsub", "punsubscribe", "spublish", "ssubscribe",
               "subscribe", "sunsubscribe", "unsubscribe"],
    "list": ["lindex", "linsert", "llen", "lmove", "lmpop", "lpop", "lpos", "lpush", "lpushx",
             "lrange", "lrem", "lset", "ltrim", "rpop", "rpoplpush", "rpush", "rpushx"],
    "snap": ["bgrewriteaof", "bgsave", "save"],
    "srv": ["bitop", "lcs", "latency", "monitor", "slowlog"],
    "acl": ["acl"],
    "zset": ["zadd", "zcard", "zcount", "zdiff", "zdiffstore", "zincrby", "zinter", "zintercard", "zinterstore", "zlexcount", "zmpop", "zmscore", "zpopmax", "zpopmin", "zrandmember", "zrange", "zrangebylex", "zrangebyscore", "zrangestore", "zrank", "zrem", "zremrangebylex", "zremrangebyrank", "zremrangebyscore", "zrevrange", "zrevrangebylex", "zrevrangebyscore", "zrevrank", "zscan", "zscore", "zunion", "zunionstore"],
}


def enc(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        i = self.buf.index(b"\r\n")
        ln, self.buf = self.buf[: i + 2], self.buf[i + 2:]
        return ln

    def take(self, n):
        while len(self.buf) < n:
            self.buf += self.s.recv(65536)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def value(self):
        """Read one RESP3 value; return its raw bytes."""
        ln = self.line()
        t, n = ln[:1], ln[1:-2]
        if t in b"$=!":
            return ln + self.take(int(n) + 2) if int(n) >= 0 else ln
        if t in b"*~>":
            return ln + b"".join(self.value() for _ in range(max(int(n), 0)))
        if t == b"%":
            return ln + b"".join(self.value() for _ in range(2 * int(n)))
        return ln

    def cmd(self, *args):
        self.s.sendall(enc(list(args)))
        return self.value()


def split_values(raw, count):
    """Split @raw into its first @count RESP3 values (raw bytes each) and the rest."""
    out, pos = [], 0
    for _ in range(count):
        end = skip(raw, pos)
        out.append(raw[pos:end])
        pos = end
    return out, raw[pos:]


def skip(raw, pos):
    eol = raw.index(b"\r\n", pos)
    t = raw[pos:pos + 1]
    n = int(raw[pos + 1:eol]) if t in b"$=!*~>%" else 0
    nxt = eol + 2
    if t in b"$=!":
        return nxt + n + 2 if n >= 0 else nxt
    if t in b"*~>%":
        for _ in range(n * 2 if t == b"%" else max(n, 0)):
            nxt = skip(raw, nxt)
    return nxt


def bulk_text(v):
    """The payload of a raw bulk string value."""
    return v[v.index(b"\r\n") + 2:-2]


def sort_info_subcommands(info):
    """Stock lists subcommands in its dict's order, which is seeded at random
    per process, so no order is canonical: emit them sorted by name."""
    head = info[:info.index(b"\r\n") + 2]
    elems, _ = split_values(info[len(head):], 10)
    subs = elems[9]
    shead = subs[:subs.index(b"\r\n") + 2]
    n = int(shead[1:-2])
    items, _ = split_values(subs[len(shead):], n)
    items.sort(key=lambda v: bulk_text(split_values(v[v.index(b"\r\n") + 2:], 1)[0][0]))
    elems[9] = shead + b"".join(items)
    return head + b"".join(elems)


def sort_docs_subcommands(docs):
    """As sort_info_subcommands(), for the "subcommands" map of COMMAND DOCS."""
    head = docs[:docs.index(b"\r\n") + 2]
    n = int(head[1:-2])
    kv, _ = split_values(docs[len(head):], 2 * n)
    for i in range(0, len(kv), 2):
        if kv[i] == b"$11\r\nsubcommands\r\n":
            sub = kv[i + 1]
            shead = sub[:sub.index(b"\r\n") + 2]
            m = int(shead[1:-2])
            pairs, _ = split_values(sub[len(shead):], 2 * m)
            pairs = sorted(zip(pairs[0::2], pairs[1::2]), key=lambda kv_: bulk_text(kv_[0]))
            kv[i + 1] = shead + b"".join(k + v for k, v in pairs)
    return head + b"".join(kv)


def to_resp2(raw):
    """RESP3 -> RESP2 for these replies: maps and sets become arrays, null is $-1."""
    out, pos = b"", 0
    while pos < len(raw):
        eol = raw.index(b"\r\n", pos)
        t, n = raw[pos:pos + 1], raw[pos + 1:eol]
        if t == b"%":
            out += b"*%d\r\n" % (2 * int(n))
        elif t == b"~":
            out += b"*" + n + b"\r\n"
        elif t == b"_":
            out += b"$-1\r\n"
        elif t == b"$":
            end = eol + 2 + int(n) + 2
            out += raw[pos:end]
            pos = end
            continue
        else:
            out += raw[pos:eol + 2]
        pos = eol + 2
    return out


def c_literal(raw):
    """One C string literal per RESP line; bulk payloads stay on their line."""
    out = []
    for ln in raw.split(b"\r\n")[:-1]:
        s = ln.decode().replace("\\", "\\\\").replace('"', '\\"')
        out.append('\t"%s\\r\\n"' % s)
    return "\n".join(out)


def main():
    c = Conn(int(sys.argv[1]))
    c.cmd("HELLO", "3")
    print("/*\n * COMMAND INFO / COMMAND DOCS data, generated by gen_cmd_meta.py from")
    print(" * redis-server 7.0.15 in RESP3. Do not edit: re-run the script.\n */")
    print('#include "cmd_int.h"\n')
    for name in GROUPS[sys.argv[2]] if len(sys.argv) > 2 else COMMANDS:
        info = c.cmd("COMMAND", "INFO", name)
        assert info.startswith(b"*1\r\n*10\r\n"), info[:40]
        info = sort_info_subcommands(info[len(b"*1\r\n"):])
        docs = c.cmd("COMMAND", "DOCS", name)
        head = b"%%1\r\n$%d\r\n%s\r\n" % (len(name), name.encode())
        assert docs.startswith(head), docs[:40]
        docs = sort_docs_subcommands(docs[len(head):])
        print("const char cmd_meta_info_%s[] =\n%s;\n" % (name, c_literal(info)))
        print("const char cmd_meta_docs_%s[] =\n%s;\n" % (name, c_literal(docs)))


if __name__ == "__main__":
    main()
