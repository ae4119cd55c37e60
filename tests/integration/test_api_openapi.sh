#!/usr/bin/env bash
# The OpenAPI description (control/api/openapi.yaml) is valid OpenAPI 3 by
# redocly lint (recommended-strict rules, installed from npm into a cache
# directory on first use), names exactly the routes of the server's route
# table, and tells the truth: every documented operation, called on a booted
# instance, answers one of its documented statuses with the documented media
# type and a body valid by the response's whole schema
# (openapi_validate.py), on the Unix socket and over HTTPS
# (no credentials: 401 everywhere but the console's static page and
# assets, which are 200 by design; a viewer, an operator and an admin
# token: 403 exactly where the operation's x-redwire-role is above the
# token's role); the server serves the file as built.
IT_NAME=rwtapioa
source "$(dirname "$0")/lib.sh"
API=$IT_ROOT/control/api
CACHE=${REDWIRE_CACHE:-/var/cache/redwire-it}
REDOCLY_VERSION=2.77.0
REDOCLY=$CACHE/npm-redocly-$REDOCLY_VERSION/node_modules/.bin/redocly
TMP=$(mktemp -d /tmp/rwtapioa.XXXXXX)
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
if [ ! -x "$REDOCLY" ]; then
	command -v npm >/dev/null || it_fail "npm is needed to install @redocly/cli (apt-get install npm)"
	it_log "installing @redocly/cli@$REDOCLY_VERSION into $CACHE"
	mkdir -p "$CACHE/npm-redocly-$REDOCLY_VERSION"
	npm install --silent --no-audit --no-fund --prefix "$CACHE/npm-redocly-$REDOCLY_VERSION" \
		"@redocly/cli@$REDOCLY_VERSION" >/dev/null || it_fail "npm install @redocly/cli failed"
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

it_log "redocly lint (control/api/redocly.yaml: recommended-strict)"
(cd "$API" && "$REDOCLY" lint --format stylish openapi.yaml) >"$TMP/lint.txt" 2>&1 ||
	{ cat "$TMP/lint.txt"; it_fail "openapi.yaml does not pass redocly lint"; }
(cd "$API" && "$REDOCLY" bundle --dereferenced --ext json -o "$TMP/spec.json" openapi.yaml) \
	>"$TMP/bundle.txt" 2>&1 || { cat "$TMP/bundle.txt"; it_fail "redocly bundle failed"; }

it_log "the spec's paths are the route table's (control/api/api_route.c)"
jq -r '.paths | keys[]' "$TMP/spec.json" | sort >"$TMP/spec_paths"
sed -n 's/^ *{"\(\/[^"]*\)", .*/\1/p' "$API/api_route.c" | sort >"$TMP/table_paths"
[ -s "$TMP/table_paths" ] || it_fail "no routes found in api_route.c"
diff "$TMP/spec_paths" "$TMP/table_paths" >"$TMP/paths.diff" ||
	{ cat "$TMP/paths.diff"; it_fail "openapi.yaml paths (<) and the route table (>) differ"; }

# HTTPS on a free loopback port of the root namespace, so runs side by side never collide
PORT=$($IT_PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$IT_ROOT/platform/config/redwire.conf" "$TMP/redwire.conf"
echo "redwire-mgmt-address 127.0.0.1:$PORT" >>"$TMP/redwire.conf"
it_up --workers 2 --config "$TMP/redwire.conf"
trap on_exit EXIT # it_up set its own
SOCK=/run/redwire/$IT_NAME/api.sock
CERT=/var/lib/redwire/$IT_NAME/mgmt-cert.pem
for _ in $(seq 50); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/health/ready)" = 200 ] && break
	sleep 0.1
done

it_log "the served file is the file"
curl -sf --unix-socket "$SOCK" http://localhost/v1/openapi.yaml -o "$TMP/served.yaml" || it_fail "GET /v1/openapi.yaml"
cmp -s "$TMP/served.yaml" "$API/openapi.yaml" || it_fail "/v1/openapi.yaml differs from control/api/openapi.yaml"

