/*
 * The checks of `redwirectl doctor` (issue #8 item 5), each reading sysfs
 * and procfs under the doctor's root and adding a finding: passed, or a
 * fault with the command that fixes it. The commands name the real paths
 * (never the fixture root), so an operator can paste them.
 *
 *   NIC        redwire-pci yes: the PCI device exists, is bound to vfio-pci
 *              (uio_pci_generic/igb_uio accepted; Mellanox stays on
 *              mlx5_core, bifurcated), vfio-pci is loaded and the IOMMU on;
 *              the worker CPUs are on the NIC's NUMA node.
 *   hugepages  per size and per NUMA node (facts for the report); the
 *              default size has redwire-memory-mb free, on the NIC's node
 *              too; hugetlbfs is mounted (else the dataplane falls back to
 *              --no-huge, see platform/eal/rw_eal.c).
 *   mgmt       the interface that carries redwire-mgmt-address is not the
 *              dataplane's port (binding it would cut management off).
 *   PMDs       the driver plugins EAL loads from the pmds directory are
 *              there: mempool ring, the bus, the port's PMD.
 *   prefix     --file-prefix=redwire-NAME is free: no other process uses
 *              it, no stale runtime directory or hugepage files hold pages.
 *
 * Context: redwirectl, blocking.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctl_doctor.h"

#define DOC_MAX_CPUS 256

/* Copy @p s into @p out, cut to @p len - 1 bytes (names from sysfs are short). */
static void copy_cut(char *out, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static bool exists(const struct doc *d, const char *path)
{
	char p[1024];
	return access(doc_path(d, p, sizeof(p), "%s", path), F_OK) == 0;
}

/* The last component of the symlink <root>@p path ("" if it is none). */
static bool link_base(const struct doc *d, const char *path, char *out, size_t len)
{
	char p[1024], target[1024];
	ssize_t n = readlink(doc_path(d, p, sizeof(p), "%s", path), target, sizeof(target) - 1);
	out[0] = '\0';
	if (n <= 0)
		return false;
	target[n] = '\0';
	const char *b = strrchr(target, '/');
	copy_cut(out, len, b ? b + 1 : target);
	return true;
}

/* "2,3" or "4-7" into CPU numbers (rw_eal.c's syntax). @return count, -1 if malformed. */
static int cpus_parse(const char *s, unsigned *cpus, int max)
{
	int n = 0;
	while (*s != '\0' && *s != '\n' && n < max) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		for (unsigned long c = a; c <= b && n < max; c++)
			cpus[n++] = (unsigned)c;
		if (*end != ',' && *end != '\0' && *end != '\n')
			return -1;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void cpus_format(const unsigned *cpus, int n, char *out, size_t len)
{
	size_t off = 0;
	out[0] = '\0';
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%u", i ? "," : "", cpus[i]);
}

/* The CPUs the workers are pinned to, as rw_eal.c pins them. */
static int worker_cpus(const struct doc *d, unsigned *cpus, int max)
{
	int n = 0;
	unsigned listed[DOC_MAX_CPUS];
	int nl = d->cfg->rw_cores[0] ? cpus_parse(d->cfg->rw_cores, listed, DOC_MAX_CPUS) : 0;
	for (long w = 0; w < d->cfg->rw_workers && n < max; w++)
		cpus[n++] = nl > 0 ? listed[w % nl] : (unsigned)w;
	return n;
}

/* The NUMA node of CPU @p cpu (its nodeN link in sysfs), -1 if unknown. */
static int cpu_node(const struct doc *d, unsigned cpu)
{
	char p[1024];
	DIR *dir = opendir(doc_path(d, p, sizeof(p), "/sys/devices/system/cpu/cpu%u", cpu));
	int node = -1;
	struct dirent *e;
	while (dir != NULL && (e = readdir(dir)) != NULL)
		if (strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' &&
		    e->d_name[4] <= '9')
			node = atoi(e->d_name + 4);
	if (dir != NULL)
		closedir(dir);
	return node;
}

/* How to edit a directive: in the config file when there is one. */
static void fix_directive(const struct doc *d, const char *name, const char *value, char *out,
			  size_t len)
{
	if (d->config_file != NULL && d->config_file[0] != '\0')
		snprintf(out, len, "sed -i '/^%s /d' %s && echo '%s \"%s\"' >> %s", name,
			 d->config_file, name, value, d->config_file);
	else
		snprintf(out, len, "redwire up --%s \"%s\"", name, value);
}

/* ---- NIC, driver, IOMMU, NUMA ---- */

static bool user_driver(const char *drv)
{
	return strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "uio_pci_generic") == 0 ||
	       strcmp(drv, "igb_uio") == 0;
}

static void check_iommu(struct doc *d)
{
	char p[1024], line[256];
	if (exists(d, "/sys/module/vfio_pci") || exists(d, "/sys/bus/pci/drivers/vfio-pci"))
		doc_add(d, "vfio-pci", NULL, "vfio-pci is loaded");
	else
		doc_add(d, "vfio-pci-missing", "modprobe vfio-pci",
			"the vfio-pci module is not loaded: the NIC cannot be bound to it");
	int groups = 0;
	DIR *dir = opendir(doc_path(d, p, sizeof(p), "/sys/kernel/iommu_groups"));
	struct dirent *e;
	while (dir != NULL && (e = readdir(dir)) != NULL)
		groups += e->d_name[0] != '.';
	if (dir != NULL)
		closedir(dir);
	if (groups > 0) {
		doc_add(d, "iommu", NULL, "the IOMMU is on (%d groups)", groups);
		return;
	}
	if (doc_read_line(d, "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", line,
			  sizeof(line)) &&
	    (line[0] == 'Y' || line[0] == '1')) {
		doc_add(d, "iommu", NULL,
			"no IOMMU, vfio's unsafe no-IOMMU mode is on (no DMA isolation)");
		return;
	}
	bool amd = false;
	FILE *f = fopen(doc_path(d, p, sizeof(p), "/proc/cpuinfo"), "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL && !amd)
		amd = strncmp(line, "vendor_id", 9) == 0 && strstr(line, "AuthenticAMD") != NULL;
	if (f != NULL)
		fclose(f);
	char fix[512];
	snprintf(fix, sizeof(fix),
		 "sed -i 's/^GRUB_CMDLINE_LINUX=\"/&%s iommu=pt /' /etc/default/grub && "
		 "update-grub && reboot",
		 amd ? "amd_iommu=on" : "intel_iommu=on");
	doc_add(d, "iommu-off", fix,
		"the IOMMU is off (no /sys/kernel/iommu_groups): vfio-pci cannot take the NIC");
}

static void check_numa(struct doc *d, int nic_node)
{
	unsigned cpus[DOC_MAX_CPUS] = {0}, node_cpus[DOC_MAX_CPUS] = {0};
	int n = worker_cpus(d, cpus, DOC_MAX_CPUS);
	char list[512], p[1024], line[512];
	cpus_format(cpus, n, list, sizeof(list));
	for (int i = 0; i < n; i++) {
		int node = cpu_node(d, cpus[i]);
		if (node < 0 || node == nic_node)
			continue;
		snprintf(p, sizeof(p), "/sys/devices/system/node/node%d/cpulist", nic_node);
		int nn = doc_read_line(d, p, line, sizeof(line))
			     ? cpus_parse(line, node_cpus, DOC_MAX_CPUS)
			     : 0;
		char want[512], fix[1024];
		cpus_format(node_cpus, nn < n ? nn : n, want, sizeof(want));
		if (nn <= 0)
			snprintf(fix, sizeof(fix), "cat /sys/devices/system/node/node%d/cpulist",
				 nic_node);
		else
			fix_directive(d, "redwire-cores", want, fix, sizeof(fix));
		doc_add(
		    d, "numa-mismatch", fix,
		    "worker CPU %u is on NUMA node %d, the NIC on node %d (workers on CPUs %s): "
		    "every packet would cross the interconnect",
		    cpus[i], node, nic_node, list);
		return;
	}
	doc_add(d, "numa", NULL, "the NIC and the worker CPUs %s are on NUMA node %d", list,
		nic_node);
}

void doc_check_nic(struct doc *d, int *nic_node)
{
	char addr[64], dir[256], p[512], drv[64], ifname[64] = "", fix[512];
	long vendor = 0, node = -1;
	*nic_node = -1;
	const char *dev = d->cfg->rw_port_device;
	if (!d->cfg->rw_pci) {
		doc_add(d, "nic", NULL,
			"redwire-port-device \"%s\" is a virtual device: no NIC to bind", dev);
		return;
	}
	snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(dev, ","), dev);
	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", addr);
	if (!exists(d, dir)) {
		doc_add(d, "nic-missing", "lspci -D -d ::0200",
			"no PCI device %s (redwire-port-device): list the Ethernet controllers and "
			"set redwire-port-device to one of them",
			addr);
		return;
	}
	snprintf(p, sizeof(p), "%s/vendor", dir);
	char v[32];
	if (doc_read_line(d, p, v, sizeof(v)))
		vendor = strtol(v, NULL, 16);
	snprintf(p, sizeof(p), "%s/numa_node", dir);
	if (doc_read_long(d, p, &node) && node >= 0)
		*nic_node = (int)node;
	snprintf(p, sizeof(p), "%s/driver", dir);
	link_base(d, p, drv, sizeof(drv));
	char nd[1024];
	DIR *nets = opendir(doc_path(d, nd, sizeof(nd), "%s/net", dir));
	struct dirent *e;
	while (nets != NULL && (e = readdir(nets)) != NULL)
		if (e->d_name[0] != '.')
			copy_cut(ifname, sizeof(ifname), e->d_name);
	if (nets != NULL)
		closedir(nets);
	bool mlx = vendor == 0x15b3; /* bifurcated: DPDK shares the kernel driver */
	if (mlx && strcmp(drv, "mlx5_core") == 0) {
		doc_add(d, "nic-driver", NULL, "%s is a Mellanox NIC on mlx5_core (bifurcated)",
			addr);
	} else if (mlx) {
		snprintf(fix, sizeof(fix),
			 "modprobe mlx5_core && echo %s > /sys/bus/pci/drivers/mlx5_core/bind",
			 addr);
		doc_add(d, "nic-driver", fix, "%s is a Mellanox NIC not on mlx5_core (driver: %s)",
			addr, drv[0] ? drv : "none");
	} else if (user_driver(drv)) {
		doc_add(d, "nic-driver", NULL, "%s is bound to %s", addr, drv);
	} else {
		if (ifname[0])
			snprintf(fix, sizeof(fix),
				 "ip link set %s down && dpdk-devbind.py --bind=vfio-pci %s",
				 ifname, addr);
		else
			snprintf(fix, sizeof(fix), "dpdk-devbind.py --bind=vfio-pci %s", addr);
		if (drv[0])
			doc_add(d, "nic-driver", fix,
				"%s is bound to the kernel driver %s%s%s: DPDK cannot drive it",
				addr, drv, ifname[0] ? ", interface " : "", ifname);
		else
			doc_add(d, "nic-unbound", fix, "%s is bound to no driver", addr);
	}
	if (!mlx)
		check_iommu(d);
	if (*nic_node >= 0)
		check_numa(d, *nic_node);
	else
		doc_add(d, "numa", NULL, "the NIC reports no NUMA node (single-node machine)");
}

/* ---- hugepages ---- */

static void hp_fact(struct doc *d, long size_kb, int node, long total, long free_pages, bool def)
{
	json_array_append_new(d->hugepages,
			      json_pack("{s:I, s:o, s:I, s:I, s:b}", "size_kb", (json_int_t)size_kb,
					"node", node < 0 ? json_null() : json_integer(node),
					"total", (json_int_t)total, "free", (json_int_t)free_pages,
					"default", def));
}

/* Every hugepages-<N>kB directory under <root>@p base: facts, and the
 * default size's counts in *@p nr, *@p free_pages. */
static void hp_scan(struct doc *d, const char *base, int node, long def_kb, long *nr,
		    long *free_pages)
{
	char p[1024];
	DIR *dir = opendir(doc_path(d, p, sizeof(p), "%s", base));
	struct dirent *e;
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		long kb, total = 0, fr = 0;
		if (sscanf(e->d_name, "hugepages-%ldkB", &kb) != 1)
			continue;
		snprintf(p, sizeof(p), "%s/%s/nr_hugepages", base, e->d_name);
		doc_read_long(d, p, &total);
		snprintf(p, sizeof(p), "%s/%s/free_hugepages", base, e->d_name);
		doc_read_long(d, p, &fr);
		hp_fact(d, kb, node, total, fr, kb == def_kb);
		if (kb == def_kb) {
			*nr = total;
			*free_pages = fr;
		}
	}
	if (dir != NULL)
		closedir(dir);
}

