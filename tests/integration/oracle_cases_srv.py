#!/usr/bin/python3
"""Differential cases for LCS, SLOWLOG, LATENCY, CLIENT KILL/PAUSE, CONFIG
REWRITE and MONITOR (issue #4 items 3 and 4): replies that do not depend on
time. Same format as oracle_cases_strings.py: (name, [request chunks],
number of replies, expect_close). Both LCS keys share a hash tag, so they
live on one worker."""
from resp_client import encode as E


def both(name, chunks, n):
    """The case in RESP2, and again after HELLO 3 (whose reply is left out:
    it names the server)."""
    return [(name, chunks, n, False),
            (name + " resp3", [E("HELLO", "3"), E("PING", "sync")] + chunks, n + 2, False)]


LCS_SET = [E("DEL", "{lcs}a", "{lcs}b", "{lcs}n"),
           E("MSET", "{lcs}a", "ohmytext", "{lcs}b", "mynewtext", "{lcs}n", "12345")]

CASES = []
CASES += both("lcs basic", LCS_SET + [
    E("LCS", "{lcs}a", "{lcs}b"), E("LCS", "{lcs}a", "{lcs}b", "LEN"),
    E("LCS", "{lcs}a", "{lcs}b", "len"), E("LCS", "{lcs}b", "{lcs}a"),
    E("LCS", "{lcs}a", "{lcs}none"), E("LCS", "{lcs}none", "{lcs}none2"),
    E("LCS", "{lcs}none", "{lcs}none2", "LEN"), E("LCS", "{lcs}a", "{lcs}a"),
    E("LCS", "{lcs}n", "{lcs}a"), E("LCS", "{lcs}n", "{lcs}n", "LEN")], 12)
