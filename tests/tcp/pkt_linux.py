#!/usr/bin/python3
"""Segment scripts (tests/tcp/scripts/*.pkt) against the Linux kernel.

The same scripts the unit runner (tests/unit/tcp/tcp_script_run.c) plays
against Redwire's stack on virtual time are played here in real time, with
scapy, against a listening Linux socket: a script passing on both proves its
expectations are not Redwire's own output. The format is in
tests/tcp/README.md; a script runs here when its header says `// linux: yes`.

Per script, two fresh network namespaces joined by a veth pair (so no state
such as TIME-WAIT or cached metrics carries over between scripts):

  NAMEp  198.18.X.1  the peer: this process, inside it, sends the script's
                     segments on a packet socket and captures the replies;
                     nftables drops the RSTs its own kernel would send to
                     segments for no socket of its own
  NAMEs  198.18.X.2  Linux: tests/tcp/pkt_server.py listens on :6379 and
                     carries out the calls (write, read, close, state...)

This process starts in the root namespace, only to run `ip`; every packet it
sends leaves from inside NAMEp (setns), sourced from the peer's address.

How Linux is compared (documented in tests/tcp/README.md):
  - PSH is not compared on data segments, nor outbound windows other than
    zero against non-zero: both are the implementation's choice;
  - stat() lines name Redwire's counters and are skipped;
  - set(synq_max, 0) becomes net.ipv4.tcp_syncookies=2 (always cookies),
    set(keepalive, S) the listener's keepalive (idle S, interval S/3, 3);
    other set() parameters have no Linux equivalent;
  - timing tolerance: at least 30 ms, plus 15% of the time since the last
    line the segment follows (the kernel's timer wheel rounds long timers);
    a state() that does not hold yet is asked again within that tolerance;
  - Linux runs without tail loss probes and RACK (tcp_early_retrans=0,
    tcp_recovery=0): RFC 8985 postdates the RFCs the scripts test; D-SACK
    (RFC 2883) is on, as by default.

Usage: pkt_linux.py --net 198.18.X --name PREFIX [--tolerance-ms N] SCRIPT...
Exit status 0 when every script passed; one line per script.
"""
import argparse
import ctypes
import os
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
PEER_ISN = 1000000
DEFAULT_SPORT, DEFAULT_DPORT = 40000, 6379
FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, ".": 0x10, "U": 0x20}
PSH = 0x08
CLONE_NEWNET = 0x40000000
SETTLE_S = 0.005  # the kernel has taken a segment in before a call looks at the result
READ_GRACE_S = 0.5  # how long a capture may take to reach this process
SO_TIMESTAMPNS = 35


class ScriptError(Exception):
    pass


# ---- parser (the grammar of tests/unit/tcp/tcp_script_parse.c) ----

class Opts:
    def __init__(self):
        self.any = False
        self.items = []  # in the written order: (kind, value)
        self.mss = None
        self.wscale = None
        self.sack_perm = False
        self.ts = None  # (val or None for ..., ecr or None)
        self.sack = []


class Event:
    def __init__(self, line):
        self.line = line
        self.rel = False
        self.t = 0.0
        self.kind = None  # "in", "out", "call"
        self.flags = 0
        self.seq_any = False
        self.seq = self.end = self.len = 0
        self.ack = None  # None: not given; "any"
        self.win = None
        self.opts = None
        self.fn = None
        self.args = []


def parse_opts(text):
    o = Opts()
    text = text.strip()
    if text == "...":
        o.any = True
        return o
    for part in [p.strip() for p in text.split(",")]:
        w = part.split()
        if w == ["nop"]:
            o.items.append(("NOP", None))
        elif w == ["eol"]:
            o.items.append(("EOL", None))
        elif len(w) == 2 and w[0] == "mss":
            o.mss = int(w[1])
            o.items.append(("MSS", o.mss))
        elif len(w) == 2 and w[0] == "wscale":
            o.wscale = int(w[1])
            o.items.append(("WScale", o.wscale))
        elif w == ["sackOK"]:
            o.sack_perm = True
            o.items.append(("SAckOK", b""))
        elif len(w) == 5 and w[0] == "TS" and w[1] == "val" and w[3] == "ecr":
            val = None if w[2] == "..." else int(w[2])
            ecr = None if w[4] == "..." else int(w[4])
            o.ts = (val, ecr)
            o.items.append(("Timestamp", (val, ecr)))
        elif len(w) >= 2 and w[0] == "sack":
            blocks = []
            for b in w[1:]:
                s, e = b.split(":")
                blocks.append((int(s), int(e)))
            o.sack = blocks
            o.items.append(("SAck", blocks))
        else:
            raise ScriptError("unknown option '%s'" % part)
    return o


