#!/usr/bin/env bash
# Events through the management API over HTTPS with tokens (issue #8):
# GET /v1/events (?since=) holds the dataplane's attach, token creations
# (never a token's text), snapshots' start and end, TLS reloads (API and
# SIGHUP); the server-sent-events stream GET /v1/events/stream delivers
# the event a PATCH causes, with id:/event:/data: lines, heartbeat
# comments, a resume after Last-Event-ID, 401 without credentials, and at
# most 8 streams at once (the 9th 503 with Retry-After; a closed one frees
# its slot); redwirectl events. A CONFIG SET on the RESP port is a
# config.changed event too (source resp, the client's address, old and new
# value; a secret redacted, its text nowhere in the events), a PATCH of a
# dataplane parameter stays one event (not one more from the dataplane).
IT_NAME=rwtevent
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwtevent.XXXXXX)
STREAMS=()
on_exit() {
	local rc=$?
	set +e
	for p in "${STREAMS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
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
it_up --workers 1 --no-huge --config "$TMP/redwire.conf"
trap on_exit EXIT # it_up set its own
CPID=$(cat "/run/redwire/$IT_NAME/control.pid")
for _ in $(seq 50); do [ -s "$CERT" ] && break; sleep 0.1; done

hc() { curl -s --max-time 5 --cacert "$CERT" -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' "$@" || true; }
hdr() { tr -d '\r' <"$TMP/head" | sed -n "s/^$1: //Ip" | head -1; }
VIEW=$(it_ctl token create viewer e-view | head -1)
OPER=$(it_ctl token create operator e-oper | head -1)
ADMIN=$(it_ctl token create admin e-admin | head -1)
# stream NAME [curl args]: an event stream in the background, into $TMP/NAME
stream() {
	local name=$1
	shift
	curl -sN --cacert "$CERT" -D "$TMP/$name.head" -o "$TMP/$name" "$@" "$URL/v1/events/stream" &
	STREAMS+=($!)
	for _ in $(seq 50); do grep -q '^retry: 3000' "$TMP/$name" 2>/dev/null && return 0; sleep 0.1; done
	it_fail "stream $name: no retry line ($(cat "$TMP/$name.head" 2>/dev/null))"
}
# wait_for FILE PATTERN SECONDS
wait_for() {
	for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" && return 0; sleep 0.1; done
	it_fail "no '$2' in $1 within $3 s: $(head -c 600 "$1")"
}

it_log "GET /v1/events: the dataplane's attach and the tokens made, never a token's text"
for _ in $(seq 30); do
	hc -H "Authorization: Bearer $VIEW" "$URL/v1/events" >/dev/null
	jq -e '[.events[].type] | index("dataplane.attached")' "$TMP/body" >/dev/null && break
	sleep 0.1
done
jq -e '[.events[].type] | index("dataplane.attached") and (map(select(. == "token.created")) | length == 3)' \
	"$TMP/body" >/dev/null || it_fail "events: $(cat "$TMP/body")"
for t in "$VIEW" "$OPER" "$ADMIN"; do grep -q "${t#rwt_*_}" "$TMP/body" && it_fail "a token's secret is in the events"; done
jq -e '.events[] | select(.type == "token.created") | .detail.actor == "unix:uid=0" and (.detail.detail.role | length > 0)' \
	"$TMP/body" >/dev/null || it_fail "token.created detail: $(cat "$TMP/body")"
LAST=$(jq .last_id "$TMP/body")
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/v1/events?since=$LAST")" 200 "GET /v1/events?since=last"
it_eq "$(jq '.events | length' "$TMP/body")" 0 "events after the last one"
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/v1/events?since=x")" 400 "since=x"
it_eq "$(hc "$URL/v1/events")" 401 "GET /v1/events without credentials"
it_eq "$(hc "$URL/v1/events/stream")" 401 "the stream without credentials"

it_log "the stream (viewer) delivers the event a PATCH (operator) causes"
stream s1 -H "Authorization: Bearer $VIEW"
tr -d '\r' <"$TMP/s1.head" | grep -qi '^content-type: text/event-stream' || it_fail "stream head: $(cat "$TMP/s1.head")"
P=$URL/v1/parameters/redwire-mgmt-auth-failures
hc -H "Authorization: Bearer $OPER" "$P" >/dev/null
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H "If-Match: $(hdr ETag)" -d '{"value":7}' "$P")" 200 "PATCH"
wait_for "$TMP/s1" '^event: config.changed' 5
DATA_LINE=$(grep -A1 '^event: config.changed' "$TMP/s1" | sed -n 's/^data: //p' | head -1)
echo "$DATA_LINE" | jq -e '.type == "config.changed" and .detail.path == "/v1/parameters/redwire-mgmt-auth-failures" and .detail.method == "PATCH"' >/dev/null ||
	it_fail "config.changed data: $DATA_LINE"
EID=$(echo "$DATA_LINE" | jq .id)
grep -B1 '^event: config.changed' "$TMP/s1" | grep -qx "id: $EID" || it_fail "no 'id: $EID' line before the event"
it_log "config.changed arrived as event $EID"

it_log "CONFIG SET on the RESP port: config.changed with source resp, client, old -> new; secrets redacted"
SECRET=Sx9-not-in-events
it_eq "$(it_cli config set hz 15 maxmemory-samples 7)" OK "CONFIG SET hz 15 maxmemory-samples 7"
it_eq "$(it_cli config set requirepass "$SECRET")" OK "CONFIG SET requirepass"
wait_for "$TMP/s1" '"parameter":"requirepass"' 5
hc -H "Authorization: Bearer $VIEW" "$URL/v1/events?since=$EID" >/dev/null
jq -e --arg peer "$IT_PEER" '[.events[] | select(.type == "config.changed" and .detail.source == "resp")] |
	length == 3 and all(.[]; .detail.client | startswith($peer + ":")) and
	any(.[]; .detail.detail == {"parameter": "hz", "old": "10", "new": "15"}) and
	any(.[]; .detail.detail == {"parameter": "maxmemory-samples", "old": "5", "new": "7"}) and
	any(.[]; .detail.detail == {"parameter": "requirepass", "old": "(redacted)", "new": "(redacted)"}) and
	all(.[]; .detail.method == "CONFIG SET" and (.detail.actor | startswith("resp:")))' "$TMP/body" >/dev/null ||
	it_fail "RESP CONFIG SET events: $(cat "$TMP/body")"
grep -q -- "$SECRET" "$TMP/body" "$TMP/s1" && it_fail "requirepass's value is in the events"
it_eq "$(it_cli -a "$SECRET" --no-auth-warning config set requirepass "")" OK "CONFIG SET requirepass back"
R=$(jq .last_id "$TMP/body")
P=$URL/v1/parameters/hz
hc -H "Authorization: Bearer $OPER" "$P" >/dev/null
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H "If-Match: $(hdr ETag)" -d '{"value":12}' "$P")" 200 "PATCH hz"
it_eq "$(it_cli config get hz | tail -1)" 12 "hz after the PATCH"
sleep 0.5 # a note from the dataplane would come within a poll
hc -H "Authorization: Bearer $VIEW" "$URL/v1/events?since=$R" >/dev/null
jq -e '[.events[] | select(.type == "config.changed" and .detail.detail.parameter == "hz")] |
	length == 1 and .[0].detail.path == "/v1/parameters/hz"' \
	"$TMP/body" >/dev/null || it_fail "PATCH hz: not exactly one config.changed: $(cat "$TMP/body")"