bool doc_hugetlbfs(const struct doc *d, char *mnt, size_t len)
{
	char p[1024], line[1024], dev[256], dir[512], type[64];
	FILE *f = fopen(doc_path(d, p, sizeof(p), "/proc/mounts"), "re");
	bool found = false;
	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 &&
		    strcmp(type, "hugetlbfs") == 0) {
			snprintf(mnt, len, "%s", dir);
			found = true;
		}
	if (f != NULL)
		fclose(f);
	return found;
}

void doc_check_hugepages(struct doc *d, int nic_node)
{
	char mnt[512], line[256], p[1024], fix[512];
	long def_kb = 0, nr = 0, fr = 0;
	if (!d->cfg->rw_hugepages) {
		doc_add(d, "hugepages", NULL,
			"redwire-hugepages no: the dataplane runs on 4 KiB pages (--no-huge)");
		return;
	}
	FILE *f = fopen(doc_path(d, p, sizeof(p), "/proc/meminfo"), "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "Hugepagesize: %ld kB", &def_kb);
	if (f != NULL)
		fclose(f);
	hp_scan(d, "/sys/kernel/mm/hugepages", -1, def_kb, &nr, &fr);
	long node_nr = 0, node_fr = 0;
	for (int node = 0; node < 64; node++) {
		long a = 0, b = 0;
		snprintf(p, sizeof(p), "/sys/devices/system/node/node%d/hugepages", node);
		if (!exists(d, p))
			continue;
		hp_scan(d, p, node, def_kb, &a, &b);
		if (node == nic_node) {
			node_nr = a;
			node_fr = b;
		}
	}
	if (doc_hugetlbfs(d, mnt, sizeof(mnt)))
		doc_add(d, "hugetlbfs", NULL, "hugetlbfs is mounted at %s", mnt);
	else
		doc_add(
		    d, "hugetlbfs-unmounted",
		    "mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages",
		    "no hugetlbfs is mounted: the dataplane falls back to 4 KiB pages (--no-huge)");
	if (def_kb <= 0) {
		doc_add(d, "hugepages-short", "modprobe hugetlbfs",
			"the kernel reports no hugepage size (no Hugepagesize in /proc/meminfo)");
		return;
	}
	long need = (d->cfg->rw_memory_mb * 1024 + def_kb - 1) / def_kb;
	if (fr < need) {
		snprintf(fix, sizeof(fix),
			 "echo %ld > /sys/kernel/mm/hugepages/hugepages-%ldkB/nr_hugepages",
			 nr + need - fr, def_kb);
		doc_add(
		    d, "hugepages-short", fix,
		    "%ld of %ld hugepages of %ld kB free (%ld MB), redwire-memory-mb needs %lld MB",
		    fr, nr, def_kb, fr * def_kb / 1024, (long long)d->cfg->rw_memory_mb);
	} else {
		doc_add(d, "hugepages", NULL, "%ld hugepages of %ld kB free (%ld MB) for %lld MB",
			fr, def_kb, fr * def_kb / 1024, (long long)d->cfg->rw_memory_mb);
	}
	snprintf(p, sizeof(p), "/sys/devices/system/node/node%d/hugepages", nic_node);
	if (nic_node < 0 || !exists(d, p))
		return;
	if (node_fr < need) {
		snprintf(fix, sizeof(fix),
			 "echo %ld > /sys/devices/system/node/node%d/hugepages/hugepages-%ldkB/"
			 "nr_hugepages",
			 node_nr + need - node_fr, nic_node, def_kb);
		doc_add(d, "hugepages-node", fix,
			"%ld hugepages of %ld kB free on NUMA node %d, the NIC's; %ld needed",
			node_fr, def_kb, nic_node, need);
	} else {
		doc_add(d, "hugepages-node", NULL,
			"%ld hugepages of %ld kB free on the NIC's node %d", node_fr, def_kb,
			nic_node);
	}
}

/* ---- the management interface ---- */

/* The interface of the most specific route to @p ip (network order), from /proc/net/route. */
static bool route_iface(const struct doc *d, uint32_t ip, char *iface, size_t len)
{
	char p[1024], line[512], name[64];
	unsigned long dest, gw, flags, mask;
	int best = -1;
	FILE *f = fopen(doc_path(d, p, sizeof(p), "/proc/net/route"), "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		int refcnt, use, metric;
		if (sscanf(line, "%63s %lx %lx %lx %d %d %d %lx", name, &dest, &gw, &flags, &refcnt,
			   &use, &metric, &mask) != 8 ||
		    !(flags & 1) || (ip & (uint32_t)mask) != (uint32_t)dest)
			continue;
		int bits = __builtin_popcountl(mask);
		if (bits > best) {
			best = bits;
			snprintf(iface, len, "%s", name);
		}
	}
	if (f != NULL)
		fclose(f);
	return best >= 0;
}

/* "iface=NAME" in a vdev's arguments. */
static bool vdev_iface(const char *dev, char *out, size_t len)
{
	const char *s = strstr(dev, "iface=");
	if (s == NULL)
		return false;
	s += 6;
	snprintf(out, len, "%.*s", (int)strcspn(s, ","), s);
	return true;
}

void doc_check_mgmt(struct doc *d)
{
	char host[256], iface[64] = "", pci[64] = "", p[512], port[64];
	const char *a = d->cfg->rw_mgmt_address;
	const char *colon = strrchr(a, ':');
	snprintf(host, sizeof(host), "%.*s", (int)(colon ? (size_t)(colon - a) : strlen(a)), a);
	if (host[0] == '\0') {
		doc_add(d, "mgmt-nic", NULL,
			"no management address: the API is on its socket only");
		return;
	}
	struct in_addr in;
	if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
		in.s_addr = 0; /* any: the default route's interface carries it */
	else if (inet_pton(AF_INET, host, &in) != 1) {
		doc_add(d, "mgmt-nic", NULL, "management address %s is not IPv4: not checked",
			host);
		return;
	}
	if ((ntohl(in.s_addr) >> 24) == 127)
		snprintf(iface, sizeof(iface), "lo");
	else if (!route_iface(d, in.s_addr, iface, sizeof(iface))) {
		doc_add(d, "mgmt-nic", NULL, "no route to management address %s: not checked",
			host);
		return;
	}
	const char *dev = d->cfg->rw_port_device;
	bool taken = false;
	if (d->cfg->rw_pci) {
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(dev, ","), dev);
		snprintf(p, sizeof(p), "/sys/class/net/%s/device", iface);
		taken = link_base(d, p, pci, sizeof(pci)) && strcmp(pci, port) == 0;
	} else if (strncmp(dev, "net_tap", 7) != 0 && strncmp(dev, "net_tun", 7) != 0) {
		taken = vdev_iface(dev, port, sizeof(port)) && strcmp(port, iface) == 0;
	}
	if (taken) {
		char fix[512];
		snprintf(fix, sizeof(fix),
			 "dpdk-devbind.py --status-dev net  # choose a port other than %s for "
			 "redwire-port-device",
			 port);
		doc_add(d, "mgmt-nic-is-port", fix,
			"the management interface %s%s%s%s (it carries %s) is redwire-port-device: "
			"giving it to DPDK cuts management off",
			iface, pci[0] ? " (" : "", pci, pci[0] ? ")" : "", a);
	} else {
		doc_add(d, "mgmt-nic", NULL, "the management address %s is on %s, not the port", a,
			iface);
	}
}

