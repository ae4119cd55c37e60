#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan+UBSan) and run each for a
# bounded time from its seed corpus (tests/fuzz/corpus/<target>/).
#   FUZZ_SECONDS=20 tests/fuzz/run.sh [target...]
# Exit status 0 only if no target found a crash. New inputs are kept in a
# temporary directory, never written into the seed corpus.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-20}
OUT=${FUZZ_OUT:-$ROOT/build-fuzz}
mkdir -p "$OUT"
CFLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=undefined -Wall -Wextra -Werror)

build_resp() {
	clang "${CFLAGS[@]}" -I"$ROOT/platform/codec" -I"$ROOT/platform/mem" \
		"$ROOT/tests/fuzz/fuzz_resp.c" "$ROOT"/platform/codec/resp_*.c \
		"$ROOT/platform/mem/rw_buf.c" -o "$OUT/fuzz_resp"
}

# The list and zset store code, and the codec's listpack sizes lists fill by.
build_coll() {
	clang "${CFLAGS[@]}" -I"$ROOT/dataplane/store" -I"$ROOT/platform/codec" -I"$ROOT/platform/mem" \
		-I/usr/include/liblzf "$ROOT/tests/fuzz/fuzz_coll.c" "$ROOT"/dataplane/store/store_list*.c \
		"$ROOT/dataplane/store/store_zset.c" "$ROOT"/platform/codec/rdb_*.c \
		"$ROOT/platform/codec/crc64.c" "$ROOT/platform/codec/resp_num.c" \
		"$ROOT/platform/mem/rw_alloc.c" -llzf -lm -o "$OUT/fuzz_coll"
}

# The codec plus the collection loaders (dataplane/cmd/cmd_rdb*.c) and the
# store code they build values with.
build_rdb() {
	clang "${CFLAGS[@]}" -I"$ROOT/platform/codec" -I"$ROOT/platform/mem" -I/usr/include/liblzf \
		-I"$ROOT/dataplane/cmd" -I"$ROOT/dataplane/store" \
		"$ROOT/tests/fuzz/fuzz_rdb.c" "$ROOT"/platform/codec/rdb_*.c "$ROOT/platform/codec/crc64.c" \
		"$ROOT/platform/codec/resp_num.c" "$ROOT/dataplane/cmd/cmd_rdb.c" \
		"$ROOT"/dataplane/cmd/cmd_rdb_{list,hash,set,zset}.c "$ROOT"/dataplane/store/store*.c \
		"$ROOT/platform/mem/rw_alloc.c" \
		-llzf -lm -o "$OUT/fuzz_rdb"
}

# Frames into one TCP stack (dataplane/net, dataplane/tcp) over the memory port.
build_frame() {
	local dp=$ROOT/dataplane
	# shellcheck disable=SC2046 # pkg-config's flags are meant to split
	clang "${CFLAGS[@]}" $(pkg-config --cflags libdpdk) -I"$dp/net" -I"$dp/tcp" \
		-I"$ROOT/drivers/eth" -I"$ROOT/platform/mem" -I"$ROOT/platform/chan" \
		"$ROOT/tests/fuzz/fuzz_frame.c" "$dp"/net/net*.c "$dp"/tcp/tcp*.c \
		"$ROOT/drivers/eth/eth_port.c" "$ROOT/platform/mem/rw_buf.c" \
		$(pkg-config --libs libdpdk) -o "$OUT/fuzz_frame"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(resp rdb coll frame)

# One target: a private work dir for new inputs, a summary line on stdout.
fuzz_one() {
	local t=$1 work rc=0
	work=$(mktemp -d)
	if "$OUT/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 \
		-artifact_prefix="$OUT/crash-$t-" "$work" "$ROOT/tests/fuzz/corpus/$t" \
		>"$OUT/fuzz_$t.log" 2>&1; then
		echo "fuzz $t: $(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$OUT/fuzz_$t.log" || tail -1 "$OUT/fuzz_$t.log")"
	else
		echo "fuzz $t: CRASH (artifacts in $OUT)"; tail -30 "$OUT/fuzz_$t.log"; rc=1
	fi
	rm -rf "$work"
	return $rc
}

for t in "${targets[@]}"; do "build_$t"; done
# Two targets at a time (each libFuzzer process is single-threaded, the CI
# machine has two cores): the same executions per target in half the time.
rc=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
	pids=()
	for t in "${targets[@]:i:2}"; do
		fuzz_one "$t" >"$OUT/summary_$t" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	for t in "${targets[@]:i:2}"; do cat "$OUT/summary_$t"; done
done
exit $rc
