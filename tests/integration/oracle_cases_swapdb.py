#!/usr/bin/python3
"""Differential cases for SWAPDB (issue #4 item 2), in oracle_compare.py's
CASES format: Redis's errors, the swap of keys (strings and collections,
expiries included) on both workers (TAG_W0 / TAG_W1: keys of worker 0 and
1 with two workers), clients staying in their DB, SWAPDB inside MULTI, and
WATCH dirtied as Redis's touchAllWatchedKeysInDb() does (a watched key
existing in either DB before the swap). Only DBs 10..13 are swapped, and
each case swaps back, so other cases' keys stay where they are."""
from oracle_cases_renamecoll import TAG_W0, TAG_W1
from resp_client import encode as E

A, B = "{%s}sw" % TAG_W0, "{%s}sw" % TAG_W1
AT = "4102444800000"


def read_all():
    out = []
    for db in ("10", "11"):
        out += [E("SELECT", db), E("DBSIZE"), E("GET", A), E("PEXPIRETIME", A), E("LRANGE", B, "0", "-1"),
                E("PEXPIRETIME", B), E("ZRANGE", A + "z", "0", "-1", "WITHSCORES"),
                E("OBJECT", "ENCODING", B)]
    return out


def case(name, cmds):
    return (name, cmds, len(cmds), False)


CASES = [
    case("swapdb errors", [
        E("SWAPDB"), E("SWAPDB", "1"), E("SWAPDB", "1", "2", "3"), E("SWAPDB", "a", "1"),
        E("SWAPDB", "1", "b"), E("SWAPDB", "a", "b"), E("SWAPDB", "10", "16"), E("SWAPDB", "16", "10"),
        E("SWAPDB", "-1", "10"), E("SWAPDB", "10", "99999999999"), E("SWAPDB", "1.5", "10"),
        E("SWAPDB", "+1", "10"), E("SWAPDB", " 1", "10"), E("SWAPDB", "", "10"),
        E("SWAPDB", "2147483648", "10"), E("SWAPDB", "10", "-2147483649")]),
    case("swapdb moves keys of both workers", [
        E("SELECT", "10"), E("FLUSHDB"), E("SET", A, "a10"), E("PEXPIREAT", A, AT),
        E("RPUSH", B, "x", "y"), E("ZADD", A + "z", "1", "m"),
        E("SELECT", "11"), E("FLUSHDB"), E("SET", A, "a11"), E("SADD", B + "s", "1", "2"),
        E("HSET", B, "f", "v"), E("PEXPIREAT", B, AT)] + read_all() + [
        E("SWAPDB", "10", "11")] + read_all() + [
        E("SWAPDB", "11", "10")] + read_all() + [
        E("SWAPDB", "10", "10")] + read_all() + [
        E("SELECT", "12"), E("SWAPDB", "12", "10"), E("DBSIZE"), E("GET", A), E("SELECT", "10"),
        E("DBSIZE"), E("SWAPDB", "10", "12"), E("DBSIZE"),
        E("SELECT", "10"), E("FLUSHDB"), E("SELECT", "11"), E("FLUSHDB"), E("SELECT", "0")]),
    case("swapdb in multi", [
        E("SELECT", "10"), E("SET", A, "one"), E("MULTI"), E("SWAPDB", "10", "11"), E("GET", A),
        E("SWAPDB", "10", "11"), E("GET", A), E("SWAPDB", "10", "99"), E("EXEC"),
        E("DEL", A), E("SELECT", "0")]),
    case("swapdb dirties watched keys", [
        E("SELECT", "10"), E("SET", A, "v"),
        # watched key existing in the swapped DB
        E("WATCH", A), E("SWAPDB", "10", "11"), E("MULTI"), E("PING"), E("EXEC"),
        E("SWAPDB", "10", "11"),
        # watched key existing in neither DB
        E("WATCH", B), E("SWAPDB", "10", "11"), E("MULTI"), E("PING"), E("EXEC"),
        E("SWAPDB", "10", "11"),
        # watched key existing only in the other DB (key of the other worker)
        E("SELECT", "13"), E("SET", B, "w"), E("SELECT", "10"),
        E("WATCH", B), E("SWAPDB", "10", "13"), E("MULTI"), E("PING"), E("EXEC"),
        E("SWAPDB", "10", "13"),
        # a swap of two other DBs, and of a DB with itself
        E("WATCH", A), E("SWAPDB", "12", "13"), E("SWAPDB", "12", "13"), E("SWAPDB", "10", "10"),
        E("MULTI"), E("PING"), E("EXEC"),
        # an invalid swap touches nothing
        E("WATCH", A), E("SWAPDB", "10", "16"), E("MULTI"), E("PING"), E("EXEC"),
        E("DEL", A), E("SELECT", "13"), E("DEL", B), E("SELECT", "0")]),
]
