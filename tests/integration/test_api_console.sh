#!/usr/bin/env bash
# The web console (issue #8, item 4) and the dataplane's board it reads, on one
# instance with the HTTPS listener on a free loopback port:
#   - GET /console, /console/app.js and /console/app.css answer without
#     credentials, with their media types, a strict Content-Security-Policy
#     (default-src 'self', no 'unsafe-inline', frame-ancestors 'none') and
#     nosniff; the page has no inline script, style or event handler; every
#     JSON route the page calls still answers 401 without a token, and a
#     POST to the page is no way around it;
#   - /v1/slowlog shows what SLOWLOG GET shows (ids, durations, arguments,
#     client), and /v1/commands counts exactly the SETs and GETs sent;
#   - headless Chromium (Debian's chromium, driven over the DevTools protocol
#     by console_check.py): the page loads without a console error, signs in
#     through its form with a viewer token kept in sessionStorage (no
#     cookie), updates live, and its figures move while a bounded
#     redis-benchmark runs (ops/s, keys, clients, packets, p50/p99, the ops
#     chart); a screenshot is written into the test's temp dir;
#   - DPDK telemetry (issue #8, item 6): dpdk-telemetry.py on the instance's
#     socket lists /redwire/info, /redwire/stats[,worker] and
#     /redwire/commands, and they agree with /v1/stats, DBSIZE and the
#     commands sent.
IT_NAME=rwtcon
source "$(dirname "$0")/lib.sh"
it_log() { printf '[%s %ds] %s\n' "$IT_NAME" "$SECONDS" "$*"; } # with the time taken so far
TMP=$(mktemp -d /tmp/rwtcon.XXXXXX)
on_exit() {
	local rc=$?
	set +e # errexit would end the trap at `(exit $rc)`, before it_cleanup
	[ $rc = 0 ] || echo "screenshot and files kept in $TMP"
	[ $rc = 0 ] && rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
trap on_exit EXIT

command -v jq >/dev/null || it_fail "jq is needed"
command -v chromium >/dev/null || it_fail "chromium is needed (./redwire install_deps)"
"$IT_PY" -c 'import websocket' 2>/dev/null || it_fail "python3-websocket is needed (./redwire install_deps)"

PORT=$($IT_PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$IT_ROOT/platform/config/redwire.conf" "$TMP/redwire.conf"
echo "redwire-mgmt-address 127.0.0.1:$PORT" >>"$TMP/redwire.conf"
it_up --workers 2 --config "$TMP/redwire.conf"
trap on_exit EXIT # it_up set its own
it_log "instance up"
URL=https://127.0.0.1:$PORT
CERT=/var/lib/redwire/$IT_NAME/mgmt-cert.pem
for _ in $(seq 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERT" "$URL/console" 2>/dev/null)" = 200 ] && break
	sleep 0.1
done

it_log "the page and its assets: no credentials, strict headers"
for a in "/console text/html console.html" "/console/app.js text/javascript console_app.js" \
	"/console/app.css text/css console_app.css"; do
	set -- $a
	code=$(curl -s --cacert "$CERT" -D "$TMP/head" -o "$TMP/body" -w '%{http_code}' "$URL$1")
	it_eq "$code" 200 "GET $1 without credentials"
	tr -d '\r' <"$TMP/head" >"$TMP/h"
	grep -qi "^content-type: $2; charset=utf-8$" "$TMP/h" || it_fail "$1: $(grep -i content-type "$TMP/h")"
	csp=$(sed -n 's/^[Cc]ontent-[Ss]ecurity-[Pp]olicy: //p' "$TMP/h")
	for d in "default-src 'self'" "script-src 'self'" "style-src 'self'" "frame-ancestors 'none'" \
		"object-src 'none'" "base-uri 'none'" "connect-src 'self'"; do
		[[ "$csp" == *"$d"* ]] || it_fail "$1: the CSP lacks $d: $csp"
	done
	[[ "$csp" == *unsafe* ]] && it_fail "$1: the CSP allows something unsafe: $csp"
	grep -qi '^x-content-type-options: nosniff$' "$TMP/h" || it_fail "$1: no nosniff"
	grep -qi '^set-cookie' "$TMP/h" && it_fail "$1 sets a cookie"
	cmp -s "$TMP/body" "$IT_ROOT/control/api/console/$3" || it_fail "$1 is not $3 as built in"
done
curl -s --cacert "$CERT" "$URL/console" >"$TMP/page.html"
grep -o '<script[^>]*>' "$TMP/page.html" | grep -v ' src="/console/app.js"' && it_fail "an inline script"
grep -Eqi '<style|style=|[[:space:]]on[a-z]+=' "$TMP/page.html" && it_fail "inline style or event handler"
grep -Eq 'innerHTML|eval\(|document\.write|new Function' "$IT_ROOT/control/api/console/console_app.js" &&
	it_fail "app.js builds HTML from strings or evaluates code"
for r in /v1/status /v1/stats /v1/commands /v1/slowlog /v1/tasks /v1/events /v1/health/ready; do
	it_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERT" "$URL$r")" 401 "GET $r without a token"
done
it_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERT" -X POST "$URL/console")" 401 "POST /console without a token"
it_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERT" "$URL/console/nosuch")" 401 "an unknown path below /console"

VIEW=$(it_ctl token create viewer console-viewer | head -1)
[ -n "$VIEW" ] || it_fail "token create"
api() { curl -sf --cacert "$CERT" -H "Authorization: Bearer $VIEW" "$URL$1"; }

it_log "/v1/commands counts what was sent; /v1/slowlog shows what SLOWLOG GET shows"
it_ns "$IT_PY" - "$IT_IP" "$IT_PORT" "$TMP/slowlog.json" <<'EOF' || it_fail "workload"
import json, sys, redis
r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]))
for i in range(120):
    r.set(f"c:{i}", "v")
