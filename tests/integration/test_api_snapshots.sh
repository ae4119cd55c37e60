#!/usr/bin/env bash
# Tasks and snapshots through the management API over HTTPS with tokens
# (issue #8): POST /v1/snapshots (operator; viewer 403) answers 202 with
# the task and its Location; the task's progress, polled while the file is
# written (slowed by rdb-key-save-delay), only moves forward and ends
# succeeded with bytes_done == bytes_total == the file's size; the kept
# file is listed with its checksum checked, passes stock redis-check-rdb
# and loads into stock redis-server to Redwire's DEBUG DIGEST; a BGSAVE by
# a client is a task too; live restore (admin) of a snapshot after the
# data changed and was saved, with cross-worker MSET/RENAME/SUNIONSTORE
# traffic racing its start (tests/integration/restore_race.py: every reply
# the expected one or -LOADING, no hang): a task whose progress only moves
# forward to succeeded with bytes == the file's size, DEBUG DIGEST equal to stock
# redis-server's on the same file, kept by a restart with appendonly no
# (dump.rdb) and yes (the AOF rewritten), redwirectl snapshot restore
# following it; DELETE removes a file; retention keeps 8; audit lines;
# redwirectl tasks and snapshot.
IT_NAME=rwtsnap
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwtsnap.XXXXXX)
ORACLE=""
on_exit() {
	local rc=$?
	set +e
	[ -n "$ORACLE" ] && kill "$ORACLE" 2>/dev/null && wait "$ORACLE" 2>/dev/null
	rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
trap on_exit EXIT
command -v jq >/dev/null || it_fail "jq is needed"
DATA=/var/lib/redwire/$IT_NAME
CERT=$DATA/mgmt-cert.pem
PORT=$($IT_PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=https://127.0.0.1:$PORT
cp "$IT_ROOT/platform/config/redwire.conf" "$TMP/redwire.conf"
echo "redwire-mgmt-address 127.0.0.1:$PORT" >>"$TMP/redwire.conf"
# slow the walk so the task is seen running: 60000 keys x 40 us / 2 workers ~ 1.2 s
echo "rdb-key-save-delay 40" >>"$TMP/redwire.conf"
rm -rf "$DATA/snapshots" "$DATA"/mgmt-audit.jsonl
it_up --workers 2 --no-huge --config "$TMP/redwire.conf"
trap on_exit EXIT # it_up set its own
for _ in $(seq 50); do [ -s "$CERT" ] && break; sleep 0.1; done

hc() { curl -s --max-time 5 --cacert "$CERT" -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' "$@" || true; }
hdr() { tr -d '\r' <"$TMP/head" | sed -n "s/^$1: //Ip" | head -1; }
VIEW=$(it_ctl token create viewer s-view | head -1)
OPER=$(it_ctl token create operator s-oper | head -1)
ADMIN=$(it_ctl token create admin s-admin | head -1)

it_log "a dataset: 60000 keys (strings, hashes, lists) over both workers"
$IT_PY - >"$TMP/load.resp" <<'PY'
import sys
out = sys.stdout.buffer
def cmd(*a):
    out.write(b"*%d\r\n" % len(a))
    for x in a:
        x = x if isinstance(x, bytes) else str(x).encode()
        out.write(b"$%d\r\n%s\r\n" % (len(x), x))
for i in range(50000):
    cmd("SET", "key:%d" % i, "v%d-" % i + "x" * 90)
for i in range(5000):
    cmd("HSET", "h:%d" % i, "a", i, "b", "y" * 20)
    cmd("RPUSH", "l:%d" % i, "p", "q", i)
PY
it_ns redis-cli -h "$IT_IP" -p "$IT_PORT" --pipe <"$TMP/load.resp" >"$TMP/pipe.txt" || it_fail "load: $(cat "$TMP/pipe.txt")"
it_eq "$(it_cli dbsize)" 60000 "keys loaded"

it_log "roles: viewer may not take a snapshot; the task routes are a viewer's"
it_eq "$(hc -H "Authorization: Bearer $VIEW" -X POST "$URL/v1/snapshots")" 403 "viewer POST /v1/snapshots"
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/v1/tasks")" 200 "viewer GET /v1/tasks"
it_eq "$(hc -X POST "$URL/v1/snapshots")" 401 "POST /v1/snapshots without credentials"

it_log "POST /v1/snapshots as operator: 202, the task, its Location"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X POST "$URL/v1/snapshots")" 202 "operator POST /v1/snapshots"
TASK=$(jq -r .id "$TMP/body")
it_eq "$(hdr Location)" "/v1/tasks/$TASK" "Location"
jq -e '.kind == "snapshot" and .origin == "api" and (.state == "queued" or .state == "running")' "$TMP/body" >/dev/null ||
	it_fail "202 body: $(cat "$TMP/body")"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X POST "$URL/v1/snapshots")" 409 "a second POST while the first runs"

it_log "the task's progress moves forward to succeeded"
: >"$TMP/samples"
for _ in $(seq 1500); do
	hc -H "Authorization: Bearer $VIEW" "$URL/v1/tasks/$TASK" >/dev/null
	jq -c '{state, percent, bytes_done, bytes_total, phase}' "$TMP/body" >>"$TMP/samples"
	jq -e '.state == "succeeded" or .state == "failed"' "$TMP/body" >/dev/null && break
	sleep 0.01
done
cp "$TMP/body" "$TMP/task.json"
jq -e '.state == "succeeded"' "$TMP/task.json" >/dev/null || it_fail "task: $(cat "$TMP/task.json")"
jq -s -e '[.[].percent] as $p | [range(1; $p | length) | $p[.] >= $p[. - 1]] | all' "$TMP/samples" >/dev/null ||
	it_fail "percent went down: $(jq -c -s '[.[].percent]' "$TMP/samples")"
jq -s -e '[.[].bytes_done] as $p | [range(1; $p | length) | $p[.] >= $p[. - 1]] | all' "$TMP/samples" >/dev/null ||
	it_fail "bytes_done went down"
# On an idle machine the write takes a sample time or two: one sample caught
# between 0 and 100 (then the end, never lower) shows the progress moving
RUNNING=$(jq -s '[.[] | select(.state == "running" and .percent > 0 and .percent < 100)] | length' "$TMP/samples")
[ "$RUNNING" -ge 1 ] || it_fail "the task was not seen running with progress ($(jq -c -s . "$TMP/samples" | head -c 600))"
it_log "$(wc -l <"$TMP/samples") samples, $RUNNING in progress: $(jq -s -c '[.[].percent] | unique' "$TMP/samples")"
SNAP=$(jq -r .resource "$TMP/task.json")
FILE=$DATA/snapshots/$SNAP.rdb
[ -f "$FILE" ] || it_fail "no kept file $FILE"
SIZE=$(stat -c %s "$FILE")
it_eq "$(jq .bytes_done "$TMP/task.json")" "$SIZE" "bytes_done vs the file's size"
it_eq "$(jq .bytes_total "$TMP/task.json")" "$SIZE" "bytes_total vs the file's size"
it_eq "$(jq .percent "$TMP/task.json")" 100 "percent when done"
it_eq "$(jq .eta_seconds "$TMP/task.json")" 0 "ETA when done"
jq -e '.started != null and .finished != null and .error == null' "$TMP/task.json" >/dev/null || it_fail "times: $(cat "$TMP/task.json")"

it_log "GET /v1/snapshots: the file, its size, its checksum checked"
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/v1/snapshots")" 200 "GET /v1/snapshots"
jq -e --arg id "$SNAP" --argjson n "$SIZE" '.snapshots[] | select(.id == $id) | .size_bytes == $n and .checksum_ok' "$TMP/body" >/dev/null ||
	it_fail "listing: $(cat "$TMP/body")"

it_log "stock redis-check-rdb accepts the file; stock redis-server loads it to Redwire's digest"
redis-check-rdb "$FILE" >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; it_fail "redis-check-rdb refused $FILE"; }
mkdir "$TMP/oracle" && cp "$FILE" "$TMP/oracle/dump.rdb"
ip netns exec "$IT_NAME" redis-server --port 7391 --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP/oracle" \
	--dbfilename dump.rdb --daemonize no --enable-debug-command yes >"$TMP/oracle.log" 2>&1 &
