#!/usr/bin/env bash
# Issue #6: maxmemory-clients with Redis 7.0 semantics. The same client
# traffic (client_evict_check.py) runs against Redwire and stock
# redis-server 7.0.15, and what the clients see must be the same, line for
# line: CONFIG SET/GET of bytes and percents and their errors, CLIENT
# NO-EVICT, a client with 10 MB of unread replies and one with an 8 MB query
# buffer disconnected, a NO-EVICT client and idle clients kept and served,
# INFO evicted_clients and RESETSTAT. Then, Redwire only, the budget is
# one across its two workers: two 4 MB clients on different workers, over
# the limit together and under it alone, lose exactly one of them. Last,
# client memory counts toward key eviction as in 7.0 (used_memory includes
# the clients' buffers): a client with 16 MB of unread replies, then one
# with 6 MB of a half-sent query, under allkeys-lru with 4 MB of headroom,
# make both servers evict keys (client_mem_evict_check.py), and Redwire's
# two shards both give their part.
IT_NAME=rwtmcl
source "$(dirname "$0")/lib.sh"
it_up --workers 2
it_oracle_start
check="$IT_ROOT/tests/integration/client_evict_check.py"
it_log "the same traffic against redis-server 7.0.15 and Redwire"
want=$(it_ns "$IT_PY" "$check" 127.0.0.1 "$IT_ORACLE_PORT") || it_fail "against redis-server: $want"
got=$(it_ns "$IT_PY" "$check" "$IT_IP" "$IT_PORT" --cross-worker) || it_fail "against Redwire: $got"
if ! diff <(echo "$want") <(echo "$got" | grep -v '^xw: '); then
	it_fail "Redwire's clients saw something else than redis-server's (diff above: < redis-server, > Redwire)"
fi
echo "$want" | grep -q '^unread 10 MB: evicted True closed True$' || it_fail "the oracle did not evict: $want"
it_log "one budget across workers"
echo "$got" | grep '^xw: '
it_eq "$(echo "$got" | grep '^xw: of the two')" "xw: of the two, served in full: [False, True]" \
	"two clients on two workers over the limit together"
it_eq "$(echo "$got" | grep '^xw: evicted_clients')" "xw: evicted_clients: 1" "evicted exactly one"
grep -q "evicting client=" "/run/redwire/$IT_NAME/dataplane.log" || it_fail "no eviction in the log"

it_log "client memory counts toward key eviction (7.0's used_memory), as in redis-server"
check="$IT_ROOT/tests/integration/client_mem_evict_check.py"
want=$(it_ns "$IT_PY" "$check" 127.0.0.1 "$IT_ORACLE_PORT") || it_fail "against redis-server: $want"
got=$(it_ns "$IT_PY" "$check" "$IT_IP" "$IT_PORT") || it_fail "against Redwire: $got"
echo "$want" | sed -n 's/^fig: /redis-server: /p'
echo "$got" | sed -n 's/^fig: /Redwire:      /p'
if ! diff <(echo "$want" | grep -v '^fig: ') <(echo "$got" | grep -v '^fig: '); then
	it_fail "client memory and key eviction differ (diff above: < redis-server, > Redwire)"
fi
[ "$(echo "$want" | grep -c ': keys evicted: True$')" = 2 ] || it_fail "the oracle did not evict: $want"
# one budget: the big client lives on one worker, the keys on both, and
# both shards gave their part (the earlier cases evicted no keys)
it_ctl memory --json | jq -e '[.workers[].evicted_keys] | length == 2 and all(. > 0)' >/dev/null ||
	it_fail "not every worker evicted: $(it_ctl memory --json | jq -c '[.workers[].evicted_keys]')"
it_log "ok"
