#!/usr/bin/env bash
# Issue #8 item 3: stock redis_exporter (Debian's prometheus-redis-exporter)
# pointed at the appliance's RESP address reports redis_up 1 and no scrape
# error, and what it reports is Redwire's: the keys and commands it counts
# move with a workload, memory and maxmemory are INFO's and CONFIG GET's.
# A second exporter scrapes stock redis-server 7.0.15 (the oracle) after the
# same workload: every metric family it yields for stock it yields for
# Redwire too, except the ones listed in KNOWN_MISSING, which wait for
# commands the server core issue owns (SLOWLOG, LATENCY, INFO
# latencystats, CONFIG GET io-threads); the test prints the
# ones that have appeared since, so the list only shrinks. The exporters run
# inside the instance's namespace and listen on its loopback only.
IT_NAME=rwtexp
source "$(dirname "$0")/lib.sh"
EXPORTER=$(command -v prometheus-redis-exporter || command -v redis_exporter || true)
[ -n "$EXPORTER" ] || it_fail "prometheus-redis-exporter is needed (apt-get install prometheus-redis-exporter)"
TMP=$(mktemp -d /tmp/rwtexp.XXXXXX)
EXP_PIDS=()
# families stock yields and Redwire does not yet, each with what it waits for
KNOWN_MISSING=(
	"redis_latency_percentiles_usec: INFO latencystats (server core issue)"
	"redis_slowlog_length redis_slowlog_last_id redis_last_slow_execution_duration_seconds: SLOWLOG (server core issue)"
	"redis_config_io_threads: CONFIG GET io-threads (server core issue)"
)
# what the Redwire exporter may log, once: the LATENCY gap
KNOWN_LOG='cmd LATENCY LATEST, err: ERR unknown command'
on_exit() {
	local rc=$?
	set +e # errexit would end the trap at `(exit $rc)`, before it_cleanup
	for p in "${EXP_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ $rc != 0 ] && tail -5 "$TMP"/exporter-*.log 2>/dev/null
	rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
trap on_exit EXIT

it_up --workers 2
trap on_exit EXIT # it_up set its own
for _ in $(seq 50); do [ "$(it_cli ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
it_oracle_start

# exporter NAME REDIS_ADDR PORT; `ip netns exec` execs it, so $! is its pid
exporter() {
	ip netns exec "$IT_NAME" "$EXPORTER" -redis.addr "redis://$2" \
		-web.listen-address "127.0.0.1:$3" -log-format json >"$TMP/exporter-$1.log" 2>&1 &
	EXP_PIDS+=($!)
}
exporter rw "$IT_IP:$IT_PORT" 9121
exporter stock "127.0.0.1:$IT_ORACLE_PORT" 9122
scrape() { it_ns curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" >"$2"; } # PORT FILE
for _ in $(seq 50); do scrape 9121 "$TMP/e0" 2>/dev/null && break; sleep 0.1; done
scrape 9121 "$TMP/e0" || it_fail "redis_exporter does not answer"
val() { sed -n "s/^$2 //p" "$1" | head -1; } # FILE SAMPLE: its value, as the exporter prints it
num() { awk -v v="$(val "$1" "$2")" 'BEGIN {printf "%.0f\n", v}'; } # 1.6138475475e+10 -> 16138475475 (mawk's %d stops at 2^31)

it_log "redis_up 1, no scrape error"
it_eq "$(val "$TMP/e0" redis_up)" 1 "redis_up"
it_eq "$(val "$TMP/e0" 'redis_exporter_last_scrape_error{err=""}')" 0 "redis_exporter_last_scrape_error"
grep -q '^redis_instance_info{.*redis_version="7.0.15"' "$TMP/e0" || it_fail "no redis_instance_info for 7.0.15"

N=500 H=120 M=80
it_log "the same workload on both: $N SETs, $H hits, $M misses"
for target in "$IT_IP $IT_PORT" "127.0.0.1 $IT_ORACLE_PORT"; do
	# shellcheck disable=SC2086 # two words: address and port
	it_ns "$IT_PY" - $target "$N" "$H" "$M" <<'EOF' || it_fail "workload on $target"
import sys, redis
r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]))
n, h, m = map(int, sys.argv[3:])
for i in range(n):
    r.set(f"exp:{i}", "v" * 64)
