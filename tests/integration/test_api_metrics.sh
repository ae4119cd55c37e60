#!/usr/bin/env bash
# /metrics (issue #8, item 3) against a booted instance with appendonly yes:
# the exposition passes `promtool check metrics` with no lint finding, and
# its keyspace, memory, persistence and replication families move with the
# workload and agree with what the RESP side reports:
#   - after N SETs, H hits, M misses and E SET EX the per-worker keys,
#     expires, hits, misses and commands_received sums moved by exactly
#     those numbers, and equal DBSIZE and INFO's keyspace_hits/misses;
#   - redwire_memory_used_bytes grew and equals INFO used_memory less
#     mem_clients_normal (the keys and values),
#     redwire_memory_max_bytes equals CONFIG GET maxmemory, the RSS is the
#     dataplane's /proc/PID/statm;
#   - CONFIG SET maxmemory below the used memory: evictions show in
#     redwire_worker_evicted_keys_total (= INFO evicted_keys) and used
#     memory goes back under the new budget;
#   - BGSAVE: redwire_rdb_saves_total + 1, last save time = LASTSAVE,
#     changes since the last save 0, then moving with writes;
#   - the AOF gauges: enabled, write ok, size growing with writes and equal
#     to INFO aof_current_size;
#   - the replication role is INFO's;
#   - `redwirectl memory --json` gives the per-worker figures of /metrics,
#     totals equal to INFO's, the policy CONFIG SET chose; its table and
#     exit codes;
#   - 100 clients scraping at once (more than the API's 64 connection
#     slots) are all answered: the rest wait in the backlog, none is reset.
#   - rounds of every read route a console or scraper polls (the
#     parameters and the users too) move the workers' ctl_msgs (control
#     messages their loops handled) by no more than the control plane's own
#     timers do (issue #8: a scrape or API read never reaches a worker);
#     a CONFIG SET / ACL SETUSER / DELUSER over RESP shows in the next API
#     read (ETag new), a PATCH / PUT in the next CONFIG GET / ACL LIST;
#   - per command: calls moved by exactly the SETs and GETs sent, time
#     moved (redwire_command_*, from the dataplane's board); the latency
#     histogram's count is the sum of the calls; a busy ratio per worker.
# Every family openapi.yaml's /metrics description names is served. The
# same checks run under the ASan build with IT_SAN=1.
IT_NAME=rwtmet
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwtmet.XXXXXX)
DATADIR=/var/lib/redwire/$IT_NAME
on_exit() {
	local rc=$?
	set +e # errexit would end the trap at `(exit $rc)`, before it_cleanup
	rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
trap on_exit EXIT

PROMTOOL=$(it_promtool) || it_fail "cannot get promtool (apt-get download prometheus)"

rm -rf "$DATADIR/appendonlydir" "$DATADIR/dump.rdb" # a previous run's files would be loaded
cp "$IT_ROOT/platform/config/redwire.conf" "$TMP/redwire.conf"
printf 'appendonly yes\nappendfsync everysec\n' >>"$TMP/redwire.conf"
it_up --workers 2 --config "$TMP/redwire.conf"
trap on_exit EXIT # it_up set its own
for _ in $(seq 50); do it_ctl health >/dev/null 2>&1 && break; sleep 0.1; done
it_ctl health >/dev/null || it_fail "instance not ready"

# scrape FILE: /metrics into FILE, checked by promtool (no lint finding either)
scrape() {
	sleep 0.05 # workers publish once a millisecond; this is many ticks
	it_ctl metrics >"$1" || it_fail "redwirectl metrics"
	"$PROMTOOL" check metrics <"$1" >"$TMP/promtool.txt" 2>&1 ||
		{ cat "$TMP/promtool.txt"; it_fail "promtool check metrics"; }
	[ -s "$TMP/promtool.txt" ] && { cat "$TMP/promtool.txt"; it_fail "promtool lint findings"; }
	return 0
}
# one FILE NAME: the unlabelled sample's value
one() { sed -n "s/^$2 //p" "$1"; }
# sum FILE NAME: the sum over the worker="N" samples (exactly 2 of them)
sum() {
	awk -v n="$2" '$1 ~ "^" n "\\{worker=\"[0-9]+\"\\}$" {s += $2; c++} END {if (c != 2) exit 1; printf "%.0f\n", s}' "$1" ||
		it_fail "$2: not one sample per worker"
}
info() { it_cli info "$1" | tr -d '\r' | sed -n "s/^$2://p"; }
# calls FILE COMMAND: redwire_command_calls_total of COMMAND (0 before its first call)
calls() { sed -n "s/^redwire_command_calls_total{command=\"$2\"} //p" "$1" | grep . || echo 0; }
# usec FILE COMMAND: redwire_command_duration_seconds_total of COMMAND, in microseconds
usec() { awk -v c="redwire_command_duration_seconds_total{command=\"$2\"}" '$1 == c {printf "%.0f\n", $2 * 1e6}' "$1"; }
# INFO used_memory counts the clients' buffers too (Redis 7.0), which change
# with the very connection asking; the workers' gauges are keys and values:
# used_memory - mem_clients_normal, both from one INFO reply.
info_keys_used() {
	it_cli info memory | tr -d '\r' | awk -F: '/^used_memory:/ {u = $2} /^mem_clients_normal:/ {c = $2} END {print u - c}'
}
# delta NAME BEFORE AFTER EXPECTED
delta() { it_eq "$(($3 - $2))" "$4" "$1 moved by"; }

N=1000 H=300 M=200 E=50
scrape "$TMP/m0"
grep -qx 'redwire_dataplane_up 1' "$TMP/m0" || it_fail "redwire_dataplane_up is not 1"
grep -q '^# TYPE redwire_worker_keyspace_hits_total counter$' "$TMP/m0" || it_fail "hits is not a counter"
grep -q '^# TYPE redwire_worker_used_memory_bytes gauge$' "$TMP/m0" || it_fail "used memory is not a gauge"
grep -q '^# TYPE redwire_worker_mbufs_in_use gauge$' "$TMP/m0" || it_fail "mbufs_in_use is not a gauge"
grep -q '^redwire_worker_maxmemory' "$TMP/m0" && it_fail "maxmemory is written per worker"

# every family openapi.yaml's /metrics description names is served (worker_ prefixes aside)
sed -n '/^  \/metrics:/,/^  \/v1\/openapi.yaml:/p' "$IT_ROOT/control/api/openapi.yaml" |
	grep -o 'redwire_[a-z_]*[a-z]' | grep -vx redwire_worker | sort -u >"$TMP/documented"
[ "$(wc -l <"$TMP/documented")" -ge 20 ] || it_fail "openapi.yaml's /metrics names few families"
while read -r f; do
	grep -q "^# TYPE $f " "$TMP/m0" || it_fail "openapi.yaml documents $f, /metrics has no such family"
done <"$TMP/documented"

it_log "$N SET, $H hits, $M misses, $E SET EX"
it_ns "$IT_PY" - "$IT_IP" "$IT_PORT" "$N" "$H" "$M" "$E" <<'EOF' || it_fail "workload"
import sys, redis
ip, port, n, h, m, e = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
r = redis.Redis(host=ip, port=port)
for i in range(n):
    r.set(f"k:{i}", "v" * 100)
for i in range(h):
    assert r.get(f"k:{i}") is not None
for i in range(m):
    assert r.get(f"missing:{i}") is None
for i in range(e):
    r.set(f"ttl:{i}", "x", ex=600)
EOF
# a worker publishes its shard's figures once a millisecond when it gets the CPU: on a
# loaded machine wait (bounded) until the last write's tick is out before comparing
k0=$(sum "$TMP/m0" redwire_worker_keys) x0=$(sum "$TMP/m0" redwire_worker_expires)
h0=$(sum "$TMP/m0" redwire_worker_keyspace_hits_total) s0=$(sum "$TMP/m0" redwire_worker_keyspace_misses_total)
for _ in $(seq 50); do
	scrape "$TMP/m1"
	[ "$(sum "$TMP/m1" redwire_worker_keys)" = $((k0 + N + E)) ] &&
		[ "$(sum "$TMP/m1" redwire_worker_expires)" = $((x0 + E)) ] &&
		[ "$(sum "$TMP/m1" redwire_worker_keyspace_hits_total)" = $((h0 + H)) ] &&
		[ "$(sum "$TMP/m1" redwire_worker_keyspace_misses_total)" = $((s0 + M)) ] && break
	sleep 0.1
done
# per-command figures come from the dataplane's board, republished every 250 ms
for _ in $(seq 50); do
	[ "$(calls "$TMP/m1" set)" = $(($(calls "$TMP/m0" set) + N + E)) ] &&
		[ "$(calls "$TMP/m1" get)" = $(($(calls "$TMP/m0" get) + H + M)) ] && break
	sleep 0.1
	scrape "$TMP/m1"
done
delta keys "$(sum "$TMP/m0" redwire_worker_keys)" "$(sum "$TMP/m1" redwire_worker_keys)" $((N + E))
delta expires "$(sum "$TMP/m0" redwire_worker_expires)" "$(sum "$TMP/m1" redwire_worker_expires)" $E
delta hits "$(sum "$TMP/m0" redwire_worker_keyspace_hits_total)" "$(sum "$TMP/m1" redwire_worker_keyspace_hits_total)" $H
delta misses "$(sum "$TMP/m0" redwire_worker_keyspace_misses_total)" "$(sum "$TMP/m1" redwire_worker_keyspace_misses_total)" $M
delta commands_received "$(sum "$TMP/m0" redwire_worker_commands_received_total)" \
	"$(sum "$TMP/m1" redwire_worker_commands_received_total)" $((N + H + M + E))
delta dirty "$(sum "$TMP/m0" redwire_worker_dirty_total)" "$(sum "$TMP/m1" redwire_worker_dirty_total)" $((N + E))
used0=$(one "$TMP/m0" redwire_memory_used_bytes) used1=$(one "$TMP/m1" redwire_memory_used_bytes)
[ "$((used1 - used0))" -ge $((N * 100)) ] || it_fail "used memory grew by $((used1 - used0)) for $N values of 100 bytes"
it_eq "$used1" "$(sum "$TMP/m1" redwire_worker_used_memory_bytes)" "memory_used_bytes = sum of the workers'"
for w in 0 1; do # the keys hash over both shards
	v=$(sed -n "s/^redwire_worker_keys{worker=\"$w\"} //p" "$TMP/m1")
	[ "$v" -gt $((N / 4)) ] || it_fail "worker $w holds $v keys of $N"
done

it_log "per-command calls and time (commandstats), the latency histogram"
delta "calls of set" "$(calls "$TMP/m0" set)" "$(calls "$TMP/m1" set)" $((N + E))
delta "calls of get" "$(calls "$TMP/m0" get)" "$(calls "$TMP/m1" get)" $((H + M))
u0=$(usec "$TMP/m0" set) u1=$(usec "$TMP/m1" set)
[ "$((u1 - ${u0:-0}))" -gt 0 ] && [ "$((u1 - ${u0:-0}))" -lt $(((N + E) * 100000)) ] ||
	it_fail "time of set moved by $((u1 - ${u0:-0})) us for $((N + E)) calls"
# the histogram counts every call once: its _count is the sum of the calls, its buckets grow
awk '/^redwire_command_calls_total\{/ {c += $2} /^redwire_command_latency_seconds_count / {h = $2}
	END {exit !(c == h && c > 0)}' "$TMP/m1" || it_fail "latency histogram count vs the calls"
grep -q '^redwire_command_latency_seconds_bucket{le="+Inf"} ' "$TMP/m1" || it_fail "no +Inf bucket"
for w in 0 1; do
	grep -qE "^redwire_worker_busy_ratio\{worker=\"$w\"\} (0|1)(\.[0-9]+)?$" "$TMP/m1" || it_fail "busy ratio of worker $w"
done

it_log "the same figures as the RESP side"
it_eq "$(sum "$TMP/m1" redwire_worker_keys)" "$(it_cli dbsize)" "keys vs DBSIZE"
it_eq "$(sum "$TMP/m1" redwire_worker_keyspace_hits_total)" "$(info stats keyspace_hits)" "hits vs INFO"
it_eq "$(sum "$TMP/m1" redwire_worker_keyspace_misses_total)" "$(info stats keyspace_misses)" "misses vs INFO"
it_eq "$used1" "$(info_keys_used)" "memory_used_bytes vs INFO used_memory - mem_clients_normal"
it_eq "$(one "$TMP/m1" redwire_memory_max_bytes)" "$(it_cli config get maxmemory | tail -1)" "memory_max_bytes vs CONFIG GET"
it_eq "$(info replication role)" master "INFO role"
grep -qx 'redwire_replication_role{role="master"} 1' "$TMP/m1" || it_fail "replication role is not master"
it_eq "$(one "$TMP/m1" redwire_replication_connected_replicas)" "$(info replication connected_slaves)" "replicas"
rss=$(one "$TMP/m1" redwire_memory_rss_bytes)
pid=$(cat "/run/redwire/$IT_NAME/dataplane.pid")
now=$(($(awk '{print $2}' "/proc/$pid/statm") * $(getconf PAGESIZE)))
[ "$rss" -gt 0 ] && [ "$rss" -le $((now * 2)) ] && [ "$now" -le $((rss * 2)) ] ||
	it_fail "memory_rss_bytes $rss vs the dataplane's statm $now"
it_ctl stats --json >"$TMP/stats.json" || it_fail "stats --json"
jq -e --argjson mm "$(one "$TMP/m1" redwire_memory_max_bytes)" \
	'.totals.maxmemory == $mm and .dataplane_rss_bytes > 0 and .totals.used_memory > 0' \
	"$TMP/stats.json" >/dev/null || it_fail "/v1/stats totals: $(jq -c '.totals, .dataplane_rss_bytes' "$TMP/stats.json")"

it_log "rejected and failed calls, errors by prefix: INFO commandstats' and errorstats' figures"
it_cli set mt:s v >/dev/null
it_cli incr mt:s >/dev/null   # failed: ERR value is not an integer
it_cli lpush mt:s x >/dev/null # failed: WRONGTYPE
it_cli get >/dev/null          # rejected: arity
sleep 0.3                      # the board is published every 250 ms
scrape "$TMP/me"
cmdstat() { it_cli info commandstats | tr -d '\r' | sed -n "s/^cmdstat_$1:.*$2=\([0-9]*\).*/\1/p"; }
errstat() { it_cli info errorstats | tr -d '\r' | sed -n "s/^errorstat_$1:count=//p"; }
m() { sed -n "s/^$2 //p" "$1"; }
for c in incr lpush; do
	it_eq "$(m "$TMP/me" "redwire_command_failed_calls_total{command=\"$c\"}")" "$(cmdstat "$c" failed_calls)" "failed calls of $c vs INFO"
done
it_eq "$(m "$TMP/me" 'redwire_command_rejected_calls_total{command="get"}')" "$(cmdstat get rejected_calls)" "rejected calls of get vs INFO"
[ "$(cmdstat get rejected_calls)" -ge 1 ] || it_fail "GET's wrong arity not a rejected call"
for e in ERR WRONGTYPE; do
	it_eq "$(m "$TMP/me" "redwire_error_replies_total{prefix=\"$e\"}")" "$(errstat "$e")" "$e replies vs INFO errorstats"
done
it_eq "$(m "$TMP/me" 'redwire_command_failed_calls_total{command="set"}')" 0 "failed calls of set"

it_log "AOF gauges"
it_eq "$(one "$TMP/m1" redwire_aof_enabled)" 1 "aof_enabled"
it_eq "$(one "$TMP/m1" redwire_aof_last_write_ok)" 1 "aof_last_write_ok"
aof1=$(one "$TMP/m1" redwire_aof_current_size_bytes)
[ "$aof1" -gt $((N * 100)) ] || it_fail "aof_current_size_bytes $aof1 after $N SETs of 100 bytes"
# worker 0 gets the AOF's status on change and at least once a second: INFO catches up
for _ in $(seq 30); do
	scrape "$TMP/m2"
	[ "$(one "$TMP/m2" redwire_aof_current_size_bytes)" = "$(info persistence aof_current_size)" ] && break
	sleep 0.1
done
it_eq "$(one "$TMP/m2" redwire_aof_current_size_bytes)" "$(info persistence aof_current_size)" "aof size vs INFO"

it_log "BGSAVE moves the snapshot families"
changes=$(one "$TMP/m1" redwire_rdb_changes_since_last_save)
[ "$changes" -ge $((N + E)) ] || it_fail "rdb_changes_since_last_save $changes < $((N + E))"
saves0=$(one "$TMP/m1" redwire_rdb_saves_total)
it_eq "$(it_cli bgsave)" "Background saving started" "BGSAVE"
for _ in $(seq 100); do
	scrape "$TMP/m3"
	[ "$(one "$TMP/m3" redwire_rdb_saves_total)" -gt "$saves0" ] && break
	sleep 0.1
done
it_eq "$(one "$TMP/m3" redwire_rdb_saves_total)" $((saves0 + 1)) "rdb_saves_total after BGSAVE"
it_eq "$(one "$TMP/m3" redwire_rdb_last_save_ok)" 1 "rdb_last_save_ok"
it_eq "$(one "$TMP/m3" redwire_rdb_save_in_progress)" 0 "rdb_save_in_progress"
it_eq "$(one "$TMP/m3" redwire_rdb_last_save_timestamp_seconds)" "$(it_cli lastsave)" "last save vs LASTSAVE"
it_eq "$(one "$TMP/m3" redwire_rdb_changes_since_last_save)" 0 "changes right after the save"
it_cli set after:save 1 >/dev/null
scrape "$TMP/m4"
it_eq "$(one "$TMP/m4" redwire_rdb_changes_since_last_save)" 1 "changes after one SET"
it_eq "$(info persistence rdb_changes_since_last_save)" 1 "INFO agrees"
aof4=$(one "$TMP/m4" redwire_aof_current_size_bytes)
[ "$aof4" -gt "$aof1" ] || it_fail "AOF size did not grow: $aof1 -> $aof4"

it_log "maxmemory below the used memory: evictions"
ev0=$(sum "$TMP/m4" redwire_worker_evicted_keys_total)
used4=$(one "$TMP/m4" redwire_memory_used_bytes)
max=$((used4 / 2))
it_eq "$(it_cli config set maxmemory-policy allkeys-random)" OK "maxmemory-policy"
it_eq "$(it_cli config set maxmemory "$max")" OK "CONFIG SET maxmemory $max"
for i in $(seq 20); do it_cli set "push:$i" x >/dev/null; done # eviction also runs on writes
for _ in $(seq 50); do
	scrape "$TMP/m5"
	[ "$(one "$TMP/m5" redwire_memory_used_bytes)" -le "$max" ] && break
	sleep 0.1
done
# eviction may go on past the scrape above: each worker sheds its share on
# its own clock, and the trigger counts the clients' bytes too (INFO
# used_memory) where the gauge counts keys and values only; so the
# agreement with the RESP side is checked once it has settled
# (the pair compared is read in one try: a fresh INFO or DBSIZE after the loop
# is a new connection, whose bytes may evict one more key)
for _ in $(seq 50); do
	scrape "$TMP/m5"
	keys5=$(sum "$TMP/m5" redwire_worker_keys) dbsize5=$(it_cli dbsize)
	ev5=$(sum "$TMP/m5" redwire_worker_evicted_keys_total) info_ev5=$(info stats evicted_keys)
	[ "$keys5" = "$dbsize5" ] && [ "$ev5" = "$info_ev5" ] && break
	sleep 0.1
done
it_eq "$(one "$TMP/m5" redwire_memory_max_bytes)" "$max" "memory_max_bytes after CONFIG SET"
used5=$(one "$TMP/m5" redwire_memory_used_bytes)
[ "$used5" -le "$max" ] || it_fail "used memory $used5 above maxmemory $max"
[ "$ev5" -gt "$ev0" ] || it_fail "no eviction counted ($ev0 -> $ev5)"
it_eq "$ev5" "$info_ev5" "evicted keys vs INFO"
it_eq "$keys5" "$dbsize5" "keys vs DBSIZE after evictions"

it_log "redwirectl memory: the same figures per worker"
# Each redis-cli connection's bytes count toward the trigger, so a key may
# still be evicted between two reads: compare once both agree
# (and the RESP figures compared are those of that try, for the same reason)
for _ in $(seq 30); do
	it_ctl memory --json >"$TMP/mem.json" || it_fail "redwirectl memory --json"
	used6=$(info_keys_used) dbsize6=$(it_cli dbsize) info_ev6=$(info stats evicted_keys)
	[ "$(jq .used_memory "$TMP/mem.json")" = "$used6" ] &&
		[ "$(jq .keys "$TMP/mem.json")" = "$dbsize6" ] &&
		[ "$(jq .evicted_keys "$TMP/mem.json")" = "$info_ev6" ] && break
	sleep 0.1
done
scrape "$TMP/m6"
it_eq "$(jq '.workers | length' "$TMP/mem.json")" 2 "memory: workers"
it_eq "$(jq .keys "$TMP/mem.json")" "$dbsize6" "memory: keys vs DBSIZE"
it_eq "$(jq .used_memory "$TMP/mem.json")" "$used6" "memory: used vs INFO"
it_eq "$(jq .maxmemory "$TMP/mem.json")" "$max" "memory: maxmemory"
it_eq "$(jq -r .maxmemory_policy "$TMP/mem.json")" allkeys-random "memory: policy"
it_eq "$(jq .evicted_keys "$TMP/mem.json")" "$info_ev6" "memory: evicted vs INFO"
for w in 0 1; do
	for f in keys used_memory evicted_keys keyspace_hits; do
		m=$f; [ $f = used_memory ] && m=used_memory_bytes
		[ $f = keys ] || [ $f = used_memory ] || m=${f}_total
		it_eq "$(jq ".workers[$w].$f" "$TMP/mem.json")" \
			"$(sed -n "s/^redwire_worker_$m{worker=\"$w\"} //p" "$TMP/m6")" "memory: worker $w $f vs /metrics"
	done
done
hits=$(info stats keyspace_hits) misses=$(info stats keyspace_misses)
jq -e --argjson h "$hits" --argjson m "$misses" '(.hit_ratio - $h / ($h + $m) | fabs) < 1e-9 and
	(([.workers[].used_share] | add) - 1 | fabs) < 1e-9 and .dataplane_rss_bytes > 0 and
	(.used_of_max - .used_memory / .maxmemory | fabs) < 1e-9' "$TMP/mem.json" >/dev/null ||
	it_fail "memory --json ratios: $(cat "$TMP/mem.json")"
it_ctl memory >"$TMP/mem.txt" || it_fail "redwirectl memory"
grep -q '^policy: *allkeys-random$' "$TMP/mem.txt" && grep -qE '^total +[0-9]+' "$TMP/mem.txt" &&
	grep -qE '^used memory: .* of maxmemory .*%$' "$TMP/mem.txt" || it_fail "memory table: $(cat "$TMP/mem.txt")"
it_log "stats --watch: evictions per second while writes overflow maxmemory"
it_ns "$IT_PY" - "$IT_IP" "$IT_PORT" "$TMP/flood.started" <<'EOF' &
import sys, redis, time
r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]))
r.set("flood:0", "f" * 100)
open(sys.argv[3], "w").close() # writing: the watch may start
end = time.time() + 4
i = 1
while time.time() < end: # bounded by time: the watch below samples meanwhile
    r.set(f"flood:{i}", "f" * 100)
    i += 1