SEG_RE = re.compile(r"^([SFRPU.]+)\s+(\.\.\.|(\d+):(\d+)\((\d+)\))(.*)$")


def parse_line(text, lineno):
    text = text.split("//")[0].strip()
    if not text or text.startswith("#"):
        return None
    e = Event(lineno)
    m = re.match(r"^(\+?)(\d*\.?\d+)\s+(.*)$", text)
    if not m:
        raise ScriptError("line %d: expected a time" % lineno)
    e.rel = m.group(1) == "+"
    e.t = float(m.group(2))
    rest = m.group(3)
    if rest[0] in "<>":
        e.kind = "in" if rest[0] == "<" else "out"
        sm = SEG_RE.match(rest[1:].strip())
        if not sm:
            raise ScriptError("line %d: bad segment" % lineno)
        for ch in sm.group(1):
            e.flags |= FLAG_BITS[ch]
        if sm.group(2) == "...":
            e.seq_any = True
        else:
            e.seq, e.end, e.len = int(sm.group(3)), int(sm.group(4)), int(sm.group(5))
        tail = sm.group(6)
        om = re.search(r"<(.*)>", tail)
        if om:
            e.opts = parse_opts(om.group(1))
            tail = tail[:om.start()] + tail[om.end():]
        words = tail.split()
        i = 0
        while i < len(words):
            if words[i] in ("ack", "win") and i + 1 < len(words):
                v = "any" if words[i + 1] == "..." else int(words[i + 1])
                setattr(e, words[i], v)
                i += 2
            else:
                raise ScriptError("line %d: unexpected '%s'" % (lineno, words[i]))
        return e
    cm = re.match(r"^(\w+)\((.*)\)$", rest)
    if not cm:
        raise ScriptError("line %d: expected '<', '>' or name(...)" % lineno)
    e.kind = "call"
    e.fn = cm.group(1)
    e.args = [a.strip() for a in cm.group(2).split(",") if a.strip()]
    return e