ORACLE=$!
for _ in $(seq 100); do [ "$(it_ns redis-cli -p 7391 ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
it_eq "$(it_ns redis-cli -p 7391 dbsize)" 60000 "stock redis-server's DBSIZE after loading the snapshot"
DIGEST=$(it_ns redis-cli -p 7391 debug digest)
it_eq "$DIGEST" "$(it_cli debug digest)" "DEBUG DIGEST: stock loaded vs Redwire"
kill "$ORACLE"; wait "$ORACLE" 2>/dev/null || true; ORACLE=""

it_log "a client's BGSAVE is a task too (origin dataplane), and its file is kept"
it_eq "$(it_cli bgsave)" "Background saving started" "BGSAVE"
for _ in $(seq 100); do
	hc -H "Authorization: Bearer $VIEW" "$URL/v1/tasks" >/dev/null
	jq -e '.tasks[0].origin == "dataplane" and .tasks[0].state == "succeeded"' "$TMP/body" >/dev/null && break
	sleep 0.1
done
jq -e --argjson t "$TASK" '.tasks[0].origin == "dataplane" and .tasks[0].state == "succeeded" and .tasks[1].id == $t' "$TMP/body" >/dev/null ||
	it_fail "tasks after BGSAVE: $(cat "$TMP/body")"

it_log "live restore: change the data and save it, restore the snapshot, the digest is the snapshot's"
# the restored dataset must be the one that survives a restart, not this one
it_cli del key:1 key:2 h:3 l:4 >/dev/null
it_cli set fresh:1 changed >/dev/null
it_cli hset h:5 a changed >/dev/null
[ "$(it_cli debug digest)" != "$DIGEST" ] || it_fail "the change did not change the digest"
it_eq "$(it_cli save)" OK "SAVE of the changed data"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X POST "$URL/v1/snapshots/$SNAP/restore")" 403 "operator restore"
# cross-worker MSET/RENAME/SUNIONSTORE pipelined on 8 connections while the
# restore begins: every reply is the expected one or -LOADING, none hangs, and
# whatever was in flight ran before a shard was emptied (the digest below)
it_ns "$IT_PY" "$IT_ROOT/tests/integration/restore_race.py" "$IT_IP" "$IT_PORT" "$TMP/race.started" \
	>"$TMP/race.out" 2>&1 &
