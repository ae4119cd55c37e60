#!/usr/bin/python3
"""Differential cases for ACL users (issue #8, 7.0.15 semantics): ACL
SETUSER/GETUSER/LIST/USERS/DELUSER/DRYRUN/WHOAMI/CAT/LOG RESET/HELP, AUTH and
HELLO AUTH, -NOPERM on commands, keys and channels, requirepass as the
default user's password, CLIENT KILL USER. Same format as
oracle_cases_srv.py: (name, [request chunks], number of replies,
expect_close); run by test_srv_cmds.sh against stock redis-server 7.0.15.

Every case leaves the users as it found them (the default user alone, on
nopass). Left out on purpose, checked by acl_check.py instead: ACL LOG
entries (age and client info differ), ACL GENPASS (random), ACL CAT of a
category and descriptions that end in several single-command rules (stock
lists those in its command dict's order, random per process).
"""
from resp_client import encode as E

H = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"  # sha256("password")
DEL = E("ACL", "DELUSER", "u1", "u2", "u3")

CASES = [
    ("acl setuser getuser varied", [
        E("ACL", "SETUSER", "u1"),
        E("ACL", "GETUSER", "u1"),
        E("ACL", "SETUSER", "u1", "on", ">p1", ">p2", "#" + H, "<p2", "~k*", "%R~r*", "%W~w*",
          "%RW~both", "~k*", "&ch*", "&x", "-@all", "+@string", "-incr"),
        E("ACL", "GETUSER", "u1"),
        E("ACL", "SETUSER", "u2", "on", "nopass", "allkeys", "allchannels", "+@all", "-debug"),
        E("ACL", "SETUSER", "u3", "off", "resetchannels", "+@read", "-keys", "~*"),
        E("ACL", "LIST"),
        E("ACL", "USERS"),
        E("ACL", "SETUSER", "u1", "!" + H, "resetpass", "resetkeys", "nocommands",
          "+select|0"),
        E("ACL", "GETUSER", "u1"),
        E("ACL", "SETUSER", "u1", "reset"),
        E("ACL", "LIST"),
        E("ACL", "SETUSER", "u2", "skip-sanitize-payload", "allcommands", "-@dangerous"),
        E("ACL", "GETUSER", "u2"),
        E("ACL", "SETUSER", "u3", "+@all", "-@write", "-@admin"),
        E("ACL", "GETUSER", "u3"),
        DEL, E("ACL", "USERS")], 18, False),
    ("acl getuser resp3", [
        E("HELLO", "3"), E("ACL", "SETUSER", "u1", "on", ">x", "~a", "&b", "+get"),
        E("ACL", "GETUSER", "u1"), E("ACL", "GETUSER", "nosuch"), DEL], 5, False),
    ("acl setuser errors", [
        E("ACL", "SETUSER", "u1", "on", "nosuch"),
        E("ACL", "SETUSER", "u1", "~*", "~a"),
        E("ACL", "SETUSER", "u1", "&*", "&a"),
        E("ACL", "SETUSER", "u1", "#abc"),
        E("ACL", "SETUSER", "u1", "<nope"),
        E("ACL", "SETUSER", "u1", "!" + H),
        E("ACL", "SETUSER", "u1", "+nosuchcmd"),
        E("ACL", "SETUSER", "u1", "+@nosuch"),
        E("ACL", "SETUSER", "u1", "+config|"),
        E("ACL", "SETUSER", "u1", "+config|get|x"),
        E("ACL", "SETUSER", "u1", "-get|x"),
        E("ACL", "SETUSER", "u1", "%X~a"),
        E("ACL", "SETUSER", "u1", "~a b"),
        E("ACL", "SETUSER", "a b"),
        E("ACL", "SETUSER", "u1", "on", "+xadd", "+@stream", "%R"),
        E("ACL", "GETUSER", "u1"),
        E("ACL", "USERS"), E("ACL", "DELUSER", "default"), E("ACL", "DELUSER", "nosuch"),
        E("ACL", "SETUSER"), E("ACL", "GETUSER"), E("ACL", "NOSUCH"), E("ACL", "LOG", "1", "2"),
        E("ACL", "LOG", "x"), E("ACL", "CAT", "nosuch"), E("ACL", "CAT", "a", "b"),
        E("ACL", "GENPASS", "0"), E("ACL", "GENPASS", "4097"), E("ACL", "GENPASS", "x"),
        E("ACL", "LOAD"), E("ACL", "SAVE"), E("ACL", "WHOAMI", "x"), DEL], 33, False),
    ("acl cat help whoami", [E("ACL", "CAT"), E("ACL", "HELP"), E("ACL", "WHOAMI"),
                             E("ACL", "LOG", "RESET")], 4, False),
    ("acl noperm", [
        E("ACL", "SETUSER", "u1", "on", ">pw", "~k*", "%R~r*", "&ch*", "-@all", "+@string",
          "+mget", "+publish", "+subscribe", "+psubscribe", "-incr", "+config|get", "+select|0",
          "+copy", "+multi", "+exec", "+ping"),
        E("AUTH", "u1", "pw"), E("ACL", "WHOAMI"),
        E("GET", "foo"), E("SET", "k1", "v"), E("GET", "k1"), E("SET", "r1", "v"), E("GET", "r1"),
        E("INCR", "k2"), E("CONFIG", "GET", "maxmemory"), E("CONFIG", "SET", "maxmemory", "0"),
        E("SELECT", "0"), E("SELECT", "1"), E("PUBLISH", "zz", "m"), E("PUBLISH", "ch1", "m"),
        E("MGET", "k1", "zz", "k2"), E("COPY", "k1", "r2"), E("COPY", "r1", "k3"),
        E("MULTI"), E("GET", "x"), E("GET", "k1"), E("EXEC"),
        E("SUBSCRIBE", "ch1", "zz"), E("PSUBSCRIBE", "ch*"), E("PSUBSCRIBE", "ch?"),
        E("PING"), E("RESET"), E("ACL", "WHOAMI"), E("DEL", "k1"), DEL], 30, False),
    ("acl user changes apply at once", [
        E("ACL", "SETUSER", "u1", "on", ">pw", "~*", "&*", "+@all"),
        E("AUTH", "u1", "pw"), E("SET", "k9", "v"), E("ACL", "SETUSER", "u1", "-set", "resetkeys",
                                                     "~k*"),
        E("SET", "k9", "v"), E("GET", "k9"), E("GET", "other"),
        E("ACL", "SETUSER", "u1", "off"), E("PING"), E("ACL", "WHOAMI"),
        E("AUTH", "u1", "pw"), E("AUTH", "default", "x"), E("DEL", "k9"), DEL], 14, False),
    ("auth failures", [
        E("ACL", "SETUSER", "u1", "on", ">pw", "+@all", "~*"),
        E("ACL", "SETUSER", "u2", "off", ">pw", "+@all"),
        E("AUTH", "nosuch", "x"), E("AUTH", "u1", "wrong"), E("AUTH", "U1", "pw"),
        E("AUTH", "u2", "pw"), E("AUTH", "u1", "pw"), E("ACL", "WHOAMI"),
        E("HELLO", "2", "AUTH", "u1", "bad"), E("HELLO", "3", "AUTH", "u2", "pw"),
        E("AUTH", "pw"), E("AUTH", "default", "anything"), E("ACL", "WHOAMI"), DEL], 14, False),
    ("acl dryrun", [
        E("ACL", "SETUSER", "u1", "on", "~k*", "&ch*", "-@all", "+get", "+set", "+publish"),
        E("ACL", "DRYRUN", "u1", "get", "k1"), E("ACL", "DRYRUN", "u1", "get", "zz"),
        E("ACL", "DRYRUN", "u1", "incr", "k1"), E("ACL", "DRYRUN", "u1", "publish", "x", "y"),
        E("ACL", "DRYRUN", "u1", "publish", "ch2", "y"), E("ACL", "DRYRUN", "nosuch", "get", "a"),
        E("ACL", "DRYRUN", "u1", "nosuchcmd"), E("ACL", "DRYRUN", "u1", "get"),
        E("ACL", "DRYRUN", "u1", "config", "get", "x"), E("ACL", "DRYRUN", "u1"), DEL], 12, False),
    ("requirepass is the default user's password", [
        E("CONFIG", "SET", "requirepass", "sekret"), E("ACL", "LIST"),
        E("ACL", "GETUSER", "default"), E("AUTH", "wrong"), E("AUTH", "sekret"),
        E("AUTH", "default", "sekret"), E("ACL", "SETUSER", "default", ">other"),
        E("CONFIG", "GET", "requirepass"), E("AUTH", "other"),
        E("CONFIG", "SET", "requirepass", ""), E("ACL", "LIST"), E("AUTH", "x")], 12, False),
    ("client kill user", [
        E("CLIENT", "KILL", "USER", "nosuch"), E("ACL", "SETUSER", "u1", "on", "nopass"),
        E("CLIENT", "KILL", "USER", "u1"), E("CLIENT", "KILL", "USER", "default", "SKIPME", "yes",
                                             "ID", "999999"), DEL], 5, False),
]