CASES += both("lcs idx", LCS_SET + [
    E("LCS", "{lcs}a", "{lcs}b", "IDX"),
    E("LCS", "{lcs}a", "{lcs}b", "IDX", "MINMATCHLEN", "4"),
    E("LCS", "{lcs}a", "{lcs}b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
    E("LCS", "{lcs}a", "{lcs}b", "IDX", "WITHMATCHLEN"),
    E("LCS", "{lcs}a", "{lcs}b", "IDX", "MINMATCHLEN", "-3", "WITHMATCHLEN"),
    E("LCS", "{lcs}a", "{lcs}b", "IDX", "MINMATCHLEN", "100"),
    E("LCS", "{lcs}a", "{lcs}none", "IDX"),
    E("LCS", "{lcs}a", "{lcs}a", "IDX", "WITHMATCHLEN"),
    E("LCS", "{lcs}n", "{lcs}n", "WITHMATCHLEN"),
    E("LCS", "{lcs}a", "{lcs}b", "MINMATCHLEN", "2")], 12)
CASES += both("lcs longer", [
    E("SET", "{lcs}x", "ACCGGTCGAGTGCGCGGAAGCCGGCCGAA" * 3),
    E("SET", "{lcs}y", "GTCGTTCGGAATGCCGTTGCTCTGTAAA" * 3),
    E("LCS", "{lcs}x", "{lcs}y"), E("LCS", "{lcs}x", "{lcs}y", "LEN"),
    E("LCS", "{lcs}x", "{lcs}y", "IDX", "WITHMATCHLEN"),
    E("LCS", "{lcs}x", "{lcs}y", "IDX", "MINMATCHLEN", "3"),
    E("SET", "{lcs}p", "abcabcabc"), E("SET", "{lcs}q", "cbacbacba"),
    E("LCS", "{lcs}p", "{lcs}q", "IDX", "WITHMATCHLEN"), E("LCS", "{lcs}q", "{lcs}p"),
    E("SET", "{lcs}e", ""), E("LCS", "{lcs}e", "{lcs}p", "IDX")], 12)
CASES += both("lcs errors", LCS_SET + [
    E("LCS"), E("LCS", "{lcs}a"), E("LCS", "{lcs}a", "{lcs}b", "LEN", "IDX"),
    E("LCS", "{lcs}a", "{lcs}b", "IDX", "LEN"), E("LCS", "{lcs}a", "{lcs}b", "FOO"),
    E("LCS", "{lcs}a", "{lcs}b", "MINMATCHLEN"), E("LCS", "{lcs}a", "{lcs}b", "MINMATCHLEN", "x"),
    E("LCS", "{lcs}a", "{lcs}b", "MINMATCHLEN", "99999999999999999999"),
    E("RPUSH", "{lcs}l", "x"), E("LCS", "{lcs}a", "{lcs}l"), E("LCS", "{lcs}l", "{lcs}a", "FOO"),
    E("LCS", "{lcs}none", "{lcs}l", "LEN"), E("LCS", "{lcs}a", "{lcs}b", "LEN", "LEN"),
    E("CONFIG", "SET", "proto-max-bulk-len", "1048576"),
    E("SET", "{lcs}big", "x" * 1024), E("LCS", "{lcs}big", "{lcs}big", "LEN"),
    E("LCS", "{lcs}big", "{lcs}a", "LEN"),
    E("CONFIG", "SET", "proto-max-bulk-len", "536870912"), E("DEL", "{lcs}l")], 21)

# SLOWLOG: errors (CONFIG GET names one directive at a time: a pattern's
# matches come in stock's dict order, random per process), HELP, and an empty log (logging off while it is read).
CASES += both("slowlog errors help", [
    E("SLOWLOG"), E("SLOWLOG", "FOO"), E("SLOWLOG", "foo", "bar"), E("SLOWLOG", "HELP"),
    E("SLOWLOG", "HELP", "x"), E("SLOWLOG", "GET", "x"), E("SLOWLOG", "GET", "-2"),
    E("SLOWLOG", "get", "1", "2"), E("SLOWLOG", "GET", "99999999999999999999"),
    E("SLOWLOG", "LEN", "x"), E("SLOWLOG", "RESET", "x"), E("slowlog", "Len", "1")], 12)
CASES += both("slowlog empty", [
    E("CONFIG", "SET", "slowlog-log-slower-than", "-1"), E("SLOWLOG", "RESET"),
    E("SLOWLOG", "LEN"), E("SLOWLOG", "GET"), E("SLOWLOG", "GET", "-1"),
    E("SLOWLOG", "GET", "0"), E("SLOWLOG", "GET", "5"),
    E("CONFIG", "SET", "slowlog-log-slower-than", "10000")], 8)
CASES += both("slowlog config", [
    E("CONFIG", "GET", "slowlog-max-len"), E("CONFIG", "GET", "latency-monitor-threshold"),
    E("CONFIG", "SET", "slowlog-log-slower-than", "-2"),
    E("CONFIG", "SET", "slowlog-log-slower-than", "abc"),
    E("CONFIG", "SET", "slowlog-max-len", "-1"), E("CONFIG", "SET", "slowlog-max-len", "1x"),
    E("CONFIG", "SET", "latency-monitor-threshold", "-1"),
    E("CONFIG", "SET", "slowlog-max-len", "64", "slowlog-log-slower-than", "5"),
    E("CONFIG", "GET", "slowlog-max-len"), E("CONFIG", "GET", "slowlog-log-slower-than"),
    E("CONFIG", "SET", "slowlog-max-len", "128", "slowlog-log-slower-than", "10000"),
    E("CONFIG", "GET", "slowlog-log-slower-than")], 12)

# LATENCY: errors, HELP, and everything that holds while the monitor is off.
CASES += both("latency errors help", [
    E("LATENCY"), E("LATENCY", "FOO"), E("LATENCY", "HELP"), E("LATENCY", "HELP", "x"),
    E("LATENCY", "HISTORY"), E("LATENCY", "HISTORY", "a", "b"), E("LATENCY", "LATEST", "x"),
    E("LATENCY", "DOCTOR", "x"), E("LATENCY", "GRAPH"), E("LATENCY", "GRAPH", "a", "b")], 10)
CASES += both("latency monitor off", [
    E("LATENCY", "RESET"), E("LATENCY", "LATEST"), E("LATENCY", "HISTORY", "command"),
    E("LATENCY", "HISTORY", "nosuch"), E("LATENCY", "RESET", "command", "nosuch"),
    E("LATENCY", "GRAPH", "command"), E("LATENCY", "GRAPH", "nosuch"), E("LATENCY", "DOCTOR"),
    E("LATENCY", "HISTOGRAM", "nosuchcmd"), E("LATENCY", "HISTOGRAM", "nosuch|x"),
    E("LATENCY", "HISTOGRAM", "get|x"), E("LATENCY", "HISTOGRAM", "config|nosuch"),
    E("LATENCY", "HISTOGRAM", "a|b|c")], 13)

# CLIENT KILL: errors and filters that match nobody (the suite's connection
# is the only one; the killing itself is in srv_check.py).
CASES += both("client kill errors", [
    E("CLIENT", "KILL"), E("CLIENT", "KILL", "1.2.3.4:5"), E("CLIENT", "KILL", "ADDR"),
    E("CLIENT", "KILL", "ADDR", "1.2.3.4:5"), E("CLIENT", "KILL", "LADDR", "1.2.3.4:5"),
    E("CLIENT", "KILL", "ID", "0"), E("CLIENT", "KILL", "ID", "x"), E("CLIENT", "KILL", "ID", "-5"),
    E("CLIENT", "KILL", "ID", "99999999"), E("CLIENT", "KILL", "TYPE", "foo"),
    E("CLIENT", "KILL", "TYPE", "pubsub"), E("CLIENT", "KILL", "TYPE", "master"),
    E("CLIENT", "KILL", "TYPE", "replica"), E("CLIENT", "KILL", "TYPE", "slave"),
    E("CLIENT", "KILL", "USER", "foo"), E("CLIENT", "KILL", "USER", "default", "ID", "99999999"),
    E("CLIENT", "KILL", "SKIPME", "maybe"), E("CLIENT", "KILL", "FOO", "bar"),
    E("CLIENT", "KILL", "ID"), E("CLIENT", "KILL", "ID", "1", "TYPE"),
    E("CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "no"),
    E("CLIENT", "KILL", "TYPE", "normal", "ID", "99999999", "SKIPME", "yes"),
    E("client", "kill", "type", "PUBSUB"), E("PING")], 24)

# CLIENT PAUSE/UNPAUSE: errors, and pauses short enough not to matter
# (the waiting itself is in srv_check.py).
CASES += both("client pause errors", [
    E("CLIENT", "PAUSE"), E("CLIENT", "PAUSE", "x"), E("CLIENT", "PAUSE", "-1"),
    E("CLIENT", "PAUSE", "10", "foo"), E("CLIENT", "PAUSE", "10", "WRITE", "x"),
    E("CLIENT", "PAUSE", "99999999999999999999"), E("CLIENT", "UNPAUSE", "x"),
    E("CLIENT", "PAUSE", "0"), E("CLIENT", "PAUSE", "1", "write"), E("CLIENT", "PAUSE", "1", "All"),
    E("CLIENT", "UNPAUSE"), E("SET", "{p}k", "v"), E("GET", "{p}k"), E("DEL", "{p}k")], 14)

# RESET ends MONITOR: the PING after it is answered, not fed back.
CASES += both("reset ends monitor", [E("MONITOR"), E("RESET"), E("PING")], 3)
CASES += both("monitor arity", [E("MONITOR", "x"), E("monitor", "a", "b")], 2)