/* ---- PMD plugins ---- */

/* The net PMDs that may drive a PCI vendor's NICs (any one will do). */
static const char *vendor_pmds(long vendor)
{
	switch (vendor) {
	case 0x8086:
		return "ixgbe i40e ice iavf e1000 igc";
	case 0x15b3:
		return "mlx5";
	case 0x1af4:
		return "virtio";
	case 0x14e4:
		return "bnxt";
	case 0x1d0f:
		return "ena";
	case 0x1924:
		return "sfc";
	default:
		return NULL;
	}
}

/* librte_<name>.so present in the plugin directory @p dir (under the root)? */
static bool pmd_present(const struct doc *d, const char *dir, const char *name)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/librte_%s.so", dir, name);
	return exists(d, p);
}

static void pmd_need(struct doc *d, const char *dir, int abi, const char *names, const char *why)
{
	char name[64], pkg[96], fix[256];
	const char *s = names;
	while (*s != '\0') {
		size_t n = strcspn(s, " ");
		snprintf(name, sizeof(name), "%.*s", (int)n, s);
		if (pmd_present(d, dir, name)) {
			doc_add(d, "pmd", NULL, "librte_%s.so (%s) is in %s", name, why, dir);
			return;
		}
		s += n + (s[n] == ' ');
	}
	/* the first candidate's Debian package: librte_net_tap -> librte-net-tap23 */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(names, " "), names);
	size_t nl = strlen(name); /* Debian: librte-net-e1000-23, a hyphen after a digit */
	snprintf(pkg, sizeof(pkg), "librte-%s%s%d", name,
		 nl && name[nl - 1] >= '0' && name[nl - 1] <= '9' ? "-" : "", abi);
	for (char *c = pkg; *c; c++)
		*c = *c == '_' ? '-' : *c;
	snprintf(fix, sizeof(fix), "apt-get install %s", pkg);
	doc_add(d, "pmd-missing", fix, "no librte_%s.so (%s) in %s: EAL cannot load it", name, why,
		dir);
}

