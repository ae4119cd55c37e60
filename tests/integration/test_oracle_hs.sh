#!/usr/bin/env bash
# Hashes and sets (issue #5 items 2, 3): the differential cases of
# oracle_cases_hash.py and oracle_cases_set.py (seeded random sequences
# included: HS_SEED) against stock redis-server 7.0.15, two workers (ASan
# build), and multi-key set commands over keys of both workers.
IT_NAME=rwths IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
it_ns env HS_SEED="${HS_SEED:-1}" IT_DIR="$IT_ROOT/tests/integration" "$IT_PY" - "$IT_IP:$IT_PORT" "127.0.0.1:$IT_ORACLE_PORT" <<'PY'
import sys
import os
sys.path.insert(0, os.environ["IT_DIR"])
import oracle_compare
import glob
import importlib
cases = []
for m in ("oracle_cases_hash", "oracle_cases_set"):
    if glob.glob(os.path.join(os.environ["IT_DIR"], m + ".py")):
        cases += importlib.import_module(m).CASES
oracle_compare.all_cases = lambda: cases
sys.argv = sys.argv[:1] + sys.argv[1:]
sys.exit(oracle_compare.main())
PY
# Keys of two workers ({x}: slot 16287, worker 1; {b}: slot 3300, worker 0):
# the multi-key set commands run across workers (issue #5 item 7) and answer
# as redis-server does; SINTERCARD routes by its numkeys (LIMIT's argument
# is no key).
it_ns "$IT_PY" - "$IT_IP" "$IT_PORT" "$IT_ORACLE_PORT" <<'PY'
import sys
from redis import Redis, ResponseError
r = Redis(host=sys.argv[1], port=int(sys.argv[2]))
oracle = Redis(host="127.0.0.1", port=int(sys.argv[3]))


def both(*cmd):
    out = []
    for c in (r, oracle):
        try:
            out.append(c.execute_command(*cmd))
        except ResponseError as e:
            out.append(("error", str(e)))
    assert out[0] == out[1], (cmd, out)


both("DEL", "{x}1", "{x}2", "{b}1", "{b}9")
both("SADD", "{x}1", 1, 2, 3)
both("SADD", "{x}2", 2, 3)
both("SADD", "{b}1", 3)
for cmd in (["SINTER", "{x}1", "{b}1"], ["SUNIONSTORE", "{x}1", "{b}1"], ["SMEMBERS", "{x}1"],
            ["SDIFF", "{b}1", "{x}1"], ["SMOVE", "{x}1", "{b}1", "1"], ["SMOVE", "{b}1", "{x}1", "3"],
            ["SMEMBERS", "{b}1"], ["SINTERCARD", "2", "{x}1", "{b}1"],
            ["SINTERSTORE", "{b}9", "{x}1", "{x}2"], ["SMEMBERS", "{b}9"],
            ["SINTERCARD", "2", "{x}1", "{x}2", "LIMIT", "1"], ["SINTERCARD", "1", "{b}1"],
            ["SINTERCARD", "2", "{x}1", "{x}2"], ["SINTER", "{x}1", "{x}2"],
            ["SMOVE", "{x}1", "{x}2", "1"], ["SCARD", "{x}2"]):
    both(*cmd)
print("cross-worker set commands ok")

# Hash-table encoded values, whose order is Redwire's own: a full *SCAN walk
# reports every element, the random commands keep Redis's count rules.
r.delete("{x}h", "{x}s")
fields = {("f%d" % i).encode(): str(i).encode() for i in range(3000)}
r.hset("{x}h", mapping=fields)
members = {("m%d" % i).encode() for i in range(3000)}
r.sadd("{x}s", *members)
assert r.object("encoding", "{x}h") == b"hashtable" and r.object("encoding", "{x}s") == b"hashtable"
seen, cur, steps = {}, 0, 0
while True:
    cur, part = r.hscan("{x}h", cur, count=50)
    seen.update(part)
    steps += 1
    if cur == 0 or steps > 100000:
        break
assert seen == fields, "HSCAN missed fields"
smem, cur, steps = set(), 0, 0
while True:
    cur, part = r.sscan("{x}s", cur, count=50)
    smem.update(part)
    steps += 1
    if cur == 0 or steps > 100000:
        break
assert smem == members and steps > 10, "SSCAN missed members"
assert r.hgetall("{x}h") == fields
pick = r.hrandfield("{x}h", 100)
assert len(pick) == 100 and len(set(pick)) == 100 and set(pick) <= set(fields)
pick = r.hrandfield("{x}h", -5000, withvalues=True)
assert len(pick) == 10000 and all(fields[pick[i]] == pick[i + 1] for i in range(0, 10000, 2))
pick = r.srandmember("{x}s", 2500)
assert len(pick) == 2500 and len(set(pick)) == 2500 and set(pick) <= members
assert len(r.srandmember("{x}s", -4000)) == 4000
popped = r.spop("{x}s", 1000)
assert len(set(popped)) == 1000 and r.scard("{x}s") == 2000 and not r.smismember("{x}s", *popped).count(1)
assert r.execute_command("SINTERCARD", "1", "{x}s", "LIMIT", "10") == 10
print("hashtable encodings ok")
PY