RACE=$!
for _ in $(seq 300); do [ -e "$TMP/race.started" ] || ! kill -0 "$RACE" 2>/dev/null && break; sleep 0.05; done
[ -e "$TMP/race.started" ] || it_fail "the racing traffic did not start: $(cat "$TMP/race.out")"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X POST "$URL/v1/snapshots/$SNAP/restore")" 202 "admin restore"
RTASK=$(jq .id "$TMP/body")
jq -e --arg s "$SNAP" '.kind == "restore" and .state == "running" and .resource == $s' "$TMP/body" >/dev/null ||
	it_fail "restore body: $(cat "$TMP/body")"
it_eq "$(hdr Location)" "/v1/tasks/$RTASK" "restore's Location"
: >"$TMP/rsamples"
for _ in $(seq 600); do
	hc -H "Authorization: Bearer $VIEW" "$URL/v1/tasks/$RTASK" >/dev/null
	jq -c '{state, percent, bytes_done, bytes_total, phase}' "$TMP/body" >>"$TMP/rsamples"
	jq -e '.state == "succeeded" or .state == "failed"' "$TMP/body" >/dev/null && break
	sleep 0.01
done
jq -e '.state == "succeeded" and .percent == 100' "$TMP/body" >/dev/null || it_fail "restore task: $(cat "$TMP/body")"
it_eq "$(jq .bytes_done "$TMP/body")" "$SIZE" "restore bytes_done vs the file's size"
it_eq "$(jq .bytes_total "$TMP/body")" "$SIZE" "restore bytes_total vs the file's size"
jq -s -e '[.[].percent] as $p | [range(1; $p | length) | $p[.] >= $p[. - 1]] | all' "$TMP/rsamples" >/dev/null ||
	it_fail "restore percent went down: $(jq -c -s '[.[].percent]' "$TMP/rsamples")"
jq -s -e '[.[].bytes_done] as $p | [range(1; $p | length) | $p[.] >= $p[. - 1]] | all' "$TMP/rsamples" >/dev/null ||
	it_fail "restore bytes_done went down"
it_log "restore: $(wc -l <"$TMP/rsamples") samples, phases $(jq -s -c '[.[].phase] | unique' "$TMP/rsamples")"
wait "$RACE" || it_fail "traffic racing the restore: $(cat "$TMP/race.out")"
it_log "racing traffic: $(head -1 "$TMP/race.out")"
it_eq "$(it_cli debug digest)" "$DIGEST" "DEBUG DIGEST after the restore vs stock's on the snapshot"
it_eq "$(it_cli dbsize)" 60000 "DBSIZE after the restore"

restart() { # CONFIG: down (no save at shutdown: save "" first), up again
	it_cli config set save "" >/dev/null
	REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" down --name "$IT_NAME" >/dev/null
	it_up --workers 2 --no-huge --config "$1"
	trap on_exit EXIT
	for _ in $(seq 100); do it_cli ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
	for _ in $(seq 100); do [ "$(it_cli info persistence | tr -d '\r' | sed -n 's/^loading://p')" = 0 ] && break; sleep 0.1; done
}
it_log "appendonly no: the restore saved dump.rdb, a restart comes back with it"
restart "$TMP/redwire.conf"
it_eq "$(it_cli debug digest)" "$DIGEST" "DEBUG DIGEST after a restart (dump.rdb)"