void doc_check_pmds(struct doc *d)
{
	static const char *const bases[] = {"/usr/lib/x86_64-linux-gnu/dpdk",
					    "/usr/lib/aarch64-linux-gnu/dpdk",
					    "/usr/local/lib/x86_64-linux-gnu/dpdk"};
	char dir[512] = "", p[1024];
	int abi = 0;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]) && dir[0] == '\0'; i++) {
		DIR *dd = opendir(doc_path(d, p, sizeof(p), "%s", bases[i]));
		struct dirent *e;
		while (dd != NULL && (e = readdir(dd)) != NULL)
			if (sscanf(e->d_name, "pmds-%d", &abi) == 1) {
				snprintf(dir, sizeof(dir), "%s/%s", bases[i], e->d_name);
				break;
			}
		if (dd != NULL)
			closedir(dd);
	}
	if (dir[0] == '\0') {
		doc_add(d, "pmd-missing", "apt-get install dpdk",
			"no DPDK plugin directory (pmds-*): no driver can be loaded");
		return;
	}
	pmd_need(d, dir, abi, "mempool_ring", "the mbuf pools");
	const char *dev = d->cfg->rw_port_device;
	if (d->cfg->rw_pci) {
		char addr[64], v[32], names[128];
		long vendor = 0;
		pmd_need(d, dir, abi, "bus_pci", "the PCI bus");
		snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(dev, ","), dev);
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", addr);
		if (doc_read_line(d, p, v, sizeof(v)))
			vendor = strtol(v, NULL, 16);
		const char *cands = vendor_pmds(vendor);
		if (cands == NULL)
			return; /* an unknown vendor: nothing to say */
		size_t off = 0;
		for (const char *s = cands; *s && off < sizeof(names);) {
			size_t n = strcspn(s, " ");
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%snet_%.*s",
						off ? " " : "", (int)n, s);
			s += n + (s[n] == ' ');
		}
		pmd_need(d, dir, abi, names, "the NIC's driver");
		return;
	}
	/* a vdev: "net_af_packet0,iface=eth1" -> net_af_packet */
	char name[64];
	size_t n = strcspn(dev, ",");
	while (n > 0 && dev[n - 1] >= '0' && dev[n - 1] <= '9')
		n--;
	snprintf(name, sizeof(name), "%.*s", (int)n, dev);
	pmd_need(d, dir, abi, "bus_vdev", "virtual devices");
	pmd_need(d, dir, abi, name, "the port's driver");
}

