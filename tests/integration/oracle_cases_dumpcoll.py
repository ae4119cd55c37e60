#!/usr/bin/python3
"""Differential cases for RESTORE of collections (issue #5 item 5), in
oracle_compare.py's CASES format. Stock 7.0 never DUMPs these forms, so
they are built here: ziplist lists, hashes and sorted sets (RDB of Redis
< 7.0), a zipmap hash, plain LIST / SET / HASH / ZSET (text scores)
values, and corrupt blobs with a right CRC ("Bad data format") or a
wrong one ("payload version or checksum are wrong"). After each RESTORE
the value is read back (LRANGE, HGETALL, SMEMBERS, ZRANGE WITHSCORES,
OBJECT ENCODING, DEBUG DIGEST-VALUE). Keys carry the "it:dcc:" prefix."""
import struct

from oracle_cases_dump import payload
from resp_client import encode as E

K = "it:dcc:k"


def s(b):
    """An RDB plain string."""
    if isinstance(b, str):
        b = b.encode()
    assert len(b) < 64
    return bytes([len(b)]) + b


def zl_entry(prev, v):
    """A ziplist entry of a str or int after an entry of prev bytes."""
    head = bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
    if isinstance(v, int):
        if 0 <= v <= 12:
            return head + bytes([0xf1 + v])
        if -128 <= v <= 127:
            return head + b"\xfe" + struct.pack("<b", v)
        if -32768 <= v <= 32767:
            return head + b"\xc0" + struct.pack("<h", v)
        if -(1 << 23) <= v < (1 << 23):
            return head + b"\xf0" + struct.pack("<i", v)[:3]
        if -(1 << 31) <= v < (1 << 31):
            return head + b"\xd0" + struct.pack("<i", v)
        return head + b"\xe0" + struct.pack("<q", v)
    v = v.encode() if isinstance(v, str) else v
    if len(v) < 64:
        return head + bytes([len(v)]) + v
    return head + bytes([0x40 | (len(v) >> 8), len(v) & 0xff]) + v


def ziplist(items):
    body, prev, last = b"", 0, 10
    for v in items:
        last = 10 + len(body)
        e = zl_entry(prev, v)
        prev = len(e)
        body += e
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, last, len(items)) + body + b"\xff"


def blob(b):
    """A blob as an RDB string (plain length)."""
    if len(b) < 64:
        return bytes([len(b)]) + b
    assert len(b) < 16384
    return bytes([0x40 | (len(b) >> 8), len(b) & 0xff]) + b


def zipmap(pairs):
    body = bytes([len(pairs)])
    for f, v in pairs:
        body += bytes([len(f)]) + f.encode() + bytes([len(v), 0]) + v.encode()
    return body + b"\xff"


def listpack(items):
    """Only small strings and 7-bit uints (enough for corrupt cases)."""
    body = b""
    for v in items:
        if isinstance(v, int):
            body += bytes([v, 1])
        else:
            e = bytes([0x80 | len(v)]) + v.encode()
            body += e + bytes([len(e)])
    return struct.pack("<IH", 6 + len(body) + 1, len(items)) + body + b"\xff"


def restore_and_read(name, body, read):
    cmds = [E("DEL", K), E("RESTORE", K, "0", payload(body)), E(read[0], K, *read[1:]),
            E("OBJECT", "ENCODING", K), E("DEBUG", "DIGEST-VALUE", K)]
    if read == LR:  # a list DUMPs again with the nodes it was loaded with
        cmds.append(E("DUMP", K))
    return (name, cmds, len(cmds), False)


LR = ("LRANGE", "0", "-1")
HG = ("HGETALL",)
SM = ("SMEMBERS",)  # intsets only: a hash table's order is Redis's seed's
SC = ("SMISMEMBER", "3", "a", "-2", "1", "b")
ZR = ("ZRANGE", "0", "-1", "WITHSCORES")
LP_A = listpack(["a"])
GOOD = payload(b"\x12\x01\x02" + blob(LP_A))
BAD_CRC = GOOD[:4] + b"b" + GOOD[5:]  # the element, after the CRC was computed
ZL_L = ziplist(["a", 1, 12, 13, -1, 300, 70000, -9000000, 5000000000, "x" * 70, ""])

