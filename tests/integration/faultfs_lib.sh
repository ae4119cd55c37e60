# faultfs (tests/tools/faultfs.c) under an instance's AOF directory, for the
# power-cut and fsync-EIO tests. Source after lib.sh; set IT_NAME first.
#   ffs_start     mount it at /var/lib/redwire/$IT_NAME/appendonlydir
#   ffs_cmd CMD   cut | eio N | eio-off | enospc on|off; returns when done
#   ffs_stop      unmount (lazily) and stop it
FFS_BIN=$(it_build)/tests/tools/faultfs
FFS_WORK=""
FFS_PID=""
FFS_MNT=/var/lib/redwire/$IT_NAME/appendonlydir

ffs_start() {
	[ -x "$FFS_BIN" ] || it_fail "no $FFS_BIN (libfuse3-dev missing at build time?)"
	[ -e /dev/fuse ] || it_fail "no /dev/fuse"
	FFS_WORK=$(mktemp -d /tmp/ffs-XXXXXX)
	mkdir -p "$FFS_WORK/back" "$FFS_WORK/state"
	if mountpoint -q "$FFS_MNT"; then umount -l "$FFS_MNT"; fi
	rm -rf "$FFS_MNT"
	mkdir -p "$FFS_MNT"
	"$FFS_BIN" "$FFS_WORK/back" "$FFS_WORK/state" "$FFS_WORK/ctl" "$FFS_MNT" >/dev/null 2>"$FFS_WORK/faultfs.log" &
	FFS_PID=$!
	for _ in $(seq 100); do mountpoint -q "$FFS_MNT" && return 0; sleep 0.05; done
	cat "$FFS_WORK/faultfs.log"
	it_fail "faultfs did not mount"
}

ffs_cmd() {
	echo "$*" >"$FFS_WORK/ctl.tmp"
	mv "$FFS_WORK/ctl.tmp" "$FFS_WORK/ctl"
	for _ in $(seq 200); do [ -e "$FFS_WORK/ctl" ] || return 0; sleep 0.02; done
	it_fail "faultfs did not run '$*'"
}

ffs_stop() {
	if mountpoint -q "$FFS_MNT"; then umount -l "$FFS_MNT" || true; fi
	if [ -n "$FFS_PID" ]; then kill "$FFS_PID" 2>/dev/null || true; wait "$FFS_PID" 2>/dev/null || true; fi
	FFS_PID=""
	[ -n "$FFS_WORK" ] && rm -rf "$FFS_WORK"
	FFS_WORK=""
}