EOF
flood=$!
for _ in $(seq 100); do [ -e "$TMP/flood.started" ] && break; sleep 0.1; done
[ -e "$TMP/flood.started" ] || it_fail "the flood writer did not start"
it_ctl stats --watch --json --interval 0.4 --count 3 >"$TMP/watch.json" || it_fail "stats --watch"
wait "$flood" || it_fail "flood writer"
jq -s -e 'map(.workers[].evicted_keys_per_s // 0) | add > 0' "$TMP/watch.json" >/dev/null ||
	it_fail "no evicted/s while writes overflowed maxmemory: $(cat "$TMP/watch.json")"
jq -s -e --argjson max "$max" 'all(.[]; ([.workers[].used_memory] | add) <= $max * 1.5 and
	([.workers[].used_memory] | add) > 0)' "$TMP/watch.json" >/dev/null ||
	it_fail "watch used_memory against maxmemory $max: $(cat "$TMP/watch.json")"
it_ctl memory --help >"$TMP/help.txt" && grep -q '^usage: redwirectl .* memory' "$TMP/help.txt" ||
	it_fail "memory --help"
rc=0; it_ctl memory extra >/dev/null 2>&1 || rc=$?
it_eq "$rc" 2 "memory with an extra argument"

it_log "100 concurrent scrapers, more than API_MAX_CONNS (64): every one answered"
"$IT_PY" - "/run/redwire/$IT_NAME/api.sock" <<'EOF' || it_fail "concurrent scrapes"
import socket, sys
# all 100 connected before any request is sent: more than the 64 slots at once
socks = []
for _ in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(sys.argv[1])
    socks.append(s)
