#!/usr/bin/env bash
# Hashes and sets survive the AOF: with appendonly yes, writes of every
# kind (SPOP's random picks included: journaled as the SREM/DEL they did,
# as Redis propagates them) are loaded by stock redis-server 7.0.15 into
# the same contents Redwire served, compared member by member.
IT_NAME=rwtaofh IT_SAN=${IT_SAN:-1}
source "$(dirname "$0")/lib.sh"

DATADIR=/var/lib/redwire/$IT_NAME
rm -rf "$DATADIR/appendonlydir"
CONF=$(mktemp /tmp/rwtaofh-XXXXXX.conf)
STOCK_DIR=$(mktemp -d /tmp/rwtaofh-stock-XXXXXX)
STOCK_PID=""
cleanup_aof() {
	if [ -n "$STOCK_PID" ]; then kill "$STOCK_PID" 2>/dev/null || true; wait "$STOCK_PID" 2>/dev/null || true; fi
	rm -rf "$CONF" "$STOCK_DIR"
}
cp "$IT_ROOT/platform/config/redwire.conf" "$CONF"
printf 'appendonly yes\nappendfsync everysec\n' >>"$CONF"
it_up --workers 2 --config "$CONF"
trap 'rc=$?; set +e; cleanup_aof; (exit $rc); it_cleanup' EXIT

WANT=$(mktemp /tmp/rwtaofh-want-XXXXXX)
it_ns "$IT_PY" - "$IT_IP" "$IT_PORT" >"$WANT" <<'PY'
import sys
from redis import Redis
r = Redis(host=sys.argv[1], port=int(sys.argv[2]))
r.hset("h1", mapping={"a": "1", "b": "two", "c": "3"})
r.hincrby("h1", "a", 41); r.hincrbyfloat("h1", "f", "1.5"); r.hdel("h1", "b"); r.hsetnx("h1", "c", "x")
r.hset("h2", mapping={"f%d" % i: "v%d" % i for i in range(600)})  # hashtable
r.sadd("s1", *range(100)); r.sadd("s2", *["m%d" % i for i in range(700)])
for k in ("s1", "s2"):
    r.spop(k); r.spop(k, 10)
r.sadd("s3", 1, 2, 3); r.spop("s3", 5)  # whole set: DEL
r.sadd("{t}a", 1, 2, 3, 4); r.sadd("{t}b", 3, 4, 5)
r.sinterstore("{t}i", "{t}a", "{t}b"); r.sunionstore("{t}u", "{t}a", "{t}b"); r.sdiffstore("{t}d", "{t}a", "{t}b")
r.smove("{t}a", "{t}b", 1); r.srem("{t}b", 5)
keys = ["h1", "h2", "s1", "s2", "s3", "{t}a", "{t}b", "{t}i", "{t}u", "{t}d"]
for k in keys:
    t = r.type(k).decode()
    v = sorted(r.hgetall(k).items()) if t == "hash" else sorted(r.smembers(k)) if t == "set" else None
    print(k, t, v)
PY
[ -s "$WANT" ] || it_fail "no contents read from Redwire"
sleep 0.3
REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
AOFDIR=$DATADIR/appendonlydir
grep -qa '^SPOP\|^spop' "$AOFDIR/appendonly.aof.1.incr.aof" && it_fail "SPOP journaled as sent"
out=$(cd "$AOFDIR" && redis-check-aof appendonly.aof.manifest 2>&1) || it_fail "redis-check-aof: $out"

cp -a "$AOFDIR" "$STOCK_DIR/"
port=7392
redis-server --port $port --bind 127.0.0.1 --dir "$STOCK_DIR" --appendonly yes \
	--appenddirname appendonlydir --appendfilename appendonly.aof --save '' \
	--daemonize no >"$STOCK_DIR/redis.log" 2>&1 &
STOCK_PID=$!
for _ in $(seq 50); do [ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
[ "$(redis-cli -p $port ping 2>/dev/null)" = PONG ] || { cat "$STOCK_DIR/redis.log"; it_fail "stock redis-server did not start on the AOF"; }
GOT=$("$IT_PY" - 127.0.0.1 $port <<'PY'
import sys
from redis import Redis
r = Redis(host=sys.argv[1], port=int(sys.argv[2]))
keys = ["h1", "h2", "s1", "s2", "s3", "{t}a", "{t}b", "{t}i", "{t}u", "{t}d"]
for k in keys:
    t = r.type(k).decode()
    v = sorted(r.hgetall(k).items()) if t == "hash" else sorted(r.smembers(k)) if t == "set" else None
    print(k, t, v)
PY
)
[ "$GOT" = "$(cat "$WANT")" ] || { diff <(cat "$WANT") <(echo "$GOT") | head -20; rm -f "$WANT"; it_fail "stock load differs"; }
rm -f "$WANT"
it_log "ok"
