#!/usr/bin/python3
"""Capture the replies of stock redis-server 7.0.15 into a CUnit case table.

usage: capture_cases.py PORT CASES.py > stock_cases_X.inc

CASES.py defines TABLES = [(name, proto, [command lines])]; a command line
is split on single spaces (as the unit harness's h_run() splits it). Each
table runs on one connection of a FLUSHALLed server (HELLO 3 first for
RESP3 tables), and becomes `static const struct cmd_case NAME[]` with the
replies byte for byte, so the unit tests compare Redwire with the stock
server without running it.
"""
import importlib.util
import socket
import sys


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def _line(self, pos):
        while self.buf.find(b"\r\n", pos) < 0:
            self._fill()
        return self.buf.index(b"\r\n", pos)

    def _skip(self, pos):
        eol = self._line(pos)
        t = self.buf[pos:pos + 1]
        nxt = eol + 2
        if t in b"$=!":
            n = int(self.buf[pos + 1:eol])
            if n < 0:
                return nxt
            while len(self.buf) < nxt + n + 2:
                self._fill()
            return nxt + n + 2
        if t in b"*~>%":
            n = int(self.buf[pos + 1:eol])
            for _ in range(max(n, 0) * (2 if t == b"%" else 1)):
                nxt = self._skip(nxt)
        return nxt

    def cmd(self, line):
        args = line.split(" ")
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        end = self._skip(0)
        reply, self.buf = self.buf[:end], self.buf[end:]
        return reply


def c_str(b):
    out = ""
    for ch in b:
        c = chr(ch)
        if c == "\r":
            out += "\\r"
        elif c == "\n":
            out += "\\n"
        elif c in "\"\\":
            out += "\\" + c
        elif 32 <= ch < 127:
            out += c
        else:
            out += "\\%03o" % ch
    return '"' + out + '"'


def main():
    port = int(sys.argv[1])
    spec = importlib.util.spec_from_file_location("cases", sys.argv[2])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    print("/* Replies captured from stock redis-server 7.0.15 by capture_cases.py from")
    print(" * %s: do not edit, re-run the script. */" % sys.argv[2].split("/")[-1])
    for name, proto, lines in mod.TABLES:
        c = Conn(port)
        c.cmd("FLUSHALL")
        if proto == 3:
            c.cmd("HELLO 3")
        print("\nstatic const struct cmd_case %s[] = {" % name)
        for ln in lines:
            print("\t{%s, %s}," % (c_str(ln.encode()), c_str(c.cmd(ln))))
        print("\t{NULL, NULL},\n};")
        c.s.close()


if __name__ == "__main__":
    main()