bad = []
for s in socks:
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    except OSError as e:
        bad.append(repr(e))
for s in socks:
    try:
        data = b""
        while (b := s.recv(65536)):
            data += b
        if not data.startswith(b"HTTP/1.1 200") or b"redwire_memory_used_bytes " not in data:
            bad.append(data[:60])
    except OSError as e:
        bad.append(repr(e))
    s.close()
assert not bad, f"{len(bad)} of 100 failed: {bad[:3]}"
EOF
it_log "reading the appliance sends the workers nothing: their control-message counters stay put"
# ctl_msgs counts every control-plane message a worker's loop handled. While the
# API is read in rounds (every route a console or scraper polls, the parameters
# and the users among them), only the control plane's timers may move it: a PING
# a second per worker (counted as ping.sent in /v1/status) and worker 0's
# persistence status at most once a second. The rounds go on until they
# outnumber that allowance twice, so one message per read of any route would
# break the bound (GET /v1/parameters asked worker 0 once per directive before
# the control plane kept a copy of the values). Then the copy is checked against
# the RESP side: a CONFIG SET or ACL SETUSER a client saw acknowledged shows in
# the very next API read (fresh connections, so the notes come from either
# worker's ring; two changes back to back: the newer wins), with a new ETag;
# a PATCH or PUT shows in CONFIG GET / ACL LIST at once; a password never shows.
it_ns "$IT_PY" - "/run/redwire/$IT_NAME/api.sock" "$IT_IP" "$IT_PORT" >"$TMP/quiet.json" <<'EOF' || it_fail "the read rounds"
import json, socket, sys, time
import redis
SOCK, IP, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
def http(method, path, body=None, headers=()):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(SOCK)
    data = body.encode() if body is not None else b""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
    if body is not None:
        extra += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n".encode() + data)
    out = b""
    while (b := s.recv(65536)):
        out += b
    s.close()
    head, _, rbody = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    hdr = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    return int(lines[0].split()[1]), hdr, rbody