CASES = [
    restore_and_read("list ziplist", b"\x0a" + blob(ZL_L), LR),
    restore_and_read("list quicklist v1", b"\x0e\x02" + blob(ziplist(["a", "b", 3]))
                     + blob(ziplist([4, "e"])), LR),
    restore_and_read("list quicklist v1 empty node", b"\x0e\x02" + blob(ziplist([]))
                     + blob(ziplist(["only"])), LR),
    restore_and_read("list quicklist 2 plain node", b"\x12\x02\x01" + s("plain")
                     + b"\x02" + blob(listpack(["a", 5])), LR),
    restore_and_read("list plain", b"\x01\x03" + s("a") + b"\xc0\x05" + s("c"), LR),
    restore_and_read("hash ziplist", b"\x0d" + blob(ziplist(["f", "v", "n", 7, 1, "x"])), HG),
    restore_and_read("hash zipmap", b"\x09" + blob(zipmap([("f", "v"), ("g", "ww")])), HG),
    restore_and_read("hash plain", b"\x04\x02" + s("f") + s("v") + s("g") + b"\xc0\x07", HG),
    restore_and_read("set plain ints", b"\x02\x03" + s("3") + b"\xc0\x01" + s("-2"), SM),
    restore_and_read("set plain mixed", b"\x02\x02" + s("3") + s("a"), SC),
    restore_and_read("zset ziplist", b"\x0c" + blob(ziplist(["c", "-inf", "a", 1, "b", "2.5"])),
                     ZR),
    restore_and_read("zset text scores", b"\x03\x03" + s("a") + s("1.5") + s("b") + b"\xfe"
                     + s("c") + b"\xff", ZR),
    restore_and_read("zset_2 binary", b"\x05\x02" + s("a") + struct.pack("<d", 2.0) + s("b")
                     + struct.pack("<d", -0.5), ZR),
    # Only corruption stock 7.0 detects without sanitize-dump-payload (its
    # default "no" checks a listpack's or intset's header, not its entries).
    ("corrupt collections", [E("DEL", K)] + [E("RESTORE", K, "0", payload(b), "REPLACE") for b in [
        b"\x12\x01\x02" + blob(b"\x0b" + LP_A[1:]),  # listpack total wrong
        b"\x12\x01\x02" + blob(LP_A[:-1] + b"\x00"),  # listpack without terminator
        b"\x12\x01\x03" + blob(LP_A),  # unknown container
        b"\x12\x00",  # no nodes
        b"\x12\x01\x02" + blob(listpack([])),  # only an empty node
        b"\x10" + blob(listpack(["f"])),  # hash listpack of no pair
        b"\x10" + blob(listpack([])),  # empty hash
        b"\x11" + blob(listpack([])),  # empty zset
        b"\x0b" + blob(struct.pack("<II", 3, 1) + b"\x00\x00\x00"),  # intset bad width
        b"\x0b" + blob(struct.pack("<II", 2, 3) + struct.pack("<hh", 3, 5)),  # intset short
        b"\x0b" + blob(struct.pack("<II", 2, 0)),  # empty intset
        b"\x02\x02" + s("a") + s("a"),  # duplicate set member
        b"\x02\x02" + s("1") + s("1"),  # duplicate intset member
        b"\x05\x01" + s("a") + struct.pack("<d", float("nan")),  # NaN score
        b"\x03\x01" + s("a") + b"\xfd",  # NaN text score
        b"\x05\x02" + s("a") + struct.pack("<d", 1) + s("a") + struct.pack("<d", 2),  # dup
        b"\x05\x03" + s("a") + struct.pack("<d", 1),  # truncated
        b"\x0a" + blob(ZL_L[:-1] + b"\x00"),  # ziplist without terminator
        b"\x0a" + blob(ziplist([])),  # empty ziplist list
        b"\x02\x00",  # empty set
        b"\x01\x00",  # empty list
        b"\x04\x00",  # empty hash
    ]] + [E("EXISTS", K)], 24, False),
    ("corrupt checksum", [E("RESTORE", K, "0", BAD_CRC), E("EXISTS", K)], 2, False),
]
