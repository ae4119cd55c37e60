# Helpers of the recovery and crash tests (source after lib.sh and it_up):
# restarting one process of an instance by hand, as `./redwire up` would
# start it, so the other one keeps running; waiting for a loaded dataset;
# and a stock redis-server 7.0.15 on a copy of an AOF directory.

rc_args() { read -ra RC_ARGS <"/run/redwire/$IT_NAME/args"; }

rc_dp_start() { # start the dataplane alone (the control plane keeps running)
	rc_args
	setsid ip netns exec "$IT_NAME" "$(it_build)/dataplane/redwire-dataplane" "${RC_ARGS[@]}" \
		>>"/run/redwire/$IT_NAME/dataplane.log" 2>&1 </dev/null &
	echo $! >"/run/redwire/$IT_NAME/dataplane.pid"
	disown
	for _ in $(seq 200); do ip -n "$IT_NAME" link show rw0 >/dev/null 2>&1 && break; sleep 0.05; done
	ip -n "$IT_NAME" link show rw0 >/dev/null 2>&1 || it_fail "restarted dataplane has no rw0"
	ip -n "$IT_NAME" addr add "$IT_PEER/24" dev rw0
	ip -n "$IT_NAME" link set rw0 up
}

rc_cp_start() { # start the control plane alone (the dataplane keeps running)
	rc_args
	setsid "$(it_build)/control/redwire-control" "${RC_ARGS[@]}" \
		>>"/run/redwire/$IT_NAME/control.log" 2>&1 </dev/null &
	echo $! >"/run/redwire/$IT_NAME/control.pid"
	disown
}

rc_kill() { # dataplane|control: SIGKILL and wait until it is gone
	local pid; pid=$(cat "/run/redwire/$IT_NAME/$1.pid")
	kill -KILL "$pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
	it_fail "$1 (pid $pid) survived SIGKILL"
}

rc_wait_loaded() { # [seconds]: until INFO persistence says loading:0
	local n=$((${1:-30} * 10))
	for _ in $(seq "$n"); do
		it_cli info persistence 2>/dev/null | tr -d '\r' | grep -q '^loading:0$' && return 0
		sleep 0.1
	done
	it_fail "the dataset was not loaded within ${1:-30} s"
}

rc_up() { # ./redwire up again on the same config (after both processes died)
	REDWIRE_BUILD=$(it_build) "$IT_ROOT/redwire" up --name "$IT_NAME" "$@" >/dev/null ||
		it_fail "redwire up failed"
	it_up_vars
}

it_up_vars() {
	IT_IP=$(sed 's/^--.*--redwire-address \([0-9.]*\).*/\1/' "/run/redwire/$IT_NAME/args")
	IT_PEER=${IT_IP%.2}.1
	IT_PORT=$(cat "/run/redwire/$IT_NAME/port")
}

# Stock redis-server on a copy of an AOF directory, in the instance's
# namespace on loopback. Sets RC_STOCK_PID and RC_STOCK_PORT.
RC_STOCK_PID=""
rc_stock_start() { # DIR (holding appendonlydir) PORT [extra args]
	local dir=$1 port=$2; shift 2
	ip netns exec "$IT_NAME" redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
		--appendonly yes --appenddirname appendonlydir --aof-use-rdb-preamble no --save '' \
		--enable-debug-command yes --daemonize no "$@" >"$dir/redis.log" 2>&1 &
	RC_STOCK_PID=$!
	RC_STOCK_PORT=$port
	for _ in $(seq 100); do
		[ "$(rc_stock_cli ping 2>/dev/null)" = PONG ] &&
			rc_stock_cli info persistence | tr -d '\r' | grep -q '^loading:0$' && return 0
		sleep 0.1
	done
	cat "$dir/redis.log"
	it_fail "stock redis-server did not start on $dir"
}
rc_stock_cli() { ip netns exec "$IT_NAME" redis-cli -p "$RC_STOCK_PORT" "$@"; }
rc_stock_stop() {
	[ -n "$RC_STOCK_PID" ] || return 0
	kill "$RC_STOCK_PID" 2>/dev/null || true
	wait "$RC_STOCK_PID" 2>/dev/null || true
	RC_STOCK_PID=""
}