def get(path):
    st, _, body = http("GET", path)
    assert st == 200, (path, st, body[:80])
    return body
def counters():
    st = json.loads(get("/v1/status"))
    return ([w["stats"]["ctl_msgs"] for w in st["workers"]],
            [w["ping"]["sent"] for w in st["workers"]])
READS = ["/metrics", "/v1/stats", "/v1/status", "/v1/appliance", "/v1/commands",
         "/v1/slowlog", "/v1/tasks", "/v1/events", "/v1/health/live", "/v1/health/ready",
         "/v1/snapshots", "/v1/openapi.yaml", "/console", "/v1/parameters",
         "/v1/parameters/maxmemory", "/v1/users", "/v1/users/default"]
for r in READS: # the directives' "apply" list is asked once per dataplane run
    get(r)
m0, p0 = counters()
rounds, t0 = 0, time.monotonic()
while True:
    for r in READS:
        get(r)
    rounds += 1
    m1, p1 = counters()
    allow = [(2 if w == 0 else 1) * (p1[w] - p0[w]) + 4 for w in range(len(m0))]
    if rounds >= 30 and rounds > 2 * max(allow):
        break
    if time.monotonic() - t0 > 60: # a machine this slow weakens the check, never fails it
        break

def resp(*args): # one command on a fresh connection (either worker)
    r = redis.Redis(host=IP, port=PORT, socket_timeout=10, single_connection_client=True)
    try:
        return r.execute_command(*args)
    finally:
        r.close()
