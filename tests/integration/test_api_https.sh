#!/usr/bin/env bash
# The management API over HTTPS (issue #8, transport and auth), on a loopback
# address of the root namespace (127.0.0.1, a free port): TLS 1.2/1.3 only
# (plain HTTP, TLS 1.0/1.1 and non-ECDHE ciphers refused), the self-signed
# certificate made at first start, bearer tokens (401 without, 403 for a role
# too small, expiry, revocation, stored hashed), redwirectl token, mTLS
# against a CA made here with openssl (CN -> role), failed-login rate limiting
# per source address (429 + Retry-After; other loopback addresses as
# sources), ETag/If-Match on PATCH (428, 412, 200), the audit log's lines,
# and certificate rotation on SIGHUP and POST /v1/tls/reload without a
# restart.
IT_NAME=rwthttps
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwthttps.XXXXXX)
on_exit() {
	local rc=$?
	set +e # errexit would end the trap at `(exit $rc)`, before it_cleanup
	rm -rf "$TMP"
	(exit $rc)
	it_cleanup
}
trap on_exit EXIT
command -v jq >/dev/null || it_fail "jq is needed"
command -v curl >/dev/null || it_fail "curl is needed"
command -v openssl >/dev/null || it_fail "openssl is needed"

DATA=/var/lib/redwire/$IT_NAME
AUDIT=$DATA/mgmt-audit.jsonl
CERT=$DATA/mgmt-cert.pem
PORT=$($IT_PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=https://127.0.0.1:$PORT

# ---- a throw-away CA, client certificates, and a CA nobody trusts ----
ec() { echo -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes; }
mkca() { # NAME
	openssl req -x509 $(ec) -keyout "$TMP/$1.key" -out "$TMP/$1.pem" -days 2 -subj "/CN=$1" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mkclient() { # CA CN
	openssl req $(ec) -keyout "$TMP/$2.key" -out "$TMP/$2.csr" -subj "/CN=$2" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$TMP/client.ext"
	openssl x509 -req -in "$TMP/$2.csr" -CA "$TMP/$1.pem" -CAkey "$TMP/$1.key" -CAcreateserial \
		-out "$TMP/$2.pem" -days 2 -extfile "$TMP/client.ext" 2>/dev/null
}
mkca testca && mkca rogueca || it_fail "openssl could not make the CAs"
for cn in console robot viewer nobody; do mkclient testca "$cn" || it_fail "client cert $cn"; done
mkclient rogueca intruder || it_fail "rogue client cert"

cp "$IT_ROOT/platform/config/redwire.conf" "$TMP/redwire.conf"
cat >>"$TMP/redwire.conf" <<CONF
redwire-mgmt-address 127.0.0.1:$PORT
redwire-mgmt-client-ca $TMP/testca.pem
redwire-mgmt-client-roles console=operator,robot=admin
CONF
# the data directory outlives `redwire down`: start from no certificate, token or audit line
rm -f "$DATA"/mgmt-*
it_up --workers 1 --config "$TMP/redwire.conf"
trap on_exit EXIT # it_up set its own
CPID=$(cat "/run/redwire/$IT_NAME/control.pid")

# hc [curl args...]: the status code; body in $TMP/body, header section in $TMP/head
hc() { curl -s --max-time 5 --cacert "$CERT" -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' "$@" || true; }
hdr() { tr -d '\r' <"$TMP/head" | sed -n "s/^$1: //Ip" | head -1; }
served_fp() { openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256; }
file_fp() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
tok() { it_ctl token create "$@" | head -1; }

it_log "self-signed certificate made at first start in the data directory"
for _ in $(seq 50); do [ -s "$CERT" ] && served_fp >/dev/null 2>&1 && break; sleep 0.1; done
[ -s "$CERT" ] && [ -s "$DATA/mgmt-key.pem" ] || it_fail "no mgmt-cert.pem / mgmt-key.pem in $DATA"
it_eq "$(stat -c %a "$DATA/mgmt-key.pem")" 600 "mode of the generated key"
it_eq "$(served_fp)" "$(file_fp "$CERT")" "served certificate vs $CERT"

it_log "redwirectl token create/list over the Unix socket"
ADMIN=$(tok admin t-admin)
OPER=$(tok operator t-oper)
VIEW=$(tok viewer t-view)
[[ $ADMIN =~ ^rwt_[0-9a-f]{16}_[0-9a-f]{64}$ ]] || it_fail "token text: $ADMIN"
it_ctl token list --json >"$TMP/list.json" || it_fail "token list"
it_eq "$(jq '.tokens | length' "$TMP/list.json")" 3 "tokens listed"
grep -q "${ADMIN#rwt_*_}" "$TMP/list.json" && it_fail "token list shows a token's secret"
grep -q "${ADMIN#rwt_*_}" "$DATA/mgmt-tokens.json" && it_fail "the token file holds a token's secret"
grep -q "$(printf %s "$ADMIN" | sha256sum | cut -d' ' -f1)" "$DATA/mgmt-tokens.json" ||
	it_fail "the token file does not hold the token's SHA-256"
it_eq "$(stat -c %a "$DATA/mgmt-tokens.json")" 600 "mode of the token file"

it_log "TLS 1.2 and 1.3 work; plain HTTP, TLS 1.0/1.1 and a non-ECDHE cipher are refused"
it_eq "$(hc --tlsv1.2 --tls-max 1.2 -H "Authorization: Bearer $VIEW" "$URL/v1/health/live")" 200 "TLS 1.2"
it_eq "$(hc --tlsv1.3 -H "Authorization: Bearer $VIEW" "$URL/v1/health/live")" 200 "TLS 1.3"
it_eq "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/status" || true)" 000 "plain HTTP"
before=$(grep -c 'TLS handshake failed' "/run/redwire/$IT_NAME/control.log" || true)
for v in -tls1 -tls1_1; do
	openssl s_client -connect "127.0.0.1:$PORT" "$v" -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$TMP/old.txt" 2>&1 &&
		it_fail "a $v handshake succeeded"
done
openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 -cipher AES128-SHA </dev/null >"$TMP/weak.txt" 2>&1 &&
	it_fail "a TLS 1.2 handshake with AES128-SHA (no forward secrecy) succeeded"
after=$(grep -c 'TLS handshake failed' "/run/redwire/$IT_NAME/control.log" || true)
[ $((after - before)) -ge 3 ] || it_fail "the server did not log the refused handshakes ($before -> $after)"
grep -q 'unsupported protocol' "/run/redwire/$IT_NAME/control.log" || it_fail "no 'unsupported protocol' refusal logged"

it_log "every route and method without credentials: 401 with WWW-Authenticate"
it_log "(the console's page and assets, .open in the route table, answer GET with 200)"
n=0
while read -r path open; do
	p=${path//\{name\}/maxmemory}
	p=${p//\{id\}/0000000000000000}
	for m in GET POST PATCH DELETE; do
		if [ "$open" = open ] && [ "$m" = GET ]; then
			it_eq "$(hc -X GET "$URL$p")" 200 "GET $p (open) without credentials"
			continue
		fi
		it_eq "$(hc -X "$m" "$URL$p")" 401 "$m $p without credentials"
		[ -n "$(hdr WWW-Authenticate)" ] || it_fail "$m $p: 401 without WWW-Authenticate"
		jq -e .error "$TMP/body" >/dev/null || it_fail "$m $p: 401 body is not a JSON error"
		n=$((n + 1))
	done
done < <(sed -n -e 's/^ *{"\(\/[^"]*\)", .*\.open = true.*/\1 open/p' \
	-e 's/^ *{"\(\/[^"]*\)", .*/\1/p' "$IT_ROOT/control/api/api_route.c")
[ "$(grep -c '\.open = true' "$IT_ROOT/control/api/api_route.c")" = 3 ] ||
	it_fail "open routes other than the console's page and its two assets"
[ "$n" -ge 60 ] || it_fail "only $n route x method pairs checked"
it_log "$n route x method pairs answered 401"
it_eq "$(hc --interface 127.0.0.2 -H 'Authorization: Bearer rwt_nosuch' "$URL/v1/status")" 401 "unknown token"
it_eq "$(hc --interface 127.0.0.2 -u admin:admin "$URL/v1/status")" 401 "Basic credentials"

it_log "roles: viewer reads, operator acts, admin manages tokens"
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/v1/status")" 200 "viewer GET /v1/status"
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$URL/metrics")" 200 "viewer GET /metrics"
it_eq "$(hc -H "Authorization: Bearer $VIEW" -X PATCH -H 'If-Match: *' -d '{"value":5}' "$URL/v1/parameters/redwire-mgmt-auth-failures")" 403 "viewer PATCH"
jq -e '.role == "viewer" and .needs == "operator"' "$TMP/body" >/dev/null || it_fail "403 body: $(cat "$TMP/body")"
it_eq "$(hc -H "Authorization: Bearer $VIEW" -X POST "$URL/v1/snapshots")" 403 "viewer POST /v1/snapshots"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X POST "$URL/v1/failover")" 501 "operator POST /v1/failover (a later issue's route)"
jq -e '.detail | length > 0' "$TMP/body" >/dev/null || it_fail "501 without detail"
it_eq "$(hc -H "Authorization: Bearer $OPER" "$URL/v1/tokens")" 403 "operator GET /v1/tokens"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X POST "$URL/v1/tls/reload")" 403 "operator POST /v1/tls/reload"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" "$URL/v1/tokens")" 200 "admin GET /v1/tokens"
it_eq "$(hc -H "Authorization: Bearer $OPER" "$URL/v1/users")" 403 "operator GET /v1/users"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" "$URL/v1/users")" 200 "admin GET /v1/users"

it_log "PATCH needs If-Match: 428 without, 412 when stale, 200 with the current ETag"
P=$URL/v1/parameters/redwire-mgmt-auth-failures
it_eq "$(hc -H "Authorization: Bearer $OPER" "$P")" 200 "GET the parameter"
E1=$(hdr ETag)
[[ $E1 =~ ^\"[0-9a-f]{16}\"$ ]] || it_fail "ETag: '$E1'"
jq -e '.value == 10 and .apply == "immediate"' "$TMP/body" >/dev/null || it_fail "parameter: $(cat "$TMP/body")"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -d '{"value":3}' "$P")" 428 "PATCH without If-Match"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H 'If-Match: "0123456789abcdef"' -d '{"value":3}' "$P")" 412 "PATCH with a stale ETag"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H "If-Match: $E1" -d '{"value":0}' "$P")" 400 "PATCH out of bounds"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H "If-Match: $E1" -d '{"value":3}' "$P")" 200 "PATCH with the ETag"
E2=$(hdr ETag)
[ -n "$E2" ] && [ "$E2" != "$E1" ] || it_fail "the ETag did not change: '$E1' -> '$E2'"
jq -e '.value == 3' "$TMP/body" >/dev/null || it_fail "PATCH answer: $(cat "$TMP/body")"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H "If-Match: $E1" -d '{"value":4}' "$P")" 412 "a second console's PATCH with the old ETag"
it_eq "$(hc -H "Authorization: Bearer $VIEW" "$P")" 200 "GET after PATCH"
jq -e '.value == 3' "$TMP/body" >/dev/null || it_fail "value after PATCH: $(cat "$TMP/body")"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H 'If-Match: *' -d '{"value":"nope"}' "$URL/v1/parameters/maxmemory-policy")" 400 "PATCH a dataplane directive with a bad value"
jq -e '.error | startswith("ERR CONFIG SET failed")' "$TMP/body" >/dev/null || it_fail "dataplane PATCH error: $(cat "$TMP/body")"