/* ---- --file-prefix ---- */

/* Does /proc/@p pid's command line use prefix redwire-@p name? */
static bool pid_uses_prefix(const struct doc *d, const char *pid, const char *name)
{
	char p[1024], buf[8192], want[300];
	FILE *f = fopen(doc_path(d, p, sizeof(p), "/proc/%s/cmdline", pid), "re");
	if (f == NULL)
		return false;
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	snprintf(want, sizeof(want), "--file-prefix=redwire-%s", name);
	const char *argv0 = buf, *base = strrchr(argv0, '/');
	bool dataplane = strcmp(base ? base + 1 : argv0, "redwire-dataplane") == 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
		const char *arg = buf + i;
		if (strcmp(arg, want) == 0)
			return true;
		/* Redwire's dataplane builds its EAL arguments itself: its name says the prefix */
		if (dataplane && strcmp(arg, "--redwire-name") == 0 && i + strlen(arg) + 1 < len &&
		    strcmp(arg + strlen(arg) + 1, name) == 0)
			return true;
	}
	return false;
}

void doc_check_file_prefix(struct doc *d)
{
	const char *name = d->cfg->rw_name;
	char p[1024], own[32] = "", fix[600], mnt[512];
	snprintf(p, sizeof(p), "%s/dataplane.pid", d->cfg->rw_run_dir);
	doc_read_line(d, p, own, sizeof(own));
	DIR *dir = opendir(doc_path(d, p, sizeof(p), "/proc"));
	struct dirent *e;
	bool ours = false, busy = false;
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    !pid_uses_prefix(d, e->d_name, name))
			continue;
		if (strcmp(e->d_name, own) == 0) {
			ours = true;
			continue;
		}
		snprintf(fix, sizeof(fix), "kill %s", e->d_name);
		doc_add(
		    d, "file-prefix-busy", fix,
		    "--file-prefix=redwire-%s is in use by pid %s, not this instance's dataplane",
		    name, e->d_name);
		busy = true;
	}
	if (dir != NULL)
		closedir(dir);
	if (busy)
		return;
	if (ours) {
		doc_add(d, "file-prefix", NULL,
			"--file-prefix=redwire-%s is this instance's, its dataplane (pid %s) runs",
			name, own);
		return;
	}
	bool stale = false;
	snprintf(p, sizeof(p), "/run/dpdk/redwire-%s", name);
	if (exists(d, p)) {
		snprintf(fix, sizeof(fix), "rm -rf /run/dpdk/redwire-%s", name);
		doc_add(d, "file-prefix-stale", fix,
			"/run/dpdk/redwire-%s is left by a process that is gone", name);
		stale = true;
	}
	int files = 0;
	if (doc_hugetlbfs(d, mnt, sizeof(mnt))) {
		char want[300];
		snprintf(want, sizeof(want), "redwire-%smap_", name);
		DIR *hd = opendir(doc_path(d, p, sizeof(p), "%s", mnt));
		while (hd != NULL && (e = readdir(hd)) != NULL)
			files += strncmp(e->d_name, want, strlen(want)) == 0;
		if (hd != NULL)
			closedir(hd);
	}
	if (files > 0) {
		snprintf(fix, sizeof(fix), "rm -f %s/redwire-%smap_*", mnt, name);
		doc_add(d, "hugepage-files-stale", fix,
			"%d hugepage files of redwire-%s in %s hold pages no process uses", files,
			name, mnt);
		stale = true;
	}
	if (!stale)
		doc_add(d, "file-prefix", NULL, "--file-prefix=redwire-%s is free", name);
}
