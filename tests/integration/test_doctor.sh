#!/usr/bin/env bash
# `redwirectl doctor` (issue #8 item 5) against fixture sysfs/procfs trees
# (--root): a healthy two-node host with a NIC on vfio-pci reports no fault
# and exits 0; each tree with one fault planted (hugepages missing, on the
# NIC's node too, hugetlbfs unmounted, no such NIC, NIC on a kernel driver
# or on none, vfio-pci not loaded, IOMMU off on Intel and AMD, worker CPUs
# on the other NUMA node, the management NIC as the port (PCI and
# af_packet), a PMD missing, the file prefix used by another process or
# left stale) reports exactly that fault, with the command that fixes it,
# and exits 1. Then a run on this host parses. No instance is started.
IT_NAME=rwtdoc
source "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/rwtdoc.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
command -v jq >/dev/null || it_fail "jq is needed"
CTL="$(it_build)/control/cli/redwirectl"
[ -x "$CTL" ] || it_fail "no $CTL: build first"

# healthy DIR CONF: a two-node host; the NIC 0000:03:00.0 (Intel) on node 1 bound to
# vfio-pci, the management NIC 0000:01:00.0 (eth0, 10.0.0.0/24 and the default route)
# on ixgbe; 2 MB pages free on both nodes; IOMMU on; the PMDs present
healthy() {
	local r=$1 n c
	mkdir -p "$r/proc/net" "$r/proc/1234" "$r/dev/hugepages" "$r/run/redwire/doc" \
		"$r/sys/kernel/iommu_groups/0" "$r/sys/kernel/iommu_groups/1" "$r/sys/module/vfio_pci" \
		"$r/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0" "$r/sys/class/net/eth0" "$r/sys/bus/pci/drivers"
	printf 'MemTotal:       65536000 kB\nHugepagesize:       2048 kB\n' >"$r/proc/meminfo"
	printf 'sysfs /sys sysfs rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n' >"$r/proc/mounts"
	printf 'processor\t: 0\nvendor_id\t: GenuineIntel\n' >"$r/proc/cpuinfo"
	printf 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' >"$r/proc/net/route"
	printf 'eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' >>"$r/proc/net/route"
	printf 'eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' >>"$r/proc/net/route"
	printf '/usr/sbin/sshd\0-D\0' >"$r/proc/1234/cmdline"
	for s in 2048 1048576; do
		mkdir -p "$r/sys/kernel/mm/hugepages/hugepages-${s}kB"
		[ $s = 2048 ] && c=1024 || c=0
		echo $c >"$r/sys/kernel/mm/hugepages/hugepages-${s}kB/nr_hugepages"
		echo $c >"$r/sys/kernel/mm/hugepages/hugepages-${s}kB/free_hugepages"
	done
	for n in 0 1; do
		mkdir -p "$r/sys/devices/system/node/node$n/hugepages/hugepages-2048kB"
		echo 512 >"$r/sys/devices/system/node/node$n/hugepages/hugepages-2048kB/nr_hugepages"
		echo 512 >"$r/sys/devices/system/node/node$n/hugepages/hugepages-2048kB/free_hugepages"
		echo "$((n * 4))-$((n * 4 + 3))" >"$r/sys/devices/system/node/node$n/cpulist"
		for c in 0 1 2 3; do mkdir -p "$r/sys/devices/system/cpu/cpu$((n * 4 + c))/node$n"; done
	done
	pci "$r" 0000:03:00.0 0x8086 1 vfio-pci ""
	pci "$r" 0000:01:00.0 0x8086 0 ixgbe eth0
	ln -s ../../../devices/pci0000:00/0000:01:00.0 "$r/sys/class/net/eth0/device"
	for p in mempool_ring bus_pci bus_vdev net_ixgbe net_tap net_af_packet; do
		: >"$r/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_$p.so"
	done
	cp "$IT_ROOT/platform/config/redwire.conf" "$2"
	printf 'redwire-name doc\nredwire-pci yes\nredwire-port-device "0000:03:00.0"\nredwire-cores "4,5"\nredwire-workers 2\nredwire-memory-mb 512\nredwire-mgmt-address 10.0.0.5:8443\n' >>"$2"
}
# pci ROOT ADDR VENDOR NODE DRIVER IFACE: a PCI device in sysfs
pci() {
	local d=$1/sys/bus/pci/devices/$2
	mkdir -p "$d"
	echo "$3" >"$d/vendor"
	echo "$4" >"$d/numa_node"
	[ -n "$5" ] && ln -s "../../../../bus/pci/drivers/$5" "$d/driver"
	[ -n "$6" ] && mkdir -p "$d/net/$6"
	return 0
}
set_conf() { sed -i "/^$2 /d" "$1" && echo "$2 $3" >>"$1"; } # CONF DIRECTIVE VALUE

