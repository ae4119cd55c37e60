#!/usr/bin/env bash
# Issue #8 figures: does scraping cost the dataplane anything, and how fast
# does the management API answer under concurrency?
#   1. redis-benchmark SET/GET (pipelining 16) against a 2-worker instance:
#      without scraping, while /metrics is scraped SCRAPE_HZ times a second
#      (default 1, as Prometheus), and while /v1/health/live is (reads
#      nothing of the dataplane: what the scraping client alone costs on a
#      busy machine), and while /v1/parameters is (a console's poll: the
#      control plane's copy of the values, no message to a worker). Requests/s (median of RUNS, the cases alternating) and
#      the workers' busy TSC cycles per command (busy_cycles / commands from
#      /v1/stats), which a scrape on the hot path would raise.
#   2. API latency: 100 concurrent clients each GET /v1/status, /metrics,
#      /v1/parameters and /v1/users
#      over the Unix socket, REQS times: p50, p99 and max (more than
#      API_MAX_CONNS clients wait in the backlog, none is refused).
# Not part of the pass/fail suite; the machine's other load shows in the
# figures, so compare the rows of one run.
#   RUNS=3 REQUESTS=200000 SCRAPE_HZ=1 REQS=20 tests/bench/metrics_scrape.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-3} REQUESTS=${REQUESTS:-200000} SCRAPE_HZ=${SCRAPE_HZ:-1} REQS=${REQS:-20}
NAME=rwbmet${RW_IT_SUFFIX:-}
BUILD=${REDWIRE_BUILD:-$ROOT/build}
CTL=$BUILD/control/cli/redwirectl
SCRAPER=""
cleanup() {
	[ -n "$SCRAPER" ] && kill "$SCRAPER" 2>/dev/null && wait "$SCRAPER" 2>/dev/null
	REDWIRE_BUILD=$BUILD "$ROOT/redwire" down --name "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT

REDWIRE_BUILD=$BUILD "$ROOT/redwire" up --name "$NAME" --workers 2 >/dev/null
IP=$(sed 's/^--.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$NAME/args")
PORT=$(cat "/run/redwire/$NAME/port")
for _ in $(seq 50); do "$CTL" --name "$NAME" health >/dev/null 2>&1 && break; sleep 0.1; done

# busy cycles and commands summed over the workers
counters() { "$CTL" --name "$NAME" stats --json | /usr/bin/python3 -c \
	'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["busy_cycles"], t["commands"])'; }

# one_run -> "requests/s cycles_per_command"
one_run() {
	local before after rps
	before=$(counters)
	rps=$(ip netns exec "$NAME" redis-benchmark -h "$IP" -p "$PORT" -c 50 -P 16 -n "$REQUESTS" \
		-t set,get -r 100000 --csv 2>/dev/null | awk -F'"' 'NR > 1 {s += $4; n++} END {printf "%.0f", s / n}')
	after=$(counters)
	/usr/bin/python3 -c "b=list(map(int,'$before'.split())); a=list(map(int,'$after'.split()));
print('$rps', round((a[0]-b[0])/max(1,a[1]-b[1])))"
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

scraper_start() { # PATH
	(
		for _ in $(seq 100000); do # bounded; killed by scraper_stop or cleanup
			curl -sf --unix-socket "/run/redwire/$NAME/api.sock" "http://x$1" >/dev/null
			sleep "$PERIOD"
		done
	) &
	SCRAPER=$!
}
scraper_stop() {
	kill "$SCRAPER" 2>/dev/null
	wait "$SCRAPER" 2>/dev/null || true
	SCRAPER=""
}
PERIOD=$(awk -v hz="$SCRAPE_HZ" 'BEGIN {print 1 / hz}')

# The cases alternate, run by run, so drifting load on the machine hits all
# alike. /v1/health/live reads nothing of the dataplane: the cost of the
# scraping client itself (curl started SCRAPE_HZ times a second) on this
# machine, to tell apart from what reading the stats blocks costs.
# /v1/parameters: what a console polling the parameters costs the workers.
CASES=(none /metrics /v1/parameters /v1/health/live)
declare -A RPS CYC
for _ in $(seq "$RUNS"); do
	for c in "${CASES[@]}"; do
		[ "$c" = none ] || scraper_start "$c"
		r=$(one_run)
		[ "$c" = none ] || scraper_stop
		read -r rps cyc <<<"$r"
		RPS[$c]+="$rps " CYC[$c]+="$cyc "
	done
done
echo "redis-benchmark SET+GET -P 16 -c 50, $REQUESTS requests, median of $RUNS (cases alternating)"
for c in "${CASES[@]}"; do
	label="$c ${SCRAPE_HZ}x per second"
	[ "$c" = none ] && label="no scrape"
	printf '%-32s %10s req/s %8s busy cycles/command   (runs: %s)\n' "$label" \
		"$(tr ' ' '\n' <<<"${RPS[$c]}" | grep . | median)" "$(tr ' ' '\n' <<<"${CYC[$c]}" | grep . | median)" \
		"${RPS[$c]% }"
done

echo "API latency over the Unix socket, 100 concurrent clients x $REQS requests"
/usr/bin/python3 - "/run/redwire/$NAME/api.sock" "$REQS" <<'EOF'
import socket, sys, threading, time
sock, reqs = sys.argv[1], int(sys.argv[2])

def get(path):
    s = socket.socket(socket.AF_UNIX)
    t0 = time.perf_counter()
    s.connect(sock)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:80]
    return time.perf_counter() - t0

for path in ("/v1/status", "/metrics", "/v1/parameters", "/v1/users"):
    lat, lock = [], threading.Lock()
    def worker():
        mine = [get(path) for _ in range(reqs)]
        with lock:
            lat.extend(mine)
    ts = [threading.Thread(target=worker) for _ in range(100)]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    print(f"{path:12s} {len(lat)} requests in {wall:.2f}s ({len(lat)/wall:.0f}/s): "
          f"p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, max {lat[-1]*1000:.2f} ms")
EOF