it_log "a heartbeat comment within 5 s; a resume after Last-Event-ID replays what was missed"
wait_for "$TMP/s1" '^: heartbeat' 7
curl -sN --max-time 2 --cacert "$CERT" -H "Authorization: Bearer $VIEW" -H "Last-Event-ID: $((EID - 1))" \
	"$URL/v1/events/stream" >"$TMP/resume" || true
grep -qx "id: $EID" "$TMP/resume" || it_fail "resume after $((EID - 1)): $(head -c 400 "$TMP/resume")"
grep -qx "id: $((EID - 1))" "$TMP/resume" && it_fail "resume replayed the event it had"

it_log "at most 8 streams: the 9th is 503 with Retry-After; closing one frees its slot"
for i in 2 3 4 5 6 7 8; do stream "s$i" -H "Authorization: Bearer $VIEW"; done
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/v1/events/stream")" 503 "the 9th stream"
[ -n "$(hdr Retry-After)" ] || it_fail "503 without Retry-After"
kill "${STREAMS[7]}"; wait "${STREAMS[7]}" 2>/dev/null || true
ok=0
for _ in $(seq 30); do
	code=$(curl -s --max-time 1 --cacert "$CERT" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $VIEW" "$URL/v1/events/stream" || true)
	[ "$code" = 200 ] && ok=1 && break
	sleep 0.1
done
[ $ok = 1 ] || it_fail "a stream closed did not free its slot"

it_log "snapshot events: requested, started, finished; every stream sees them"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X POST "$URL/v1/snapshots")" 202 "POST /v1/snapshots"
wait_for "$TMP/s1" '^event: snapshot.finished' 15
for t in snapshot.requested snapshot.started snapshot.finished; do
	grep -q "^event: $t" "$TMP/s1" || it_fail "no $t on stream s1"
	grep -q "^event: $t" "$TMP/s5" || it_fail "no $t on stream s5"
done

it_log "TLS reloads, by the API and by SIGHUP"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X POST "$URL/v1/tls/reload")" 200 "POST /v1/tls/reload"
kill -HUP "$CPID"
for _ in $(seq 30); do [ "$(grep -c '^event: tls.reloaded' "$TMP/s1")" -ge 2 ] && break; sleep 0.1; done
it_eq "$(grep -c '^event: tls.reloaded' "$TMP/s1")" 2 "tls.reloaded events"
grep '^data: .*tls.reloaded' "$TMP/s1" | grep -q 'signal:SIGHUP' || it_fail "no SIGHUP reload event"

it_log "redwirectl events"
it_ctl events --json >"$TMP/ctl.json" || it_fail "redwirectl events --json"
jq -e '[.events[].type] | index("config.changed") and index("snapshot.finished")' "$TMP/ctl.json" >/dev/null ||
	it_fail "redwirectl events: $(head -c 400 "$TMP/ctl.json")"
it_ctl events --since "$EID" >"$TMP/ctl.txt" || it_fail "redwirectl events --since"
grep -qE "^$EID +[^ ]+ +config.changed" "$TMP/ctl.txt" && it_fail "--since $EID listed event $EID"
grep -q snapshot.finished "$TMP/ctl.txt" || it_fail "--since $EID: $(cat "$TMP/ctl.txt")"
for c in events tasks snapshot; do
	it_ctl "$c" --help >"$TMP/help.txt" && grep -q "^usage: redwirectl .* $c" "$TMP/help.txt" || it_fail "$c --help"
done
rc=0; it_ctl snapshot bogus >/dev/null 2>&1 || rc=$?
it_eq "$rc" 2 "redwirectl snapshot bogus: usage exit code"
rc=0; it_ctl tasks 999999 >/dev/null 2>&1 || rc=$?
it_eq "$rc" 1 "redwirectl tasks of an unknown id"
it_log "ok"