it_log "rate limit: 3 failed logins from 127.0.0.9 lock it out (429 + Retry-After); 127.0.0.1 is not"
for i in 1 2 3; do
	it_eq "$(hc --interface 127.0.0.9 -H "Authorization: Bearer rwt_guess$i" "$URL/v1/status")" 401 "failed login $i"
done
it_eq "$(hc --interface 127.0.0.9 -H "Authorization: Bearer $ADMIN" "$URL/v1/status")" 429 "a valid token from a locked-out address"
ra=$(hdr Retry-After)
[[ $ra =~ ^[0-9]+$ ]] && [ "$ra" -ge 1 ] && [ "$ra" -le 60 ] || it_fail "Retry-After: '$ra'"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" "$URL/v1/status")" 200 "127.0.0.1 meanwhile"
it_log "the lock-out ends with the window (redwire-mgmt-auth-window PATCHed to 2 s)"
it_eq "$(hc -H "Authorization: Bearer $OPER" "$URL/v1/parameters/redwire-mgmt-auth-window")" 200 "GET window"
it_eq "$(hc -H "Authorization: Bearer $OPER" -X PATCH -H "If-Match: $(hdr ETag)" -d '{"value":"2"}' "$URL/v1/parameters/redwire-mgmt-auth-window")" 200 "PATCH window"
for i in 1 2 3; do hc --interface 127.0.0.10 -H "Authorization: Bearer rwt_guess$i" "$URL/v1/status" >/dev/null; done
it_eq "$(hc --interface 127.0.0.10 -H "Authorization: Bearer $VIEW" "$URL/v1/status")" 429 "locked out for 2 s"
[ "$(hdr Retry-After)" -le 2 ] || it_fail "Retry-After $(hdr Retry-After) > the 2 s window"
sleep 2.2
it_eq "$(hc --interface 127.0.0.10 -H "Authorization: Bearer $VIEW" "$URL/v1/status")" 200 "after the window"

