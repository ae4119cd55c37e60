#!/usr/bin/python3
"""CLIENT LIST / CLIENT INFO show the MULTI state as stock redis-server 7.0.15
does: the fields that do not depend on the transport (flags, db, multi, cmd,
resp) must be equal on both servers, run inside EXEC (with keys on both
workers, so Redwire's EXEC is a cross-worker transaction) and outside.

usage: tx_client_list_check.py REDWIRE_HOST:PORT ORACLE_HOST:PORT
"""
import re
import sys

from resp_client import RawConn, encode as E

FIELDS = ("flags", "db", "multi", "cmd", "resp")
SEQ = [E("DEL", "{tA}c", "{tB}c"), E("CLIENT", "LIST"), E("MULTI"), E("SET", "{tA}c", "1"),
       E("CLIENT", "LIST"), E("SET", "{tB}c", "2"), E("CLIENT", "INFO"), E("EXEC"),
       E("SELECT", "2"), E("MULTI"), E("CLIENT", "INFO"), E("EXEC"), E("SELECT", "0"),
       E("CLIENT", "INFO")]


def fields(reply):
    out = []
    for line in re.findall(rb"id=[^\r\n]*", reply):
        kv = dict(p.split(b"=", 1) for p in line.split(b" ") if b"=" in p)
        out.append({f: kv.get(f.encode()) for f in FIELDS})
    return out


def run(addr):
    host, port = addr.rsplit(":", 1)
    c = RawConn(host, int(port))
    try:
        c.send(b"".join(SEQ))
        return [fields(c.read_reply()) for _ in SEQ]
    finally:
        c.close()


def main():
    got, want = run(sys.argv[1]), run(sys.argv[2])
    if got != want:
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                print("MISMATCH reply %d:\n  redis-server: %r\n  redwire:      %r" % (i, w, g))
        return 1
    print("ok: CLIENT LIST/INFO fields %s equal in %d replies" % (",".join(FIELDS), len(SEQ)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
