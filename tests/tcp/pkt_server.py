#!/usr/bin/python3
"""The application side of a segment script on Linux (tests/tcp/pkt_linux.py).

Runs inside the server namespace: listens on ADDR:PORT and carries out the
script's calls on the connection from the peer's port, one command a line on
stdin, one answer a line on stdout ("ok [value]" or "err why"):

  write SPORT N | read SPORT N | readable SPORT | close SPORT | abort SPORT
  state SPORT | accepts | resets | keepalive S | sysctl NAME VALUE

Connections are accepted before each command runs (every completed
handshake), so accepts() counts what Redwire's accept callback would.
A connection counts as reset once SO_ERROR reports an error (a RST, or a
keepalive or retransmission timeout), as Redwire's reset callback runs.
"""
import os
import socket
import struct
import sys

TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RCVD", 4: "FIN_WAIT_1", 5: "FIN_WAIT_2",
              6: "TIME_WAIT", 7: "CLOSED", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
              11: "CLOSING", 12: "SYN_RCVD"}

conns = {}  # peer port -> socket (open: the application has not closed it)
accepted = 0
reset_ports = set()


def accept_ready(ls):
    """Accept every connection whose handshake is complete (the listener is
    non-blocking): done before each command, so a call never races the
    accept."""
    global accepted
    while True:
        try:
            s, peer = ls.accept()
        except BlockingIOError:
            return
        accepted += 1
        conns[peer[1]] = s


def poll_errors():
    for port, s in list(conns.items()):
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err != 0:
            reset_ports.add(port)


def conn_state(lport, sport):
    """The connection's state from /proc/net/tcp (request and TIME-WAIT sockets included)."""
    found = []
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            lp = int(fields[1].split(":")[1], 16)
            rp = int(fields[2].split(":")[1], 16)
            if lp == lport and rp == sport:
                found.append(TCP_STATES.get(int(fields[3], 16), "?"))
    live = [s for s in found if s != "CLOSED"]
    return live[0] if live else "CLOSED"


def handle(words, ls, lport):
    accept_ready(ls)
    op = words[0]
    if op == "accepts":
        return str(accepted)
    if op == "resets":
        poll_errors()
        return str(len(reset_ports))
    if op == "keepalive":
        secs = int(words[1])
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1 if secs > 0 else 0)
        if secs > 0:  # Redis's anetKeepAlive: interval idle/3, 3 probes
            ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, secs)
            ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(1, secs // 3))
            ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
        return ""
    if op == "sysctl":
        with open("/proc/sys/" + words[1].replace(".", "/"), "w") as f:
            f.write(words[2])
        return ""
    sport = int(words[1])
    if op == "state":
        return conn_state(lport, sport)
    poll_errors()
    s = conns.get(sport)
    if s is None:
        raise ValueError("%s(): no connection from port %d" % (op, sport))
    if op == "write":
        n = int(words[2])
        data = bytes(ord("a") + i % 26 for i in range(n))
        sent = s.send(data, socket.MSG_DONTWAIT)
        if sent != n:
            raise ValueError("write(%d): only %d bytes taken" % (n, sent))
        return ""
    if op == "read":
        n = int(words[2])
        got = b""
        while len(got) < n:
            try:
                chunk = s.recv(n - len(got), socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            if not chunk:
                break
            got += chunk
        if len(got) != n:
            raise ValueError("read(%d): only %d bytes readable" % (n, len(got)))
        return ""
    if op == "readable":
        import fcntl
        import termios
        buf = fcntl.ioctl(s.fileno(), termios.FIONREAD, b"\0\0\0\0")
        return str(struct.unpack("i", buf)[0])
    if op in ("close", "abort"):
        if op == "abort":  # SO_LINGER 0: close() sends a RST
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        del conns[sport]
        s.close()
        return ""
    raise ValueError("unknown command %s" % op)


def main():
    addr, lport = sys.argv[1], int(sys.argv[2])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle, as Redwire
    ls.bind((addr, lport))
    ls.listen(128)
    ls.setblocking(False)
    print("ok ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            out = handle(words, ls, lport)
            print(("ok " + out).rstrip(), flush=True)
        except Exception as e:  # noqa: BLE001 - reported to the runner
            print("err %s" % e, flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
