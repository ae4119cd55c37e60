#!/usr/bin/python3
"""While the control plane is down (issue #7, "Faults"): a read of an
acknowledged key is served at once; a write is held (its record cannot be
made durable): no reply within HOLD_S seconds; then MARKER is created and
the caller restarts the control plane; the write must then get +OK.

usage: down_check.py HOST PORT KEY VALUE HOLD_S MARKER
prints "read ok; write held X.XX s then +OK"; exit 1 otherwise
"""
import socket
import sys
import time

from resp_client import RawConn, encode


def main():
    host, port, key, value = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    hold, marker = float(sys.argv[5]), sys.argv[6]
    c = RawConn(host, port, timeout=2)
    c.send(encode("GET", key))
    got = c.read_reply()
    want = b"$%d\r\n%s\r\n" % (len(value), value.encode())
    if got != want:
        print("FAIL: GET %s while the control plane is down: %r, want %r" % (key, got, want))
        return 1
    t0 = time.time()
    c.send(encode("SET", "down:held", value))
    c.sock.settimeout(hold)
    try:
        early = c.sock.recv(100)
    except (socket.timeout, TimeoutError):
        early = b""
    if early:
        print("FAIL: SET acknowledged while the control plane is down: %r" % early)
        return 1
    open(marker, "w").close()
    c.sock.settimeout(60)
    got = c.read_reply()
    held = time.time() - t0
    if got != b"+OK\r\n":
        print("FAIL: SET after the control plane is back: %r after %.2f s" % (got, held))
        return 1
    print("read ok; write held %.2f s then +OK" % held)
    return 0


if __name__ == "__main__":
    sys.exit(main())
