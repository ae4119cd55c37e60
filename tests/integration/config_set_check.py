#!/usr/bin/python3
"""CONFIG SET hz, dynamic-hz, bind, latency-tracking-info-percentiles and CONFIG GET
maxmemory-clients: Redwire's replies against stock redis-server 7.0.15's,
byte for byte, then what bind and the percentiles do on Redwire.

usage: config_set_check.py REDWIRE_IP PORT ORACLE_PORT   (run in the namespace)

Stock runs on 127.0.0.1 in the same namespace, so the bind values compared
are ones whose verdict does not depend on the host: loopback, an optional
or a foreign address, garbage, too many, collisions (IPv6 is left to the
unit test: the namespace may have none).
"""
import re
import socket
import sys
import time

from resp_client import RawConn, encode as E

rw_ip, rw_port, or_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rw = RawConn(rw_ip, rw_port)
oracle = RawConn("127.0.0.1", or_port)


def both(*args):
    got = []
    for c in (rw, oracle):
        c.send(E(*args))
        got.append(c.read_reply())
    assert got[0] == got[1], "%r: redwire %r, stock %r" % (args, got[0], got[1])
    return got[0]


# this host's own name, when it resolves to loopback (/etc/hosts): stock
# binds it, and refuses it beside the address it stands for
host_cases = []
try:
    if socket.gethostbyname(socket.gethostname()).startswith("127."):
        host_cases = [("SET", "bind", socket.gethostname()), ("GET", "bind"),
                      ("SET", "bind", "127.0.0.1 " + socket.gethostname())]
except OSError:
    pass
checked = 0
for case in [
        ("GET", "maxmemory-clients"),  # from the boot file: 10%
        ("GET", "hz"), ("SET", "hz", "0"), ("GET", "hz"), ("SET", "hz", "1000"), ("GET", "hz"),
        ("SET", "hz", "-1"), ("SET", "hz", "abc"), ("SET", "hz", "99999999999"),
        ("SET", "hz", "25"), ("GET", "hz"),
        ("GET", "dynamic-hz"), ("SET", "dynamic-hz", "no"), ("GET", "dynamic-hz"),
        ("SET", "dynamic-hz", "1"), ("SET", "dynamic-hz", "maybe"), ("SET", "dynamic-hz", ""),
        ("SET", "dynamic-hz", "YES"), ("GET", "dynamic-hz"), ("GET", "DYNAMIC-HZ"),
        ("GET", "latency-tracking-info-percentiles"),
        ("SET", "latency-tracking-info-percentiles", "abc"),
        ("SET", "latency-tracking-info-percentiles", "101"),
        ("SET", "latency-tracking-info-percentiles", "-1"),
        ("SET", "latency-tracking-info-percentiles", "50 99 abc"),
        ("SET", "latency-tracking-info-percentiles", "  50   99 "),
        ("SET", "latency-tracking-info-percentiles", "1.5 inf"),
        ("SET", "latency-tracking-info-percentiles", "50 99.99 1e2"),
        ("GET", "latency-tracking-info-percentiles"),
        ("SET", "latency-tracking-info-percentiles", "50.0000001 99.12345678"),
        ("GET", "latency-tracking-info-percentiles"),
        ("SET", "latency-tracking-info-percentiles", ""),
        ("GET", "latency-tracking-info-percentiles"),
        ("SET", "latency-tracking-info-percentiles", "0x10"),
        ("GET", "latency-tracking-info-percentiles"),
        ("SET", "latency-tracking-info-percentiles", "50 99 99.9"),
        ("SET", "bind", "10.9.9.9"), ("SET", "bind", "abc"), ("SET", "bind", "-abc"),
        ("SET", "bind", "-"), ("SET", "bind", "1.2.3.4.5"), ("SET", "bind", "-1.2.3.4.5"),
        ("SET", "bind", " ".join(str(i) for i in range(17))),
        ("SET", "bind", "127.0.0.1  127.0.0.2"), ("SET", "bind", "127.0.0.1 127.0.0.1"),
        ("SET", "bind", "* 127.0.0.1"), ("SET", "bind", "0.0.0.0 *"),
        ("SET", "bind", "127.0.0.1 -127.0.0.1"),
        ("SET", "hz", "5", "bind", "10.1.1.1"), ("GET", "hz"),  # all or nothing
        ("SET", "bind", "-10.1.1.1 127.0.0.1"), ("GET", "bind"),
        ("SET", "bind", "localhost"), ("GET", "bind"),
        # host names, resolved as listenToPort() resolves them
        ("SET", "bind", "nosuchhost.invalid"), ("SET", "bind", "-nosuchhost.invalid 127.0.0.1"),
        ("SET", "bind", "localhost 127.0.0.1"), ("GET", "bind"),
        ("SET", "bind", "127.0.0.5"), ("GET", "bind"),
        ("SET", "bind", "127.0.0.1"), ("GET", "bind"),
        ("SET", "hz", "10", "latency-tracking-info-percentiles", "25 75"),
        ("GET", "hz"), ("GET", "latency-tracking-info-*"),
] + host_cases:
    both("CONFIG", *case)
    checked += 1
