#!/usr/bin/python3
"""A write must not be acknowledged while the control plane cannot make it
durable: send SET while the control plane is stopped and require silence;
resume it (the caller's --resume command) and require +OK.

usage: hold_check.py HOST PORT STOPPED_SECONDS RESUME_CMD...
"""
import socket
import subprocess
import sys

from resp_client import RawConn, encode


def main():
    host, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    resume = sys.argv[4:]
    c = RawConn(host, port, timeout=10)
    c.send(encode("SET", "held:key", "v"))
    c.sock.settimeout(wait)
    try:
        early = c.sock.recv(100)
    except (socket.timeout, TimeoutError):
        early = b""
    if early:
        print("FAIL: reply %r before the write was durable" % early)
        return 1
    subprocess.run(resume, check=True)
    c.sock.settimeout(10)
    got = c.read_reply()
    if got != b"+OK\r\n":
        print("FAIL: after resume got %r" % got)
        return 1
    print("hold_check ok: no reply for %.1fs while not durable, +OK after" % wait)
    return 0


if __name__ == "__main__":
    sys.exit(main())