def parse_file(path):
    events, header = [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.lstrip().startswith("//"):
                header.append(line.strip())
            e = parse_line(line, n)
            if e is not None:
                events.append(e)
    return events, header


def linux_marked(path, slow):
    want = "(yes|slow)" if slow else "yes"
    with open(path) as f:
        return any(re.match(r"^//\s*linux:\s*%s\b" % want, line) for line in f)


# ---- namespaces ----

def sh(*cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r.stdout


_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


class Link:
    """Two namespaces and a veth pair; the server started in one of them."""

    def __init__(self, prefix, net):
        self.pns, self.sns = prefix + "p", prefix + "s"
        self.peer_ip, self.srv_ip = net + ".1", net + ".2"
        self.server = None
        for ns in (self.pns, self.sns):
            sh("ip", "netns", "del", ns, check=False)
        sh("ip", "netns", "add", self.pns)
        sh("ip", "netns", "add", self.sns)
        sh("ip", "link", "add", "kp0", "netns", self.pns, "type", "veth", "peer", "name", "ks0",
           "netns", self.sns)
        for ns, dev, ip in ((self.pns, "kp0", self.peer_ip), (self.sns, "ks0", self.srv_ip)):
            nx = ("ip", "netns", "exec", ns)
            sh(*nx, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
            sh(*nx, "ip", "addr", "add", ip + "/24", "dev", dev)
            # segments as the stack sent them: no GSO/TSO super-frames, full checksums
            sh(*nx, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off")
            sh(*nx, "ip", "link", "set", dev, "up")
            sh(*nx, "ip", "link", "set", "lo", "up")
        self.peer_mac = self.mac(self.pns, "kp0")
        self.srv_mac = self.mac(self.sns, "ks0")
        sh("ip", "-n", self.pns, "neigh", "replace", self.srv_ip, "lladdr", self.srv_mac,
           "dev", "kp0", "nud", "permanent")
        sh("ip", "-n", self.sns, "neigh", "replace", self.peer_ip, "lladdr", self.peer_mac,
           "dev", "ks0", "nud", "permanent")
        nft = ("table inet pktpeer {\n chain out {\n type filter hook output priority 0;\n"
               " tcp flags & rst == rst counter drop;\n }\n}\n")
        r = subprocess.run(["ip", "netns", "exec", self.pns, "nft", "-f", "-"], input=nft,
                           text=True, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("nft: " + r.stderr.strip())
        for k, v in (("tcp_early_retrans", "0"), ("tcp_recovery", "0"),
                     ("tcp_no_metrics_save", "1"), ("tcp_autocorking", "0"), ("tcp_ecn", "0"), ("tcp_dsack", "1"),
                     ("tcp_rmem", "4096 131072 6291456")):
            sh("ip", "netns", "exec", self.sns, "sysctl", "-qw", "net.ipv4.%s=%s" % (k, v))

    @staticmethod
    def mac(ns, dev):
        out = sh("ip", "-n", ns, "link", "show", dev)
        return re.search(r"link/ether ([0-9a-f:]+)", out).group(1)

    def start_server(self, port):
        self.server = subprocess.Popen(
            ["ip", "netns", "exec", self.sns, PY, os.path.join(HERE, "pkt_server.py"),
             self.srv_ip, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.server.stdout.readline().strip() != "ok ready":
            raise RuntimeError("the Linux-side server did not start")

    def call(self, *words):
        self.server.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.server.stdin.flush()
        r, _, _ = select.select([self.server.stdout], [], [], 5)
        if not r:
            raise ScriptError("the server did not answer %s" % (words,))
        ans = self.server.stdout.readline().strip()
        if ans.startswith("err"):
            raise ScriptError(ans[4:])
        return ans[3:]

    def close(self):
        if self.server is not None:
            self.server.stdin.close()
            try:
                self.server.wait(5)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        sh("ip", "netns", "del", self.pns, check=False)
        sh("ip", "netns", "del", self.sns, check=False)


# ---- the player ----

class Player:
    def __init__(self, link, tol_ms):
        self.link = link
        self.tol = max(tol_ms, 30) / 1000.0
        self.sport, self.dport = DEFAULT_SPORT, DEFAULT_DPORT
        self.our_base = 0
        self.ts_delta = None
        self.q = []  # captured (script time, scapy packet)
        self.qlock = threading.Condition()
        self.stop = False
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self.sock.bind(("kp0", 0))
        # Segments are timed by the kernel's receive timestamp, not by when
        # this process gets to read them (a loaded machine delays that).
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.real_off = time.time() - time.monotonic()
        self.t0 = time.monotonic()
        self.last_in = -1.0
        self.lag = 0.0
        self.gap = 0.0
        self.t_line = 0.0
        self.skipped = 0
        self.thread = threading.Thread(target=self.capture, daemon=True)
        self.thread.start()

    def now(self):
        return time.monotonic() - self.t0

    def capture(self):
        self.sock.settimeout(0.05)
        while not self.stop:
            try:
                data, anc, _, addr = self.sock.recvmsg(65535, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            at = self.now()
            for level, kind, val in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(val) >= 16:
                    sec, nsec = struct.unpack("qq", val[:16])
                    at = sec + nsec / 1e9 - self.real_off - self.t0
            p = Ether(data)
            if IP not in p or TCP not in p or p[IP].src != self.link.srv_ip:
                continue
            with self.qlock:
                self.q.append((at, p))
                self.qlock.notify()

    def fail(self, why):
        raise ScriptError("line %d: %s" % (self.line, why))

    def describe(self, p):
        t = p[TCP]
        return "flags %s seq %d ack %d len %d" % (
            t.sprintf("%TCP.flags%"), (t.seq - self.our_base) & 0xffffffff,
            (t.ack - PEER_ISN) & 0xffffffff, len(t.payload))

    def expect_empty(self):
        with self.qlock:
            if self.q:
                at, p = self.q[0]
                self.fail("unexpected segment at %.3f s: %s" % (at, self.describe(p)))

    def sleep_until(self, t):
        d = t - self.now()
        if d > 0:
            time.sleep(d)

    # inbound
    def wire_opts(self, o):
        out = []
        for kind, v in o.items:
            if kind == "Timestamp":
                val, ecr = v
                if ecr and self.ts_delta is not None:
                    ecr = (ecr + self.ts_delta) & 0xffffffff
                out.append((kind, (val, ecr)))
            elif kind == "SAck":
                flat = []
                for s, e in v:
                    flat += [(s + self.our_base) & 0xffffffff, (e + self.our_base) & 0xffffffff]
                out.append((kind, tuple(flat)))
            else:
                out.append((kind, v))
        return out

    def inbound(self, e):
        payload = bytes(ord("A") + i % 26 for i in range(e.len))
        ack = (self.our_base + e.ack) & 0xffffffff if isinstance(e.ack, int) else 0
        tcp = TCP(sport=self.sport, dport=self.dport, seq=(PEER_ISN + e.seq) & 0xffffffff,
                  ack=ack, flags=e.flags, window=65535 if e.win is None else e.win,
                  options=self.wire_opts(e.opts) if e.opts else [])
        pkt = Ether(src=self.link.peer_mac, dst=self.link.srv_mac) / IP(
            src=self.link.peer_ip, dst=self.link.srv_ip, ttl=64) / tcp / payload
        raw = bytes(pkt)
        self.last_in = self.now()
        self.lag = max(0.0, self.last_in - self.t_line)
        self.sock.send(raw)

    # outbound
    def outbound(self, e, t, t_prev):
        t += self.lag
        late = self.tol + 0.15 * max(0.0, t - t_prev)
        deadline = t + late
        with self.qlock:
            # wait a little past the deadline: the kernel's timestamp decides
            while not self.q and self.now() < deadline + READ_GRACE_S:
                self.qlock.wait(0.01)
            if not self.q:
                self.fail("expected segment not sent by %.3f s" % deadline)
            at, p = self.q.pop(0)
        if at > deadline:
            self.fail("segment sent late: at %.3f s, expected by %.3f s (%s)" % (
                at, deadline, self.describe(p)))
        if at + self.tol < t:
            self.fail("segment sent early: at %.3f s, expected %.3f s (%s)" % (
                at, t, self.describe(p)))
        if os.environ.get("PKT_DEBUG"):
            print("  line %d: expected at %.3f s, sent at %.3f s: %s" % (
                e.line, t, at, self.describe(p)))
        self.match(e, p)

    def match(self, e, p):
        t = p[TCP]
        flags = int(t.flags)
        want = e.flags
        if len(t.payload) > 0:
            flags &= ~PSH
            want &= ~PSH
        if flags != want:
            self.fail("flags: expected 0x%02x, sent 0x%02x (%s)" % (e.flags, int(t.flags),
                                                                    self.describe(p)))
        if t.sport != self.dport:
            self.fail("sent from port %d" % t.sport)
        if (flags & FLAG_BITS["S"]) and not e.seq_any:
            self.our_base = (t.seq - e.seq) & 0xffffffff
        seq = (t.seq - self.our_base) & 0xffffffff
        if not e.seq_any and (seq != e.seq or len(t.payload) != e.len):
            self.fail("seq: expected %d:%d(%d), sent %d:%d(%d)" % (
                e.seq, e.end, e.len, seq, seq + len(t.payload), len(t.payload)))
        if isinstance(e.ack, int) and (t.ack - PEER_ISN) & 0xffffffff != e.ack:
            self.fail("ack: expected %d, sent %d" % (e.ack, (t.ack - PEER_ISN) & 0xffffffff))
        if isinstance(e.win, int) and (e.win == 0) != (t.window == 0):
            self.fail("win: expected %d, sent %d" % (e.win, t.window))
        self.match_opts(e, t)

    def match_opts(self, e, t):
        if e.opts is not None and e.opts.any:
            return
        o = e.opts or Opts()
        got = {k: v for k, v in t.options}
        mss = got.get("MSS")
        if o.mss != mss:
            self.fail("option mss: expected %s, sent %s" % (o.mss, mss))
        if o.wscale != got.get("WScale"):
            self.fail("option wscale: expected %s, sent %s" % (o.wscale, got.get("WScale")))
        if o.sack_perm != ("SAckOK" in got):
            self.fail("option sackOK: expected %d, sent %d" % (o.sack_perm, "SAckOK" in got))
        ts = got.get("Timestamp")
        if (o.ts is not None) != (ts is not None):
            self.fail("option TS: expected %d, sent %d" % (o.ts is not None, ts is not None))
        if o.ts is not None:
            val, ecr = o.ts
            if ecr is not None and ts[1] != ecr:
                self.fail("TS ecr: expected %d, sent %d" % (ecr, ts[1]))
            if val is not None and (self.ts_delta is None or (int(t.flags) & FLAG_BITS["S"])):
                self.ts_delta = (ts[0] - val) & 0xffffffff
        sack = got.get("SAck", ())
        blocks = [((sack[i] - PEER_ISN) & 0xffffffff, (sack[i + 1] - PEER_ISN) & 0xffffffff)
                  for i in range(0, len(sack) - 1, 2)]
        if blocks != o.sack:
            self.fail("SACK blocks: expected %s, sent %s" % (o.sack, blocks))

    # calls
    def call(self, e):
        fn, a = e.fn, e.args
        L = self.link
        if fn == "set":
            k, v = a[0], int(a[1])
            if k == "sport":
                self.sport = v
            elif k == "dport":
                self.dport = v
            elif k == "tolerance_ms":
                self.tol = max(v, 30) / 1000.0
            elif k == "keepalive":
                L.call("keepalive", v)
            elif k == "synq_max" and v == 0:
                L.call("sysctl", "net.ipv4.tcp_syncookies", 2)
            else:
                self.fail("set(%s) has no Linux equivalent" % k)
        elif fn in ("write", "read"):
            L.call(fn, self.sport, a[0])
        elif fn == "readable":
            got = L.call("readable", self.sport)
            if got != a[0]:
                self.fail("readable(%s): %s bytes readable" % (a[0], got))
        elif fn in ("close", "abort"):
            L.call(fn, self.sport)
        elif fn == "state":
            # A state reached by a timer may come as late as a segment may.
            until = self.now() + self.tol + 0.15 * self.gap
            got = L.call("state", self.sport)
            while got != a[0] and self.now() < until:
                time.sleep(0.01)
                got = L.call("state", self.sport)
            if got != a[0]:
                self.fail("state: expected %s, is %s" % (a[0], got))
        elif fn in ("accepts", "resets"):
            got = L.call(fn)
            if got != a[0]:
                self.fail("%s: expected %s, counted %s" % (fn, a[0], got))
        elif fn == "stat":
            self.skipped += 1  # Redwire's counters
        else:
            self.fail("unknown call %s()" % fn)

    def run(self, events):
        t = t_prev = 0.0
        for e in events:
            self.line = e.line
            t = t + e.t if e.rel else e.t
            if e.kind == "out":
                self.outbound(e, t, t_prev)
                continue
            self.sleep_until(max(t, self.last_in + SETTLE_S))
            # Real time runs behind the script by the runner's own latency
            # (settling, the server's answers): outbound lines are timed
            # from when the line they follow really ran.
            self.lag = max(0.0, self.now() - t)
            self.t_line = t
            self.expect_empty()
            self.gap = t - t_prev
            if e.kind == "in":
                self.inbound(e)
            else:
                self.call(e)
            t_prev = t
        time.sleep(0.05)
        self.expect_empty()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def run_script(path, prefix, net, tol_ms):
    events, _ = parse_file(path)
    root = os.open("/proc/self/ns/net", os.O_RDONLY)
    link = Link(prefix, net)
    player = None
    try:
        link.start_server(DEFAULT_DPORT)
        setns("/run/netns/" + link.pns)
        player = Player(link, tol_ms)
        player.run(events)
        return player.skipped
    finally:
        if player is not None:
            player.close()
        if _libc.setns(root, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back to the root namespace")
        os.close(root)
        link.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--net", required=True, help="the /24 to use, e.g. 198.18.7")
    ap.add_argument("--name", required=True, help="namespace prefix (NAMEp, NAMEs)")
    ap.add_argument("--tolerance-ms", type=int, default=30)
    ap.add_argument("--marked", action="store_true", help="only scripts marked // linux: yes")
    ap.add_argument("--slow", action="store_true", help="with --marked: also // linux: slow")
    ap.add_argument("scripts", nargs="+")
    args = ap.parse_args()
    if not re.match(r"^198\.(18|19)\.\d{1,3}$", args.net):
        sys.exit("--net must be a /24 inside 198.18.0.0/15")
    passed = failed = 0
    for path in args.scripts:
        if args.marked and not linux_marked(path, args.slow):
            continue
        name = os.path.basename(path)
        t0 = time.monotonic()
        try:
            skipped = run_script(path, args.name, args.net, args.tolerance_ms)
            passed += 1
            print("ok   %-44s %5.2f s%s" % (name, time.monotonic() - t0,
                                             " (%d stat lines are Redwire's)" % skipped
                                             if skipped else ""), flush=True)
        except ScriptError as ex:
            failed += 1
            print("FAIL %-44s %s" % (name, ex), flush=True)
    print("linux scripts: %d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()