it_log "expiry and revocation"
SHORT=$(tok viewer t-short --ttl 2)
it_eq "$(hc --interface 127.0.0.3 -H "Authorization: Bearer $SHORT" "$URL/v1/status")" 200 "a 2 s token at once"
sleep 3.1
it_eq "$(hc --interface 127.0.0.3 -H "Authorization: Bearer $SHORT" "$URL/v1/status")" 401 "the 2 s token 3 s later"
jq -e '.error == "token expired"' "$TMP/body" >/dev/null || it_fail "expired: $(cat "$TMP/body")"
it_ctl token list | grep -q 't-short.*(expired)' || it_fail "token list does not mark the expired token"
VID=$(it_ctl token list --json | jq -r '.tokens[] | select(.name == "t-view") | .id')
it_ctl token revoke "$VID" >/dev/null || it_fail "redwirectl token revoke"
it_eq "$(hc --interface 127.0.0.4 -H "Authorization: Bearer $VIEW" "$URL/v1/status")" 401 "a revoked token"
it_ctl token revoke "$VID" >/dev/null 2>&1 && it_fail "revoking twice succeeded"
OID=$(it_ctl token list --json | jq -r '.tokens[] | select(.name == "t-oper") | .id')
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X DELETE "$URL/v1/tokens/$OID")" 200 "DELETE /v1/tokens/ID over HTTPS"
it_eq "$(hc --interface 127.0.0.4 -H "Authorization: Bearer $OPER" "$URL/v1/status")" 401 "a token revoked over HTTPS"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X POST -d '{"role":"root","name":"x"}' "$URL/v1/tokens")" 400 "a token for no role"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X POST -d '{"role":"viewer","name":"over-https","ttl_seconds":60}' "$URL/v1/tokens")" 201 "POST /v1/tokens"
HT=$(jq -r .token "$TMP/body")
it_eq "$(hc -H "Authorization: Bearer $HT" "$URL/v1/stats")" 200 "a token made over HTTPS"