print("CONFIG SET/GET: %d cases byte-identical with stock" % checked)


def connect_refused():
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((rw_ip, rw_port))
    except ConnectionRefusedError:
        return True
    finally:
        s.close()
    return False


# bind 127.0.0.1 (accepted, as stock accepts it): no client on the wire
# reaches loopback, so a SYN to the NIC's address gets a RST; the
# connections open stay, as Redis keeps its clients when it rebinds.
assert connect_refused(), "bind 127.0.0.1: a new connection to %s was accepted" % rw_ip
rw.send(E("PING"))
assert rw.read_reply() == b"+PONG\r\n", "the open connection did not survive the rebind"
rw.send(E("CONFIG", "SET", "bind", "-10.9.9.9 %s" % rw_ip))
assert rw.read_reply() == b"+OK\r\n"
assert not connect_refused(), "bind with redwire-address: a new connection was refused"
rw.send(E("CONFIG", "SET", "bind", "127.0.0.1 -::1"))
assert rw.read_reply() == b"+OK\r\n"
assert connect_refused(), "bind '127.0.0.1 -::1' let a connection in"
rw.send(E("CONFIG", "SET", "bind", "* -::*"))
assert rw.read_reply() == b"+OK\r\n"
assert not connect_refused(), "bind '* -::*': a new connection was refused"
oracle.send(E("CONFIG", "SET", "bind", "127.0.0.1"))
oracle.read_reply()
print("bind: loopback only refuses the NIC's address with a RST, open clients stay")

# INFO latencystats at the percentiles set above (25 75) on both: the same
# lines for the commands both ran (the figures are each server's own)
for c in (rw, oracle):
    c.send(E("GET", "cfg:x"))
    c.read_reply()
pat = re.compile(rb"^latency_percentiles_usec_([^:]+):(.*)$")


def latencystats(c):
    c.send(E("INFO", "latencystats"))
    text = c.read_reply().split(b"\r\n", 1)[1]
    lines = text.split(b"\r\n")
    assert lines[0] == b"# Latencystats", lines[:2]
    out = {}
    for line in lines[1:]:
        m = pat.match(line)
        if m:
            out[m.group(1)] = re.sub(rb"=[0-9.]+", b"=N", m.group(2))
    return out


got, want = latencystats(rw), latencystats(oracle)
for cmd in (b"get", b"config|set", b"config|get"):
    assert got.get(cmd) == want.get(cmd) == b"p25=N,p75=N", (cmd, got.get(cmd), want.get(cmd))
both("CONFIG", "SET", "latency-tracking-info-percentiles", "")
got, want = latencystats(rw), latencystats(oracle)
assert got[b"get"] == want[b"get"] == b"", (got, want)
both("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
print("INFO latencystats follows latency-tracking-info-percentiles as stock's does")
