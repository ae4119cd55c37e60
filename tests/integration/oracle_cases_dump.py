#!/usr/bin/python3
"""Differential cases for DUMP and RESTORE (issue #4 item 2), in
oracle_compare.py's CASES format: (name, [request chunks], number of
replies, expect_close). DUMP's payload bytes themselves are compared (the
value encodings, LZF included, and the version+CRC64 footer must be
Redis's). RESTORE payloads that stock Redis never produces (bad version,
unknown type, trailing bytes) are built here with Redis's CRC64. Replies
that depend on the clock (PTTL, IDLETIME) are left to test_dump.sh, which
compares them with a tolerance. Keys carry the "it:d:" prefix."""
from resp_client import encode as E


def crc64(data, crc=0):
    """Redis's CRC64 (Jones polynomial, reflected, init 0, no final xor)."""
    poly = 0x95AC9329AC4BC9B5
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc


def payload(body, version=10):
    """A DUMP payload: the value, the 2-byte version, CRC64, little-endian."""
    p = body + bytes([version & 0xFF, version >> 8])
    return p + crc64(p).to_bytes(8, "little")


HELLO = payload(b"\x00\x05hello")
INT10 = payload(b"\x00\xc0\x0a")
LONG = b"abcabcabcabcabcabcabcabcabcabc" * 10



def case(name, cmds):
    """One reply per command, the connection stays open."""
    return (name, cmds, len(cmds), False)


CASES = [
    case("dump string encodings",
     [E("SET", "it:d:a", "10"), E("DUMP", "it:d:a"), E("SET", "it:d:a", "hello"), E("DUMP", "it:d:a"),
      E("SET", "it:d:a", "a" * 100), E("DUMP", "it:d:a"), E("SET", "it:d:a", LONG), E("DUMP", "it:d:a"),
      E("SET", "it:d:a", ""), E("DUMP", "it:d:a"), E("SET", "it:d:a", "-2147483648"), E("DUMP", "it:d:a"),
      E("SET", "it:d:a", "2147483648"), E("DUMP", "it:d:a"), E("SET", "it:d:a", "9223372036854775807"),
      E("DUMP", "it:d:a"), E("SET", "it:d:a", "x" * 45), E("DUMP", "it:d:a"),
      E("SET", "it:d:a", "0123456789" * 2000), E("DUMP", "it:d:a"),
      E("SET", "it:d:a", "007"), E("DUMP", "it:d:a"), E("APPEND", "it:d:a", "8"), E("DUMP", "it:d:a"),
      E("INCR", "it:d:a"), E("DUMP", "it:d:a"),
      E("DUMP", "it:d:none"), E("DUMP"), E("DUMP", "a", "b"), E("DEL", "it:d:a")]),
    case("restore errors",
     [E("SET", "it:d:b", "v"), E("RESTORE", "it:d:b", "0", HELLO), E("RESTORE", "it:d:b", "-1", HELLO),
      E("RESTORE", "it:d:b", "-1", HELLO, "REPLACE"), E("RESTORE", "it:d:b", "abc", HELLO, "REPLACE"),
      E("RESTORE", "it:d:b", "0", HELLO[:-1] + b"\x00", "REPLACE"),
      E("RESTORE", "it:d:b", "0", payload(b"\x00\x05hello", 11), "REPLACE"),
      E("RESTORE", "it:d:b", "0", payload(b"\x00\x05hello", 9), "REPLACE"),
      E("RESTORE", "it:d:b", "0", b"short", "REPLACE"), E("RESTORE", "it:d:b", "0", b"", "REPLACE"),
      E("RESTORE", "it:d:b", "0", payload(b"\x08\x01v"), "REPLACE"),
      E("RESTORE", "it:d:b", "0", payload(b"\xf0\x01v"), "REPLACE"),
      E("RESTORE", "it:d:b", "0", payload(b"\x00\x3fv"), "REPLACE"),
      E("RESTORE", "it:d:b", "0", payload(b"\x00\xc3\x04\x0a\x02xyz"), "REPLACE"),
      E("RESTORE", "it:d:b", "0", payload(b"\x00\xc5"), "REPLACE"),
      E("RESTORE", "it:d:b", "0", HELLO, "bogus"), E("RESTORE", "it:d:b", "0", HELLO, "IDLETIME"),
      E("RESTORE", "it:d:b", "0", HELLO, "IDLETIME", "-1"),
      E("RESTORE", "it:d:b", "0", HELLO, "IDLETIME", "x"),
      E("RESTORE", "it:d:b", "0", HELLO, "FREQ", "256"), E("RESTORE", "it:d:b", "0", HELLO, "FREQ", "-1"),
      E("RESTORE", "it:d:b", "0", HELLO, "FREQ", "1", "IDLETIME", "1"),
      E("RESTORE", "it:d:b", "0", HELLO, "IDLETIME", "1", "FREQ", "1"),
      E("RESTORE", "it:d:b", "0"), E("GET", "it:d:b"), E("DEL", "it:d:b")]),
    case("restore values",
     [E("DEL", "it:d:c"), E("RESTORE", "it:d:c", "0", HELLO), E("GET", "it:d:c"),
      E("OBJECT", "ENCODING", "it:d:c"), E("TTL", "it:d:c"),
      E("RESTORE", "it:d:c", "0", INT10, "REPLACE"), E("GET", "it:d:c"), E("OBJECT", "ENCODING", "it:d:c"),
      E("RESTORE", "it:d:c", "0", payload(b"\x00\x0212"), "REPLACE"), E("OBJECT", "ENCODING", "it:d:c"),
      E("RESTORE", "it:d:c", "0", payload(b"\x00\x2d" + b"y" * 45), "REPLACE"),
      E("OBJECT", "ENCODING", "it:d:c"),
      E("RESTORE", "it:d:c", "0", payload(b"\x00\x01v" + b"zz"), "REPLACE"), E("GET", "it:d:c"),
      E("RESTORE", "it:d:c", "0", payload(b"\x00\x06"), "REPLACE"), E("STRLEN", "it:d:c"),
      E("RESTORE", "it:d:c", "4102444800000", HELLO, "REPLACE", "ABSTTL"), E("PEXPIRETIME", "it:d:c"),
      E("RESTORE", "it:d:c", "0", HELLO, "REPLACE"), E("PEXPIRETIME", "it:d:c"),
      E("RESTORE", "it:d:c", "1", HELLO, "REPLACE", "ABSTTL"), E("EXISTS", "it:d:c"),
      E("RESTORE", "it:d:c", "1", HELLO, "ABSTTL"), E("EXISTS", "it:d:c"),
      E("RESTORE", "it:d:c", "0", HELLO, "FREQ", "5"), E("OBJECT", "FREQ", "it:d:c"),
      E("RESTORE", "it:d:c", "0", HELLO, "REPLACE", "replace", "IDLETIME", "5", "absttl"),
      E("GET", "it:d:c"), E("DEL", "it:d:c")]),
]