# fixture NAME: a fresh healthy tree in $R with its config $C
fixture() {
	R=$TMP/$1 C=$TMP/$1.conf
	healthy "$R" "$C"
}
# expect NAME "FAULT IDS" [ID FIX]: run the doctor, compare the faults and one fix
expect() {
	local name=$1 want=$2 rc=0 got
	"$CTL" doctor --root "$R" --config "$C" --json >"$TMP/$name.json" || rc=$?
	got=$(jq -r '[.findings[] | select(.status == "fault") | .id] | join(" ")' "$TMP/$name.json") ||
		it_fail "$name: not JSON: $(cat "$TMP/$name.json")"
	it_eq "$got" "$want" "$name: faults"
	it_eq "$(jq .faults "$TMP/$name.json")" "$(wc -w <<<"$want")" "$name: fault count"
	it_eq "$rc" "$([ -n "$want" ] && echo 1 || echo 0)" "$name: exit status"
	if [ $# -ge 4 ]; then
		it_eq "$(jq -r --arg id "$3" '.findings[] | select(.id == $id) | .fix' "$TMP/$name.json")" "$4" "$name: fix"
		"$CTL" doctor --root "$R" --config "$C" >"$TMP/$name.txt" || true # grep -q would cut the pipe
		grep -qxF "       fix: $4" "$TMP/$name.txt" || it_fail "$name: the table has no fix line"
	fi
	it_log "$name: ${want:-no fault}"
}

fixture healthy
expect healthy ""
jq -e '[.hugepages[] | select(.size_kb == 2048)] | length == 3' "$TMP/healthy.json" >/dev/null ||
	it_fail "hugepages per size and node: $(jq -c .hugepages "$TMP/healthy.json")"
jq -e '.hugepages[] | select(.size_kb == 2048 and .node == 1) | .free == 512 and .default' \
	"$TMP/healthy.json" >/dev/null || it_fail "node 1's 2 MB pages"
"$CTL" doctor --root "$R" --config "$C" >"$TMP/healthy.txt" || it_fail "healthy: table"
grep -qE '^hugepages +2048 kB +node 1 +512 total +512 free' "$TMP/healthy.txt" ||
	it_fail "table: no node 1 hugepages line"

fixture healthy_vdev
set_conf "$C" redwire-pci no
set_conf "$C" redwire-port-device '"net_tap0,iface=rw0"'
expect healthy_vdev ""

fixture own_prefix # this instance's dataplane runs: the prefix is its own
echo 777 >"$R/run/redwire/doc/dataplane.pid"
mkdir -p "$R/proc/777"
printf '/usr/lib/redwire/redwire-dataplane\0--config\0/etc/redwire.conf\0--redwire-name\0doc\0' >"$R/proc/777/cmdline"
expect own_prefix ""

fixture hugepages_short
echo 100 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
expect hugepages_short hugepages-short hugepages-short \
	"echo 1180 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

fixture hugepages_node
echo 10 >"$R/sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages"
expect hugepages_node hugepages-node hugepages-node \
	"echo 758 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"

fixture hugetlbfs
printf 'sysfs /sys sysfs rw 0 0\n' >"$R/proc/mounts"
expect hugetlbfs hugetlbfs-unmounted hugetlbfs-unmounted \
	"mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages"

fixture nic_missing
set_conf "$C" redwire-port-device '"0000:09:00.0"'
expect nic_missing nic-missing nic-missing "lspci -D -d ::0200"

fixture nic_kernel
rm "$R/sys/bus/pci/devices/0000:03:00.0/driver"
ln -s ../../../../bus/pci/drivers/ixgbe "$R/sys/bus/pci/devices/0000:03:00.0/driver"
mkdir -p "$R/sys/bus/pci/devices/0000:03:00.0/net/eth1"
expect nic_kernel nic-driver nic-driver "ip link set eth1 down && dpdk-devbind.py --bind=vfio-pci 0000:03:00.0"

fixture nic_unbound
rm "$R/sys/bus/pci/devices/0000:03:00.0/driver"
expect nic_unbound nic-unbound nic-unbound "dpdk-devbind.py --bind=vfio-pci 0000:03:00.0"

fixture vfio
rmdir "$R/sys/module/vfio_pci"
expect vfio vfio-pci-missing vfio-pci-missing "modprobe vfio-pci"

fixture iommu
rm -r "$R/sys/kernel/iommu_groups"/*
expect iommu iommu-off iommu-off \
	"sed -i 's/^GRUB_CMDLINE_LINUX=\"/&intel_iommu=on iommu=pt /' /etc/default/grub && update-grub && reboot"

fixture iommu_amd
rm -r "$R/sys/kernel/iommu_groups"/*
printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\n' >"$R/proc/cpuinfo"
expect iommu_amd iommu-off iommu-off \
	"sed -i 's/^GRUB_CMDLINE_LINUX=\"/&amd_iommu=on iommu=pt /' /etc/default/grub && update-grub && reboot"

fixture numa
set_conf "$C" redwire-cores '"0,1"'
expect numa numa-mismatch numa-mismatch \
	"sed -i '/^redwire-cores /d' $C && echo 'redwire-cores \"4,5\"' >> $C"

fixture mgmt_pci # the port is the management NIC: on ixgbe too, and on node 0
set_conf "$C" redwire-port-device '"0000:01:00.0"'
set_conf "$C" redwire-cores '"0,1"'
expect mgmt_pci "nic-driver mgmt-nic-is-port" mgmt-nic-is-port \
	"dpdk-devbind.py --status-dev net  # choose a port other than 0000:01:00.0 for redwire-port-device"

fixture mgmt_vdev
set_conf "$C" redwire-pci no
set_conf "$C" redwire-port-device '"net_af_packet0,iface=eth0"'
expect mgmt_vdev mgmt-nic-is-port mgmt-nic-is-port \
	"dpdk-devbind.py --status-dev net  # choose a port other than eth0 for redwire-port-device"

fixture pmd
rm "$R/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_net_ixgbe.so"
expect pmd pmd-missing pmd-missing "apt-get install librte-net-ixgbe23"

fixture pmd_vdev
set_conf "$C" redwire-pci no
set_conf "$C" redwire-port-device '"net_tap0,iface=rw0"'
rm "$R/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_net_tap.so"
expect pmd_vdev pmd-missing pmd-missing "apt-get install librte-net-tap23"

fixture prefix_busy
mkdir -p "$R/proc/4321"
printf 'dpdk-testpmd\0-l\0000-1\0--file-prefix=redwire-doc\0' >"$R/proc/4321/cmdline"
expect prefix_busy file-prefix-busy file-prefix-busy "kill 4321"

fixture prefix_stale
mkdir -p "$R/run/dpdk/redwire-doc"
: >"$R/dev/hugepages/redwire-docmap_0"
: >"$R/dev/hugepages/redwire-docmap_1"
expect prefix_stale "file-prefix-stale hugepage-files-stale" hugepage-files-stale \
	"rm -f /dev/hugepages/redwire-docmap_*"
it_eq "$(jq -r '.findings[] | select(.id == "file-prefix-stale") | .fix' "$TMP/prefix_stale.json")" \
	"rm -rf /run/dpdk/redwire-doc" "prefix_stale: runtime dir fix"

it_log "this host"
rc=0
"$CTL" doctor --config "$IT_ROOT/platform/config/redwire.conf" --json >"$TMP/host.json" || rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || it_fail "doctor on this host exited $rc"
jq -e '(.findings | length) >= 5 and (.faults == ([.findings[] | select(.status == "fault")] | length))' \
	"$TMP/host.json" >/dev/null || it_fail "doctor on this host: $(cat "$TMP/host.json")"
it_eq "$rc" "$([ "$(jq .faults "$TMP/host.json")" = 0 ] && echo 0 || echo 1)" "exit status vs faults on this host"
"$CTL" doctor --help >"$TMP/help.txt" && grep -q '^usage: redwirectl .* doctor' "$TMP/help.txt" || it_fail "doctor --help"
rc=0; "$CTL" doctor --bogus >/dev/null 2>&1 || rc=$?
it_eq "$rc" 2 "doctor with a bad option"
rc=0; "$CTL" doctor --config "$TMP/none.conf" >/dev/null 2>&1 || rc=$?
it_eq "$rc" 1 "doctor with a missing config file"
it_log "ok"
