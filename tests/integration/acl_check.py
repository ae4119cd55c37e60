#!/usr/bin/python3
"""ACL behaviour the byte-for-byte cases (oracle_acl_cases.py) cannot show,
each compared with stock redis-server 7.0.15 running the same script:

  log      ACL LOG entries after refusals (command, key, channel, auth, in
           MULTI too; repeats counted in one entry): every field but
           age-seconds and client-info byte-equal, client-info's user= and
           cmd= fields equal; then ACL LOG RESET;
  misc     ACL GENPASS lengths, ACL CAT of each category as a set (stock's
           order is its dict's), CLIENT LIST/INFO's user= field;
  kill     ACL DELUSER closes every connection of the user, wherever it
           lives (four connections, spread over the workers), and only
           those; SETUSER off keeps them (stock does);
  xdeny    MGETs of a user allowed keys of both workers ({T0}* and {T1}a*),
           each naming a key outside its patterns: -NOPERM from the
           connection's worker (the test checks no part was forwarded);
  xallow   the same user's MGETs across both workers: served (the test
           checks the forwarding counters moved).

usage: acl_check.py MODE HOST PORT ORACLE_HOST ORACLE_PORT
"""
import re
import sys
import time

from oracle_cases_xshard import tag_on, worker_of
from resp_client import RawConn, encode as E

T0, T1 = tag_on(0), tag_on(1)
FAILS = []


def conn(addr):
    return RawConn(addr[0], int(addr[1]))


def cmd(c, *args):
    c.send(E(*args))
    return c.read_reply()


def check(what, got, want):
    if got != want:
        FAILS.append("%s:\n  redis-server: %r\n  redwire:      %r" % (what, want, got))


def both(fn, rw, orc):
    return fn(rw), fn(orc)


def setup_user(c):
    cmd(c, "ACL", "SETUSER", "acl_u", "reset", "on", ">pw", "~k*", "~{%s}*" % T0,
        "~{%s}a*" % T1, "&ch*", "-@all", "+get", "+mget", "+set", "+publish", "+multi",
        "+exec", "+ping", "+client", "+acl|whoami")


def drop_user(c):
    cmd(c, "ACL", "DELUSER", "acl_u")


LOG_FIELD = re.compile(rb"\$11\r\nage-seconds\r\n[^\r]*\r\n(?:[^\r]*\r\n)?\$11\r\nclient-info\r\n"
                       rb"\$\d+\r\n([^\r]*)\r\n")


def mask_log(reply):
    """Keep client-info's user= and cmd=, drop the age and the rest."""
    def sub(m):
        info = m.group(1)
        keep = b" ".join(f for f in info.split(b" ") if f.startswith((b"user=", b"cmd=")))
        return b"AGE " + keep + b"\r\n"
    return LOG_FIELD.sub(sub, reply)


def run_log(addr):
    a = conn(addr)
    cmd(a, "ACL", "LOG", "RESET")
    setup_user(a)
    u = conn(addr)
    out = [cmd(u, "AUTH", "acl_u", "wrong"), cmd(u, "auth", "nosuch", "x"),
           cmd(u, "AUTH", "acl_u", "pw"), cmd(u, "INCR", "k1"), cmd(u, "INCR", "k1"),
           cmd(u, "GET", "zz"), cmd(u, "PUBLISH", "nope", "m"), cmd(u, "MULTI"),
           cmd(u, "GET", "other"), cmd(u, "EXEC")]
    out.append(mask_log(cmd(a, "ACL", "LOG")))
    out.append(mask_log(cmd(a, "ACL", "LOG", "2")))
    out.append(cmd(a, "ACL", "LOG", "RESET"))
    out.append(cmd(a, "ACL", "LOG"))
    drop_user(a)
    u.close()
    a.close()
    return out


def run_misc(addr):
    a = conn(addr)
    out = []
    for bits in ("1", "5", "64", "256", "4096"):
        out.append(len(cmd(a, "ACL", "GENPASS", bits)))
    out.append(len(cmd(a, "ACL", "GENPASS")))
    cats = [x for x in cmd(a, "ACL", "CAT").split(b"\r\n") if x and x[:1] not in b"*$"]
    for cat in cats:
        r = cmd(a, "ACL", "CAT", cat.decode())
        out.append((cat, sorted(x for x in r.split(b"\r\n") if x and x[:1] not in b"*$")))
    setup_user(a)
    u = conn(addr)
    cmd(u, "AUTH", "acl_u", "pw")
    info = cmd(u, "CLIENT", "INFO")
    out.append(re.search(rb" user=(\S+)", info).group(1))
    lst = cmd(a, "CLIENT", "LIST")
    out.append(sorted(re.findall(rb" user=(\S+)", lst)))
    drop_user(a)
    u.close()
    a.close()
    return out


def closed(c):
    return c.closed_by_peer(wait=1.0)


def run_kill(addr):
    a = conn(addr)
    setup_user(a)
    us = [conn(addr) for _ in range(4)]
    other = conn(addr)
    out = [cmd(u, "AUTH", "acl_u", "pw") for u in us]
    out.append(cmd(a, "ACL", "SETUSER", "acl_u", "off"))
    out += [cmd(u, "PING") for u in us]
    out.append(cmd(a, "ACL", "DELUSER", "acl_u"))
    time.sleep(0.2)
    out += [closed(u) for u in us]
    out.append(cmd(other, "PING"))
    out.append(cmd(a, "CLIENT", "KILL", "USER", "acl_u"))
    for c in us + [other, a]:
        c.close()
    return out


def run_xdeny(addr):
    a = conn(addr)
    setup_user(a)
    u = conn(addr)
    out = [cmd(u, "AUTH", "acl_u", "pw")]
    for i in range(20):
        out.append(cmd(u, "MGET", "{%s}x%d" % (T0, i), "{%s}a%d" % (T1, i), "{%s}b%d" % (T1, i)))
    u.close()
    a.close()
    return out


def run_xallow(addr):
    a = conn(addr)
    for i in range(20):
        cmd(a, "SET", "{%s}a%d" % (T1, i), "v%d" % i)
    u = conn(addr)
    out = [cmd(u, "AUTH", "acl_u", "pw")]
    for i in range(20):
        out.append(cmd(u, "MGET", "{%s}x%d" % (T0, i), "{%s}a%d" % (T1, i), "k%d" % i))
    out.append(cmd(u, "SET", "{%s}b1" % T1, "v"))
    for i in range(20):
        cmd(a, "DEL", "{%s}a%d" % (T1, i))
    drop_user(a)
    u.close()
    a.close()
    return out


def main():
    mode = sys.argv[1]
    rw, orc = (sys.argv[2], sys.argv[3]), (sys.argv[4], sys.argv[5])
    assert worker_of("{%s}x" % T0) == 0 and worker_of("{%s}a" % T1) == 1
    fn = {"log": run_log, "misc": run_misc, "kill": run_kill, "xdeny": run_xdeny,
          "xallow": run_xallow}[mode]
    got, want = fn(rw), fn(orc)
    check(mode, got, want)
    for f in FAILS:
        print("MISMATCH " + f)
    print("acl_check %s: %s" % (mode, "FAILED" if FAILS else "ok"))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