it_log "appendonly yes: the restore rewrites the AOF; redwirectl snapshot restore follows the task"
it_eq "$(it_cli config set appendonly yes)" OK "CONFIG SET appendonly yes"
for _ in $(seq 100); do [ "$(it_cli info persistence | tr -d '\r' | sed -n 's/^aof_rewrite_in_progress://p')" = 0 ] &&
	[ "$(it_cli info persistence | tr -d '\r' | sed -n 's/^aof_enabled://p')" = 1 ] && break; sleep 0.1; done
it_cli del key:7 key:8 >/dev/null
it_cli set fresh:2 changed >/dev/null
[ "$(it_cli debug digest)" != "$DIGEST" ] || it_fail "the change did not change the digest"
it_ctl snapshot restore "$SNAP" >"$TMP/restore.out" 2>"$TMP/restore.err" || it_fail "redwirectl snapshot restore: $(cat "$TMP/restore.err")"
grep -q "100%" "$TMP/restore.err" || it_fail "no progress bar: $(cat "$TMP/restore.err")"
grep -q "succeeded" "$TMP/restore.out" || it_fail "restore output: $(cat "$TMP/restore.out")"
it_eq "$(it_cli debug digest)" "$DIGEST" "DEBUG DIGEST after the second restore"
cp "$TMP/redwire.conf" "$TMP/redwire-aof.conf"
echo "appendonly yes" >>"$TMP/redwire-aof.conf"
rm -f "$DATA/dump.rdb" # the AOF alone must bring it back
restart "$TMP/redwire-aof.conf"
it_eq "$(it_cli debug digest)" "$DIGEST" "DEBUG DIGEST after a restart (the AOF)"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X POST "$URL/v1/snapshots/nosuch-1/restore")" 404 "restore of no snapshot"
it_eq "$(hc -H "Authorization: Bearer $VIEW" -X DELETE "$URL/v1/snapshots/$SNAP")" 403 "viewer DELETE"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X DELETE "$URL/v1/snapshots/..%2Fdump")" 404 "DELETE of a path outside"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X DELETE "$URL/v1/snapshots/$SNAP")" 200 "operator DELETE"
[ -e "$FILE" ] && it_fail "$FILE still there"
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/v1/snapshots/$SNAP")" 404 "GET a deleted snapshot"

it_log "the audit log has the snapshot and the delete"
grep '"path":"/v1/snapshots"' "$DATA/mgmt-audit.jsonl" | grep -q "\"event\":\"change\".*\"status\":202" || it_fail "no audit line for POST /v1/snapshots"
grep -q "\"method\":\"DELETE\",\"path\":\"/v1/snapshots/$SNAP\"" "$DATA/mgmt-audit.jsonl" || it_fail "no audit line for DELETE"

it_log "redwirectl snapshot create --wait, list, tasks; retention keeps 8"
for i in $(seq 9); do
	it_ctl snapshot create --wait >"$TMP/ctl.txt" 2>"$TMP/ctl.err" || it_fail "snapshot create --wait #$i: $(cat "$TMP/ctl.err")"
	sleep 1.1 # ids carry the second: one file per second
done
grep -q "succeeded" "$TMP/ctl.txt" || it_fail "create --wait output: $(cat "$TMP/ctl.txt")"
grep -q "100%" "$TMP/ctl.err" || it_fail "no progress bar: $(cat "$TMP/ctl.err")"
it_ctl snapshot list --json >"$TMP/list.json"
it_eq "$(jq '.snapshots | length' "$TMP/list.json")" 8 "files kept (retain 8)"
it_eq "$(ls "$DATA/snapshots" | wc -l)" 8 "files in $DATA/snapshots"
jq -e '[.snapshots[].checksum_ok] | all' "$TMP/list.json" >/dev/null || it_fail "a kept file fails its check"
it_ctl tasks --json >"$TMP/tasks.json"
jq -e '.tasks[0].state == "succeeded" and .tasks[0].bytes_done == .tasks[0].bytes_total' "$TMP/tasks.json" >/dev/null ||
	it_fail "redwirectl tasks: $(head -c 400 "$TMP/tasks.json")"
LAST=$(jq '.tasks[0].id' "$TMP/tasks.json") # the history is the control plane's: a restart began a new one
it_ctl tasks "$LAST" | grep -q succeeded || it_fail "redwirectl tasks $LAST"
it_log "ok"