def param(name):
    doc = json.loads(get("/v1/parameters"))
    return {p["name"]: p["value"] for p in doc["parameters"]}[name]
def etag(path):
    st, hdr, _ = http("GET", path)
    assert st == 200
    return hdr["etag"]
def users():
    return {u["name"]: u for u in json.loads(get("/v1/users"))["users"]}
bad = []
e0 = etag("/v1/parameters")
if etag("/v1/parameters") != e0:
    bad.append("the list's ETag moved with nothing changed")
orig = resp("CONFIG", "GET", "maxmemory-samples")[1].decode()
for i in range(8):
    a, b = 20 + 2 * i, 21 + 2 * i
    assert resp("CONFIG", "SET", "maxmemory-samples", str(a)) == b"OK"
    assert resp("CONFIG", "SET", "maxmemory-samples", str(b)) == b"OK"
    got = param("maxmemory-samples")
    one = json.loads(get("/v1/parameters/maxmemory-samples"))["value"]
    e1 = etag("/v1/parameters")
    if got != b or one != b:
        bad.append(f"RESP CONFIG SET {a} then {b}: the API shows {got} / {one}")
    if e1 == e0:
        bad.append(f"the list's ETag did not change with maxmemory-samples {b}")
    e0 = e1
SECRET = "s3cr3t-pw-m10"
for i in range(4):
    name = f"mtuser{i}"
    assert resp("ACL", "SETUSER", name, "on", ">" + SECRET, f"~k{i}:*", "+get") == b"OK"
    u = users().get(name)
    if u is None or u["keys"] != [f"~k{i}:*"] or not u["enabled"]:
        bad.append(f"RESP ACL SETUSER {name}: the API shows {u}")
    if SECRET.encode() in get("/v1/users"):
        bad.append("a password shows in /v1/users")
    assert resp("ACL", "DELUSER", name) == 1
    if name in users():
        bad.append(f"RESP ACL DELUSER {name}: the API still lists it")
