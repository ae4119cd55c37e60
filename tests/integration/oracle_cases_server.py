#!/usr/bin/python3
"""Differential cases for the connection and server commands (issue #4):
AUTH, CLIENT, RESET, TIME/LASTSAVE arity, SHUTDOWN option errors, MEMORY
USAGE, CONFIG SET/GET/RESETSTAT/REWRITE, INFO section selection. Same
format as oracle_cases_strings.py: (name, [request chunks], number of
replies, expect_close). Every case was checked against stock
redis-server 7.0.15 started as it_oracle_start() starts it (no
requirepass, no config file, --save '').

Left out on purpose: values that legitimately differ (client ids, addresses,
times, INFO bodies), CLIENT SETINFO (7.2, unknown to 7.0.15), DEBUG (the
oracle runs without enable-debug-command; DEBUG DIGEST is checked in the
unit tests against captured digests), successful SHUTDOWN.
CONFIG SET cases put every value back to the oracle's default.
The CLIENT REPLY cases need the dispatcher to apply
cmd_client_reply_suppressed() (see dataplane/cmd/cmd.h)."""
from resp_client import encode as E

CASES = [
    ("auth without password", [E("AUTH", "x"), E("AUTH", "default", "x"), E("AUTH", "DEFAULT", "x"),
                               E("AUTH", "foo", "x"), E("AUTH", "a", "b", "c"), E("AUTH")], 6, False),
    ("hello auth setname", [E("HELLO", "2", "AUTH", "default", "x", "SETNAME", "it-srv"),
                            E("CLIENT", "GETNAME"), E("HELLO", "2", "SETNAME", "a b"),
                            E("HELLO", "2", "AUTH", "nobody", "x")], 4, False),
    ("client errors", [E("CLIENT"), E("CLIENT", "foo"), E("CLIENT", "ID", "x"), E("CLIENT", "SETNAME"),
                       E("CLIENT", "INFO", "x"), E("CLIENT", "GETNAME", "x"), E("CLIENT", "HELP", "x"),
                       E("CLIENT", "LIST", "TYPE", "foo"), E("CLIENT", "LIST", "foo"),
                       E("CLIENT", "LIST", "ID", "x"), E("CLIENT", "LIST", "ID"),
                       E("CLIENT", "LIST", "TYPE"), E("CLIENT", "NO-EVICT"),
                       E("CLIENT", "NO-EVICT", "maybe"), E("CLIENT", "REPLY"),
                       E("CLIENT", "REPLY", "foo")], 16, False),
    ("client setname getname", [E("CLIENT", "GETNAME"), E("CLIENT", "SETNAME", "it-name"),
                                E("CLIENT", "GETNAME"), E("CLIENT", "SETNAME", "a b"),
                                E("CLIENT", "SETNAME", "a\nb"), E("CLIENT", "GETNAME"),
                                E("CLIENT", "SETNAME", ""), E("CLIENT", "GETNAME")], 8, False),
    ("client list filters", [E("CLIENT", "LIST", "TYPE", "replica"), E("CLIENT", "LIST", "TYPE", "master"),
                             E("CLIENT", "LIST", "TYPE", "pubsub"), E("CLIENT", "LIST", "ID", "0"),
                             E("CLIENT", "NO-EVICT", "on"), E("CLIENT", "NO-EVICT", "OFF")], 6, False),
    ("client help", [E("CLIENT", "HELP")], 1, False),
    ("client getname resp3", [E("HELLO", "3"), E("CLIENT", "GETNAME"), E("CLIENT", "SETNAME", "n3"),
                              E("CLIENT", "GETNAME"), E("RESET"), E("CLIENT", "GETNAME")], 6, False),
    ("client reply skip", [E("CLIENT", "REPLY", "SKIP"), E("PING", "a"), E("PING", "b"),
                           E("CLIENT", "REPLY", "SKIP"), E("CLIENT", "REPLY", "SKIP"),
                           E("PING", "c"), E("PING", "d")], 2, False),
    ("client reply off on", [E("CLIENT", "REPLY", "OFF"), E("PING", "a"), E("NOSUCH"), E("GET"),
                             E("CLIENT", "REPLY", "SKIP"), E("CLIENT", "REPLY", "ON"),
                             E("PING", "b")], 2, False),
    ("reset", [E("SELECT", "3"), E("CLIENT", "SETNAME", "x"), E("CLIENT", "REPLY", "OFF"),
               E("RESET"), E("CLIENT", "GETNAME"), E("RESET", "x")], 5, False),
    ("time lastsave arity", [E("TIME", "x"), E("LASTSAVE", "x")], 2, False),
    ("shutdown option errors", [E("SHUTDOWN", "foo"), E("SHUTDOWN", "NOSAVE", "SAVE"),
                                E("SHUTDOWN", "ABORT", "NOSAVE"), E("SHUTDOWN", "ABORT")], 4, False),
    ("memory doctor purge malloc-stats", [E("MEMORY", "DOCTOR"), E("MEMORY", "PURGE"),
                                          E("MEMORY", "DOCTOR", "x"), E("MEMORY", "PURGE", "x"),
                                          E("MEMORY", "STATS", "x"), E("MEMORY", "MALLOC-STATS", "x"),
                                          E("HELLO", "3"), E("MEMORY", "DOCTOR"), E("HELLO", "2")], 9, False),
    ("memory usage", [E("SET", "it:m:k", "v"), E("MEMORY", "USAGE", "it:m:k"),
                      E("SET", "it:m:n", "12"), E("MEMORY", "USAGE", "it:m:n"),
                      E("SET", "it:m:e", "a" * 44), E("MEMORY", "USAGE", "it:m:e"),
                      E("SET", "it:m:r", "a" * 45), E("MEMORY", "USAGE", "it:m:r"),
                      E("SET", "it:m:" + "k" * 40, "v"), E("MEMORY", "USAGE", "it:m:" + "k" * 40),
                      E("MEMORY", "USAGE", "it:m:none"), E("MEMORY", "USAGE", "it:m:k", "SAMPLES"),
                      E("MEMORY", "USAGE", "it:m:k", "SAMPLES", "-1"),
                      E("MEMORY", "USAGE", "it:m:k", "SAMPLES", "x"),
                      E("MEMORY", "USAGE", "it:m:k", "SAMPLES", "0"), E("MEMORY", "USAGE", "it:m:k", "foo"),
                      E("MEMORY"), E("MEMORY", "foo"), E("MEMORY", "USAGE"), E("MEMORY", "HELP"),
                      E("DEL", "it:m:k", "it:m:n", "it:m:e", "it:m:r", "it:m:" + "k" * 40)], 21, False),
    # a string APPEND, SETRANGE, SETBIT or BITFIELD changed holds stock's
    # sds: created exact (a 1-byte header under 32 bytes), grown greedily
    # (twice, or 1 MB more) into a jemalloc size class, capacity capped by
    # the header's type
    ("memory usage grown strings", _grown := [
        E("SET", "it:m:a", "abc"), E("APPEND", "it:m:a", "d"), E("MEMORY", "USAGE", "it:m:a"),
        E("APPEND", "it:m:a", "x" * 7), E("MEMORY", "USAGE", "it:m:a"),
        E("APPEND", "it:m:a", "y" * 5), E("MEMORY", "USAGE", "it:m:a"),
        E("SET", "it:m:b", "x" * 50), E("APPEND", "it:m:b", "y"), E("MEMORY", "USAGE", "it:m:b"),
        E("APPEND", "it:m:b", "y" * 40), E("MEMORY", "USAGE", "it:m:b"),
        E("SETRANGE", "it:m:c", "3", "xy"), E("MEMORY", "USAGE", "it:m:c"),
        E("SETRANGE", "it:m:c", "50", "z"), E("MEMORY", "USAGE", "it:m:c"),
        E("SETRANGE", "it:m:c", "0", "q"), E("MEMORY", "USAGE", "it:m:c"),
        E("SETBIT", "it:m:d", "100", "1"), E("MEMORY", "USAGE", "it:m:d"),
        E("SETBIT", "it:m:d", "1000", "1"), E("MEMORY", "USAGE", "it:m:d"),
        E("SETBIT", "it:m:e", "800000", "1"), E("MEMORY", "USAGE", "it:m:e"),
        E("APPEND", "it:m:e", "x"), E("MEMORY", "USAGE", "it:m:e"),
        E("SETRANGE", "it:m:f", "1100000", "x"), E("APPEND", "it:m:f", "x"),
        E("MEMORY", "USAGE", "it:m:f"),
        E("SET", "it:m:g", "12"), E("APPEND", "it:m:g", "3"), E("MEMORY", "USAGE", "it:m:g"),
        E("BITFIELD", "it:m:h", "SET", "u8", "0", "255"), E("MEMORY", "USAGE", "it:m:h"),
        E("SET", "it:m:i", "x" * 120), E("APPEND", "it:m:i", "y"), E("MEMORY", "USAGE", "it:m:i"),
        E("APPEND", "it:m:i", "y" * 131), E("MEMORY", "USAGE", "it:m:i"),
        E("APPEND", "it:m:i", "y"), E("MEMORY", "USAGE", "it:m:i"),
        # RENAME and MOVE move the robj (its sds kept), COPY makes an exact one
        E("SET", "{it:m}r", "abc"), E("APPEND", "{it:m}r", "d"), E("RENAME", "{it:m}r", "{it:m}r2"),
        E("MEMORY", "USAGE", "{it:m}r2"), E("COPY", "{it:m}r2", "{it:m}r3"),
        E("MEMORY", "USAGE", "{it:m}r3"), E("MOVE", "{it:m}r2", "9"), E("SELECT", "9"),
        E("MEMORY", "USAGE", "{it:m}r2"), E("DEL", "{it:m}r2"), E("SELECT", "0"),
        E("DEL", "it:m:a", "it:m:b", "it:m:c", "it:m:d", "it:m:e", "it:m:f", "it:m:g", "it:m:h",
          "it:m:i", "{it:m}r3")], len(_grown), False),
    ("config set errors", [E("CONFIG", "SET"), E("CONFIG", "SET", "maxmemory"),
                           E("CONFIG", "SET", "maxmemory", "10mb", "maxclients"),
                           E("CONFIG", "SET", "nosuch", "bar"), E("CONFIG", "SET", "maxmemory", "abc"),
                           E("CONFIG", "SET", "maxmemory", "10mb", "MAXMEMORY", "20mb"),
                           E("CONFIG", "SET", "maxmemory", "10mb", "maxclients", "abc"),
                           E("CONFIG", "SET", "maxmemory", "10mb", "nosuch", "1"),
                           E("CONFIG", "SET", "nosuch", "1", "databases", "2"),
                           E("CONFIG", "SET", "databases", "2", "nosuch", "1"),
                           E("CONFIG", "SET", "timeout", "-1"), E("CONFIG", "SET", "tcp-keepalive", "-1"),
                           E("CONFIG", "SET", "maxclients", "0"),
                           E("CONFIG", "SET", "proto-max-bulk-len", "1"),
                           E("CONFIG", "SET", "client-query-buffer-limit", "1"),
                           E("CONFIG", "SET", "maxmemory", "-1"), E("CONFIG", "SET", "maxmemory", "1.5mb"),
                           E("CONFIG", "SET", "loglevel", "foo"), E("CONFIG", "SET", "save", "10"),
                           E("CONFIG", "SET", "save", "a b"), E("CONFIG", "SET", "dir", "/nonexist"),
                           E("CONFIG", "SET", "daemonize", "yes"), E("CONFIG", "SET", "databases", "4"),
                           E("CONFIG", "RESETSTAT", "x"), E("CONFIG", "REWRITE", "x"),
                           E("CONFIG", "GET", "maxmemory")], 26, False),
    ("config set is atomic", [E("CONFIG", "SET", "maxmemory", "5mb", "timeout", "abc"),
                              E("CONFIG", "GET", "maxmemory"), E("CONFIG", "GET", "timeout")], 3, False),
    ("config set and restore", [E("CONFIG", "SET", "maxmemory", "1mb", "timeout", "5", "loglevel", "WARNING"),
                                E("CONFIG", "GET", "maxmemory"), E("CONFIG", "GET", "timeout"),
                                E("CONFIG", "GET", "loglevel"),
                                E("CONFIG", "SET", "maxmemory", "1K"), E("CONFIG", "GET", "maxmemory"),
                                E("CONFIG", "SET", "proto-max-bulk-len", "2mb"),
                                E("CONFIG", "GET", "proto-max-bulk-len"),
                                E("CONFIG", "SET", "maxmemory", "0", "timeout", "0", "loglevel", "notice",
                                  "proto-max-bulk-len", "512mb", "client-query-buffer-limit", "1gb"),
                                E("CONFIG", "GET", "maxmemory")], 10, False),
    # CONFIG REWRITE is left out: the appliance always runs from a config
    # file, the oracle from none, so their (correct) answers differ.
    ("config resetstat", [E("CONFIG", "RESETSTAT")], 1, False),
    ("info selection", [E("INFO", "nosuch"), E("INFO", "cluster"), E("INFO", "modules"),
                        E("INFO", "CLUSTER", "nosuch")], 4, False),
]