# check_ops WHAT BASE [curl args...]: every documented operation, called through BASE,
# answers one of its documented statuses with the documented media type and the
# schema's required fields; the statuses seen go to $TMP/codes.
check_ops() {
	local what=$1 base=$2 n=0 path method url code ctype missing wait
	shift 2
	rm -rf "$TMP/bodies" && mkdir "$TMP/bodies" && : >"$TMP/bodies/list"
	: >"$TMP/codes"
	: >"$TMP/path_codes"
	while read -r path method; do
		url=${path//\{name\}/maxmemory}
		url=${url//\{id\}/0000000000000000}
		# --max-time: the event stream stays open; what it sent by then (its
		# headers and first events come at once) is checked
		wait=3; [[ $path == */stream ]] && wait=1
		code=$(curl -s --max-time "$wait" -X "${method^^}" "$@" -o "$TMP/body" -D "$TMP/head" \
			-w '%{http_code}' "$base$url" || true)
		echo "$code" >>"$TMP/codes"
		echo "$path $method $code" >>"$TMP/path_codes"
		jq -e --arg p "$path" --arg m "$method" --arg c "$code" \
			'.paths[$p][$m].responses | has($c)' "$TMP/spec.json" >/dev/null ||
			it_fail "$what: ${method^^} $url answered $code, which the spec does not document"
		ctype=$(tr -d '\r' <"$TMP/head" | sed -n 's/^[Cc]ontent-[Tt]ype: \([^;]*\).*/\1/p')
		# media types: text/plain in the spec stands for text/plain; version=0.0.4
		jq -e --arg p "$path" --arg m "$method" --arg c "$code" --arg t "$ctype" \
			'.paths[$p][$m].responses[$c].content | has($t)' "$TMP/spec.json" >/dev/null ||
			it_fail "$what: ${method^^} $url: $code with Content-Type $ctype, not documented"
		if [ "$ctype" = application/json ]; then
			jq -e . "$TMP/body" >/dev/null || it_fail "$what: ${method^^} $url: body is not JSON"
			missing=$(jq -r --arg p "$path" --arg m "$method" --arg c "$code" \
				'.paths[$p][$m].responses[$c].content["application/json"].schema.required // [] | .[]' \
				"$TMP/spec.json" | while read -r k; do
				jq -e --arg k "$k" 'has($k)' "$TMP/body" >/dev/null || echo "$k"
			done)
			[ -z "$missing" ] || it_fail "$what: ${method^^} $url: required fields missing: $missing"
			cp "$TMP/body" "$TMP/bodies/$n.json"
			echo "$path $method $code $TMP/bodies/$n.json" >>"$TMP/bodies/list"
		fi
		n=$((n + 1))
	done < <(jq -r '.paths | to_entries[] | .key as $p | .value | keys[] |
		select(IN("get","put","post","patch","delete")) | "\($p) \(.)"' "$TMP/spec.json")
	[ "$n" -ge 20 ] || it_fail "$what: only $n operations checked"
	# every JSON body against its response's whole schema (one run for them all)
	"$IT_PY" "$IT_ROOT/tests/integration/openapi_validate.py" "$TMP/spec.json" "$TMP/bodies/list" \
		>"$TMP/valid.txt" || { cat "$TMP/valid.txt"; it_fail "$what: a body does not match its schema"; }
	it_log "$what: $n operations answered as documented, $(cat "$TMP/valid.txt") JSON bodies valid by their schema"
}

it_log "every documented operation answers as documented, on each listener and role"
check_ops "unix socket" http://localhost --unix-socket "$SOCK"
URL=https://127.0.0.1:$PORT
check_ops "https, no credentials" "$URL" --cacert "$CERT"
# the operations with `security: []` (the console's static page and assets) are open: 200;
# every other one is 401
jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[] |
	select(.value | type == "object" and has("security") and .security == []) | "\($p) \(.key)"' \
	"$TMP/spec.json" | sort >"$TMP/open_ops"
[ "$(wc -l <"$TMP/open_ops")" -ge 3 ] || it_fail "the console's open operations are not in the spec"
while read -r path method code; do
	if grep -qx "$path $method" "$TMP/open_ops"; then
		[ "$code" = 200 ] || it_fail "https without credentials: open ${method^^} $path answered $code"
	else
		[ "$code" = 401 ] || it_fail "https without credentials: ${method^^} $path answered $code"
	fi
done <"$TMP/path_codes"
# check_roles ROLE: after a pass with ROLE's token, every operation whose
# x-redwire-role is above ROLE answered 403, and no other did
check_roles() {
	local rank n403=0 path method code need
	rank() { case $1 in none) echo 0 ;; viewer) echo 1 ;; operator) echo 2 ;; admin) echo 3 ;; *) echo 9 ;; esac; }
	while read -r path method code; do
		need=$(jq -r --arg p "$path" --arg m "$method" '.paths[$p][$m]["x-redwire-role"] // "missing"' "$TMP/spec.json")
		[ "$(rank "$need")" != 9 ] || it_fail "${method^^} $path: x-redwire-role is $need"
		if [ "$(rank "$need")" -gt "$(rank "$1")" ]; then
			[ "$code" = 403 ] || it_fail "https as $1: ${method^^} $path (x-redwire-role $need) answered $code, not 403"
			n403=$((n403 + 1))
		else
			[ "$code" != 403 ] || it_fail "https as $1: ${method^^} $path (x-redwire-role $need) answered 403"
		fi
	done <"$TMP/path_codes"
	it_log "https as $1: the $n403 operations above the role answered 403, the others did not"
}
VIEW=$(it_ctl token create viewer oa-viewer | head -1)
OPER=$(it_ctl token create operator oa-operator | head -1)
ADMIN=$(it_ctl token create admin oa-admin | head -1)
check_ops "https, viewer" "$URL" --cacert "$CERT" -H "Authorization: Bearer $VIEW"
check_roles viewer
check_ops "https, operator" "$URL" --cacert "$CERT" -H "Authorization: Bearer $OPER"
check_roles operator
check_ops "https, admin" "$URL" --cacert "$CERT" -H "Authorization: Bearer $ADMIN"
check_roles admin

it_log "redwirectl replication / failover: the API's 501 answer, exit status 1"
rc=0; it_ctl replication >/dev/null 2>"$TMP/err" || rc=$?
it_eq "$rc" 1 "redwirectl replication's exit status"
grep -q '501 not implemented yet: replication arrives' "$TMP/err" || it_fail "redwirectl replication: $(cat "$TMP/err")"
rc=0; it_ctl failover start --json >"$TMP/fo.json" 2>/dev/null || rc=$?
it_eq "$rc:$(jq -r .route "$TMP/fo.json")" "1:/v1/failover" "redwirectl failover start --json"
rc=0; it_ctl failover >/dev/null 2>&1 || rc=$?
it_eq "$rc" 2 "redwirectl failover without a subcommand"
it_log "unknown routes and parameters are 404 with a JSON body"
it_eq "$(curl -s -o "$TMP/body" -w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/nosuch)" 404 "GET /v1/nosuch"
jq -e .error "$TMP/body" >/dev/null || it_fail "404 body has no error"
it_eq "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://localhost/v1/parameters/nosuch)" 404 "GET /v1/parameters/nosuch"
it_log "ok"