for i in range(45):
    r.get(f"c:{i}")
r.config_set("slowlog-log-slower-than", 0)
r.set("slow:one", "x\x00y")
r.hset("slow:h", mapping={"f": "\x01bin"})
r.config_set("slowlog-log-slower-than", 10000)
entries = r.slowlog_get(10)
json.dump([{"id": e["id"], "duration_us": e["duration"],
            "args": [a.decode("latin-1") for a in e["command"].split(b" ")]} for e in entries],
          open(sys.argv[3], "w"))
EOF
for _ in $(seq 40); do # the board is republished every 250 ms
	api /v1/commands >"$TMP/commands.json" && api /v1/slowlog >"$TMP/sl.json" &&
		[ "$(jq '[.commands[] | select(.name == "set")][0].calls' "$TMP/commands.json")" = 121 ] &&
		[ "$(jq '.entries[0].id' "$TMP/sl.json")" = "$(jq '.[0].id' "$TMP/slowlog.json")" ] && break
	sleep 0.2
done
it_eq "$(jq '[.commands[] | select(.name == "set")][0].calls' "$TMP/commands.json")" 121 "calls of set"
it_eq "$(jq '[.commands[] | select(.name == "get")][0].calls' "$TMP/commands.json")" 45 "calls of get"
jq -e '[.commands[] | select(.name == "set")][0] | .usec > 0 and .usec < 121 * 1000000' "$TMP/commands.json" >/dev/null ||
	it_fail "usec of set: $(jq -c '.commands' "$TMP/commands.json")"
jq -e '.latency.counts | add >= 166' "$TMP/commands.json" >/dev/null || it_fail "latency histogram: $(jq -c .latency "$TMP/commands.json")"
# SLOWLOG GET's newest entries (the last CONFIG SET, HSET, SET), as the API shows them
jq -e --slurpfile want "$TMP/slowlog.json" '
	[.entries[] | {id, duration_us, args}] as $got |
	($want[0] | map(.args |= map(gsub("\u0001"; "\\x01") | gsub("\u0000"; "\\x00")))) as $w |
	[$got[] | select(.id <= ($w[0].id))][0:($w | length)] == $w' "$TMP/sl.json" >/dev/null ||
	it_fail "/v1/slowlog $(jq -c '.entries[0:4]' "$TMP/sl.json") vs SLOWLOG GET $(cat "$TMP/slowlog.json")"
jq -e '.entries[0].client | test("^198\\.18\\.[0-9.]+:[0-9]+$")' "$TMP/sl.json" >/dev/null || it_fail "slowlog client"

it_log "DPDK telemetry: dpdk-telemetry.py on the instance's socket shows the app"
command -v dpdk-telemetry.py >/dev/null || it_fail "dpdk-telemetry.py is needed (dpdk-dev)"
# the socket is /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2; rw_eal uses redwire-<name>
printf '/\n/redwire/info\n/redwire/stats\n/redwire/stats,0\n/redwire/stats,1\n/redwire/commands\n' |
	timeout 30 dpdk-telemetry.py -f "redwire-$IT_NAME" >"$TMP/tel.out" 2>&1 || it_fail "dpdk-telemetry.py: $(cat "$TMP/tel.out")"