for i in range(h):
    assert r.get(f"exp:{i}") is not None
for i in range(m):
    assert r.get(f"none:{i}") is None
EOF
done
scrape 9121 "$TMP/e1" || it_fail "second scrape"
scrape 9122 "$TMP/s1" || it_fail "stock exporter does not answer"
it_eq "$(val "$TMP/e1" redis_up)" 1 "redis_up after the load"
it_eq "$(val "$TMP/e1" 'redis_exporter_last_scrape_error{err=""}')" 0 "scrape error after the load"
it_eq "$(val "$TMP/s1" redis_up)" 1 "stock redis_up"

it_log "values: Redwire's own, and stock's for the same workload"
it_eq "$(num "$TMP/e1" 'redis_db_keys{db="db0"}')" "$(it_cli dbsize)" "redis_db_keys vs DBSIZE"
for f in 'redis_db_keys{db="db0"}' 'redis_db_keys_expiring{db="db0"}' redis_keyspace_hits_total \
	redis_keyspace_misses_total redis_evicted_keys_total redis_expired_keys_total; do
	it_eq "$(num "$TMP/e1" "$f")" "$(num "$TMP/s1" "$f")" "$f: Redwire vs stock"
done
it_eq "$(num "$TMP/e1" redis_keyspace_hits_total)" "$H" "redis_keyspace_hits_total"
c0=$(num "$TMP/e0" redis_commands_processed_total) c1=$(num "$TMP/e1" redis_commands_processed_total)
[ $((c1 - c0)) -ge $((N + H + M)) ] || it_fail "redis_commands_processed_total moved by $((c1 - c0)) for $((N + H + M)) commands"
it_eq "$(num "$TMP/e1" redis_memory_max_bytes)" "$(it_cli config get maxmemory | tail -1)" "redis_memory_max_bytes"
m1=$(num "$TMP/e1" redis_memory_used_bytes)
[ "$m1" -gt $((N * 64)) ] || it_fail "redis_memory_used_bytes $m1 for $N values of 64 bytes"
# used_memory counts the clients' buffers (7.0), which change with the
# connection asking: keys and values (used_memory - mem_clients_normal,
# each pair from one INFO reply) are what must agree
k1=$(($m1 - $(num "$TMP/e1" redis_mem_clients_normal)))
it_eq "$k1" "$(it_cli info memory | tr -d '\r' | awk -F: '/^used_memory:/ {u = $2} /^mem_clients_normal:/ {c = $2} END {print u - c}')" \
	"redis_memory_used_bytes - redis_mem_clients_normal vs INFO"

it_log "every family stock yields, but the known gaps"
fams() { grep '^# TYPE ' "$1" | awk '{print $3}' | sort -u; }
fams "$TMP/s1" >"$TMP/fam.stock"
fams "$TMP/e1" >"$TMP/fam.rw"
known=" $(printf '%s\n' "${KNOWN_MISSING[@]}" | sed 's/:.*//' | tr '\n' ' ') "
missing=$(comm -23 "$TMP/fam.stock" "$TMP/fam.rw" | while read -r f; do
	case $known in *" $f "*) ;; *) echo "$f" ;; esac
done)
[ -z "$missing" ] || it_fail "families stock has and Redwire lacks: $(echo $missing)"
for g in "${KNOWN_MISSING[@]}"; do
	for f in ${g%%:*}; do
		grep -qx "$f" "$TMP/fam.rw" && it_log "NOTE: $f is there now: take it off KNOWN_MISSING"
	done
	it_log "known gap: $g"
done
if grep '"level":"error"' "$TMP/exporter-rw.log" | grep -v "$KNOWN_LOG" | grep -q .; then
	cat "$TMP/exporter-rw.log"
	it_fail "the exporter logged errors"
fi
it_log "ok"