it_log "mTLS: client certificates of the test CA map to roles"
mt() { local cn=$1; shift; hc --cert "$TMP/$cn.pem" --key "$TMP/$cn.key" "$@"; }
it_eq "$(mt console "$URL/v1/status")" 200 "console (operator) GET"
it_eq "$(mt console -X PATCH -d '{"value":3}' "$P")" 428 "console (operator) PATCH reaches the route"
it_eq "$(mt console "$URL/v1/tokens")" 403 "console (operator) GET /v1/tokens"
it_eq "$(mt robot "$URL/v1/tokens")" 200 "robot (admin) GET /v1/tokens"
it_eq "$(mt viewer "$URL/v1/appliance")" 200 "CN=viewer GET"
it_eq "$(mt viewer -X PATCH -H 'If-Match: *' -d '{"value":3}' "$P")" 403 "CN=viewer PATCH"
it_eq "$(mt nobody "$URL/v1/status")" 403 "a CN with no role"
it_eq "$(mt console --interface 127.0.0.5 -H 'Authorization: Bearer rwt_bad' "$URL/v1/status")" 401 "a bad token beside a good certificate"
it_eq "$(mt intruder "$URL/v1/status")" 000 "a certificate of another CA (handshake refused)"

it_log "a restarted control plane keeps its certificate and tokens (not the PATCHed limits)"
FP_BEFORE=$(served_fp)
kill -TERM "$CPID"
for _ in $(seq 100); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$CPID" 2>/dev/null && it_fail "the control plane did not stop on SIGTERM"
read -ra CARGS <"/run/redwire/$IT_NAME/args"
setsid "$(it_build)/control/redwire-control" "${CARGS[@]}" >>"/run/redwire/$IT_NAME/control.log" 2>&1 </dev/null &
CPID=$!
echo "$CPID" >"/run/redwire/$IT_NAME/control.pid"
for _ in $(seq 50); do [ "$(hc -H "Authorization: Bearer $ADMIN" "$URL/v1/health/live")" = 200 ] && break; sleep 0.1; done
it_eq "$(served_fp)" "$FP_BEFORE" "the certificate after a restart (reused, not made again)"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" "$URL/v1/tokens")" 200 "the admin token after a restart"
it_eq "$(hc --interface 127.0.0.6 -H "Authorization: Bearer $VIEW" "$URL/v1/status")" 401 "a revoked token after a restart"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" "$P")" 200 "GET the limit after a restart"
jq -e '.value == 10' "$TMP/body" >/dev/null || it_fail "a PATCH outlived the restart: $(cat "$TMP/body")"