tag = etag("/v1/parameters/maxmemory-samples")
st, _, body = http("PATCH", "/v1/parameters/maxmemory-samples", '{"value": 13}', [("If-Match", tag)])
if st != 200:
    bad.append(f"PATCH maxmemory-samples: {st} {body[:80]}")
for _ in range(4):
    v = resp("CONFIG", "GET", "maxmemory-samples")[1]
    if v != b"13":
        bad.append(f"PATCH maxmemory-samples 13: CONFIG GET says {v}")
if etag("/v1/parameters/maxmemory-samples") == tag:
    bad.append("the parameter's ETag did not change with its PATCH")
st, _, body = http("PUT", "/v1/users/mtapi", '{"rules": "on nopass ~a:* +get"}')
if st != 201:
    bad.append(f"PUT /v1/users/mtapi: {st} {body[:80]}")
lst = [l.decode() for l in resp("ACL", "LIST")]
if not any(l.startswith("user mtapi on ") and "~a:*" in l for l in lst):
    bad.append(f"PUT /v1/users/mtapi: ACL LIST says {lst}")
st, _, _ = http("DELETE", "/v1/users/mtapi")
if st != 200 or "mtapi" in users():
    bad.append(f"DELETE /v1/users/mtapi: {st}")
resp("CONFIG", "SET", "maxmemory-samples", orig)
print(json.dumps({"rounds": rounds, "moved": [m1[w] - m0[w] for w in range(len(m0))],
                  "allow": allow, "bad": bad}))
EOF
jq -e '.moved | length == 2' "$TMP/quiet.json" >/dev/null || it_fail "ctl_msgs per worker: $(cat "$TMP/quiet.json")"
for w in 0 1; do
	moved=$(jq ".moved[$w]" "$TMP/quiet.json") allow=$(jq ".allow[$w]" "$TMP/quiet.json")
	[ "$moved" -le "$allow" ] ||
		it_fail "worker $w handled $moved control messages during $(jq .rounds "$TMP/quiet.json") rounds of reads (timers allow $allow)"
done
[ "$(jq '.bad | length' "$TMP/quiet.json")" = 0 ] ||
	it_fail "the API's copy of the values and users: $(jq -c .bad "$TMP/quiet.json")"
it_log "reads: $(cat "$TMP/quiet.json")"
it_log "ok"
