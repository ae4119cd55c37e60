/* DPDK telemetry commands (see dp_telemetry.h). */
#include "dp_telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_telemetry.h>

#include "chan_board.h"
#include "rw_log.h"
#include "worker.h"

/* Set once at setup, before the first command can arrive; read-only after. */
static const struct dp_shared *tel_sh;

static int tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct chan_dp_info *info = chan_info(tel_sh->chan);
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", info->name);
	rte_tel_data_add_dict_string(d, "version", info->version);
	rte_tel_data_add_dict_int(d, "pid", info->pid);
	rte_tel_data_add_dict_u64(d, "workers", info->n_workers);
	rte_tel_data_add_dict_u64(d, "start_unix_ms", info->start_unix_ms);
	return 0;
}

/* "/redwire/stats": the sums; "/redwire/stats,W": worker W's counters. */
static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t n = tel_sh->n_workers, from = 0, to = n;
	(void)cmd;
	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long w = strtoul(params, &end, 10);
		if (*end != '\0' || w >= n)
			return -EINVAL;
		from = (uint32_t)w;
		to = from + 1;
	}
	uint64_t sum[sizeof(struct chan_worker_stats) / sizeof(uint64_t)] = {0};
	for (uint32_t w = from; w < to; w++) {
		struct chan_worker_stats st;
		chan_stats_read(tel_sh->chan, w, &st);
		const uint64_t *v = (const uint64_t *)&st;
		for (size_t i = 0; i < chan_worker_stat_count; i++)
			sum[i] += v[i];
	}
	rte_tel_data_start_dict(d);
	for (size_t i = 0; i < chan_worker_stat_count; i++)
		rte_tel_data_add_dict_u64(d, chan_worker_stat_names[i], sum[i]);
	return 0;
}

/* The board as the control plane reads it: mapped, copied under its lock. */
static int board_copy(struct chan_board *out)
{
	char path[512];
	snprintf(path, sizeof(path), "%s" CHAN_BOARD_SUFFIX, tel_sh->cfg->rw_channel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	void *p = mmap(NULL, sizeof(*out), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	int rc = chan_board_read(p, out);
	munmap(p, sizeof(*out));
	return rc;
}

static int tel_commands(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct chan_board *b = malloc(sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	int rc = board_copy(b);
	if (rc == 0) {
		rte_tel_data_start_dict(d);
		for (uint32_t i = 0; i < b->n_cmds && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
			char name[sizeof(b->cmd[i].name)];
			memcpy(name, b->cmd[i].name, sizeof(name));
			name[sizeof(name) - 1] = '\0';
			for (char *c = name; *c; c++)
				if (*c == '|')
					*c = '/'; /* telemetry names: alphanumerics, '_' and '/' */
			rte_tel_data_add_dict_u64(d, name, b->cmd[i].calls);
		}
	}
	free(b);
	return rc;
}

int dp_telemetry_setup(const struct dp_shared *sh)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
	    {"/redwire/info", tel_info, "Redwire dataplane identity. Takes no parameters"},
	    {"/redwire/stats", tel_stats,
	     "Redwire counters summed over the workers, or one worker's. Parameters: [worker]"},
	    {"/redwire/commands", tel_commands,
	     "Redwire calls per command (commandstats). Takes no parameters"},
	};
	tel_sh = sh;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc != 0) {
			rw_log(RW_LOG_WARN, "dp.boot", "telemetry command %s: %s", cmds[i].cmd,
			       strerror(-rc));
			return rc;
		}
	}
	return 0;
}