it_log "certificate rotation: SIGHUP, then POST /v1/tls/reload, without a restart"
OLD_FP=$(served_fp)
openssl req -x509 $(ec) -keyout "$TMP/new.key" -out "$TMP/new.pem" -days 2 -subj "/CN=rotated" \
	-addext subjectAltName=IP:127.0.0.1 2>/dev/null || it_fail "openssl: new server certificate"
cp "$TMP/new.key" "$DATA/mgmt-key.pem.new" && mv "$DATA/mgmt-key.pem.new" "$DATA/mgmt-key.pem"
cp "$TMP/new.pem" "$DATA/mgmt-cert.pem.new" && mv "$DATA/mgmt-cert.pem.new" "$DATA/mgmt-cert.pem"
it_eq "$(served_fp)" "$OLD_FP" "before SIGHUP the old certificate is served"
kill -HUP "$CPID"
NEW_FP=$(file_fp "$TMP/new.pem")
for _ in $(seq 50); do [ "$(served_fp)" = "$NEW_FP" ] && break; sleep 0.1; done
it_eq "$(served_fp)" "$NEW_FP" "after SIGHUP"
CERT=$TMP/new.pem
it_eq "$(hc -H "Authorization: Bearer $ADMIN" "$URL/v1/health/live")" 200 "verified against the new certificate"
it_eq "$(cat "/run/redwire/$IT_NAME/control.pid")" "$CPID" "control plane pid"
kill -0 "$CPID" || it_fail "the control plane died on SIGHUP"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X POST "$URL/v1/tls/reload")" 200 "POST /v1/tls/reload"
jq -e '.generation == 3' "$TMP/body" >/dev/null || it_fail "reload: $(cat "$TMP/body")"
it_eq "sha256 Fingerprint=$(jq -r .sha256 "$TMP/body" | tr a-f A-F | sed 's/../&:/g; s/:$//')" "$NEW_FP" "reload's fingerprint"
echo garbage >"$DATA/mgmt-cert.pem"
it_eq "$(hc -H "Authorization: Bearer $ADMIN" -X POST "$URL/v1/tls/reload")" 500 "reload of a broken file"
it_eq "$(served_fp)" "$NEW_FP" "the certificate in use after a failed reload"

it_log "audit log: one JSON object per line, every change and every failure"
jq -c . "$AUDIT" >/dev/null || it_fail "audit log is not JSON lines"
audit_has() { # WHAT JQ-FILTER
	jq -e -s "map(select($2)) | length > 0" "$AUDIT" >/dev/null || it_fail "audit log: no line for $1"
}
audit_has "token creation over the socket" '.event == "change" and .method == "POST" and .path == "/v1/tokens" and .actor == "unix:uid=0" and (.detail.token_id | length == 16)'
audit_has "token creation over HTTPS" '.event == "change" and .path == "/v1/tokens" and (.actor | startswith("token:"))'
audit_has "the PATCH" '.event == "change" and .method == "PATCH" and .detail.parameter == "redwire-mgmt-auth-failures" and .detail.old == "10" and .detail.new == 3'
audit_has "a refused PATCH (412)" '.event == "change_refused" and .status == 412'
audit_has "revocation" '.event == "change" and .method == "DELETE" and .status == 200'
audit_has "no credentials" '.event == "auth_failure" and .status == 401 and .detail.reason == "no credentials" and .source == "127.0.0.1"'
audit_has "a bad token" '.event == "auth_failure" and .detail.reason == "invalid or revoked token" and .source == "127.0.0.2"'
audit_has "an expired token" '.event == "auth_failure" and .detail.reason == "token expired"'
audit_has "a role too small" '.event == "auth_failure" and .status == 403 and .detail.reason == "role"'
audit_has "the lock-out" '.event == "auth_failure" and .status == 429 and .source == "127.0.0.9"'
audit_has "a certificate with no role" '.event == "auth_failure" and .actor == "cert:nobody"'
audit_has "a change by certificate" '.actor == "cert:console" and .method == "PATCH"'
audit_has "SIGHUP" '.event == "change" and .actor == "signal:SIGHUP"'
audit_has "the failed reload" '.event == "change_refused" and .path == "/v1/tls/reload" and .status == 500'
for t in "$ADMIN" "$OPER" "$VIEW" "$SHORT" "$HT"; do
	grep -q "${t#rwt_*_}" "$AUDIT" && it_fail "a token's secret is in the audit log"
done
it_log "$(wc -l <"$AUDIT") audit lines checked"
it_log "ok"