# one JSON line per command, in order (a parameter does not show in the answer's key)
grep '^{' "$TMP/tel.out" | jq -s . >"$TMP/tel.json" || it_fail "telemetry output: $(cat "$TMP/tel.out")"
it_eq "$(jq length "$TMP/tel.json")" 6 "telemetry answers"
jq -e '.[0]["/"] | index("/redwire/info") and index("/redwire/stats") and index("/redwire/commands")' \
	"$TMP/tel.json" >/dev/null || it_fail "the /redwire commands are not listed"
jq -e --arg n "$IT_NAME" --argjson pid "$(cat "/run/redwire/$IT_NAME/dataplane.pid")" \
	'.[1]["/redwire/info"] | .name == $n and .workers == 2 and .pid == $pid' "$TMP/tel.json" >/dev/null ||
	it_fail "/redwire/info: $(jq -c '.[1]' "$TMP/tel.json")"
# the counters of /v1/stats; the sum is the two workers' (keys do not move now) and DBSIZE
api /v1/stats >"$TMP/stats.json"
jq -e --slurpfile s "$TMP/stats.json" --argjson dbsize "$(it_cli dbsize)" '
	(.[2]["/redwire/stats"] | keys) == ($s[0].totals | keys) and
	.[2]["/redwire/stats"].keys == .[3]["/redwire/stats"].keys + .[4]["/redwire/stats"].keys and
	.[2]["/redwire/stats"].keys == $dbsize and $dbsize == 122' "$TMP/tel.json" >/dev/null ||
	it_fail "/redwire/stats: $(jq -c '[.[2:5][] | .["/redwire/stats"].keys]' "$TMP/tel.json")"
jq -e '.[5]["/redwire/commands"] | .set == 121 and .get == 45 and .hset == 1 and .["config/set"] == 2' \
	"$TMP/tel.json" >/dev/null || it_fail "/redwire/commands: $(jq -c '.[5]' "$TMP/tel.json")"

it_log "headless Chromium: loads clean, signs in, moves under load, screenshot"
t0=$(date +%s)
# one client stays connected throughout: the benchmark's own can all be gone
# by the time the page samples (the page updates once a second)
ip netns exec "$IT_NAME" redis-cli -h "$IT_IP" -p "$IT_PORT" blpop console:hold 60 >/dev/null 2>&1 &
HOLD_PID=$!
"$IT_PY" "$IT_ROOT/tests/integration/console_check.py" "$URL/console" "$VIEW" "$TMP" -- \
	ip netns exec "$IT_NAME" redis-benchmark -h "$IT_IP" -p "$IT_PORT" -n 4000 -c 4 -P 4 -r 5000 -t set,get -q \
	>"$TMP/page.json" || it_fail "console_check.py"
kill "$HOLD_PID" 2>/dev/null || true
wait "$HOLD_PID" 2>/dev/null || true
it_log "chromium part took $(($(date +%s) - t0)) s"
jq -e '.before.health == "ready" and .before.version != "-" and .before.replication == "501"' "$TMP/page.json" >/dev/null ||
	it_fail "header: $(jq -c .before "$TMP/page.json")"
jq -e '(.peak_ops > 0) and ((.during.clients | tonumber) >= 1) and (.during.p99 != "") and (.during.p50 != "")
	and ((.after.keys | tonumber) > (.before.keys | tonumber)) and ((.after.rx | tonumber) > (.before.rx | tonumber))
	and ((.after.mem | tonumber) > (.before.mem | tonumber)) and (.after.chart_max > 0) and (.after.commands >= 2)
	and (.after.busy | length) == 2' "$TMP/page.json" >/dev/null ||
	it_fail "the figures did not move under load: $(cat "$TMP/page.json")"
head -c 8 "$TMP/console.png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a' || it_fail "no PNG screenshot"
[ "$(stat -c %s "$TMP/console.png")" -gt 20000 ] || it_fail "the screenshot is nearly empty"
it_log "ok (peak $(jq .peak_ops "$TMP/page.json") ops/s shown; screenshot $(stat -c %s "$TMP/console.png") bytes)"
