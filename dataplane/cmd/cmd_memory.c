/*
 * MEMORY STATS, DOCTOR, PURGE and MALLOC-STATS (MEMORY USAGE and HELP are
 * in cmd_debug.c), with Redis 7.0.15's reply shapes and texts.
 *
 * The figures are Redwire's own: total.allocated is used_memory (what the
 * shards account at the allocator's sizes, plus clients.normal, the
 * clients' buffers), peak.allocated the largest total the workers saw, the
 * per-DB overheads are the key tables and the expires indexes. Figures
 * Redwire has no counterpart for (scripts, replication buffers, startup)
 * are 0; the allocator is glibc's, which has
 * no allocator-level fragmentation figures, so those ratios are 1.
 *
 * Context: a worker lcore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_int.h"
#include "rw_alloc.h"

/* What MEMORY STATS and DOCTOR look at (Redis's struct redisMemOverhead). */
struct mem_overhead {
	uint64_t peak, total, rss, overhead, keys, dataset;
	double dataset_perc, peak_perc, frag;
	int64_t frag_bytes;
};

static uint64_t rss_now(void)
{
	unsigned long long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void overhead_of(const struct cmd_ctx *ctx, const struct cmd_info_totals *t,
			struct mem_overhead *m)
{
	memset(m, 0, sizeof(*m));
	m->total = cmd_info_used(t);
	m->peak = ctx->env != NULL && ctx->env->mem != NULL
		      ? atomic_load_explicit(&ctx->env->mem->peak, memory_order_relaxed)
		      : 0;
	if (m->peak < m->total)
		m->peak = m->total;
	m->overhead = t->mem_clients_normal;
	for (uint32_t j = 0; j < t->n_dbs; j++) {
		m->overhead += t->dbs[j].main_bytes + t->dbs[j].expires_bytes;
		m->keys += t->dbs[j].keys;
	}
	m->dataset = m->total > m->overhead ? m->total - m->overhead : 0;
	/* Redis computes these in float, then replies them as doubles */
	m->dataset_perc = m->total ? (float)m->dataset * 100 / (float)m->total : 0;
	m->peak_perc = m->peak ? (float)m->total * 100 / (float)m->peak : 0;
	m->rss = rss_now();
	m->frag = m->total ? (float)m->rss / (float)m->total : 0;
	m->frag_bytes = (int64_t)m->rss - (int64_t)m->total;
}

static void kv_int(struct cmd_ctx *ctx, const char *k, int64_t v)
{
	resp_w_bulk_cstr(ctx->out, k);
	resp_w_int(ctx->out, v);
}

static void kv_double(struct cmd_ctx *ctx, const char *k, double v)
{
	resp_w_bulk_cstr(ctx->out, k);
	resp_w_double(ctx->out, v, cmd_proto(ctx));
}

static void stats_dbs(struct cmd_ctx *ctx, const struct cmd_info_totals *t)
{
	char name[32];
	for (uint32_t j = 0; j < t->n_dbs; j++) {
		if (t->dbs[j].keys == 0)
			continue;
		snprintf(name, sizeof(name), "db.%u", j);
		resp_w_bulk_cstr(ctx->out, name);
		resp_w_map(ctx->out, 3, cmd_proto(ctx));
		kv_int(ctx, "overhead.hashtable.main", (int64_t)t->dbs[j].main_bytes);
		kv_int(ctx, "overhead.hashtable.expires", (int64_t)t->dbs[j].expires_bytes);
		kv_int(ctx, "overhead.hashtable.slot-to-keys", 0);
	}
}

static void memory_stats(struct cmd_ctx *ctx, const struct cmd_info_totals *t)
{
	struct mem_overhead m;
	overhead_of(ctx, t, &m);
	uint32_t dbs = 0;
	for (uint32_t j = 0; j < t->n_dbs; j++)
		dbs += t->dbs[j].keys != 0;
	resp_w_map(ctx->out, 27 + dbs, cmd_proto(ctx));
	kv_int(ctx, "peak.allocated", (int64_t)m.peak);
	kv_int(ctx, "total.allocated", (int64_t)m.total);
	kv_int(ctx, "startup.allocated", 0);
	kv_int(ctx, "replication.backlog", 0);
	kv_int(ctx, "clients.slaves", 0);
	kv_int(ctx, "clients.normal", (int64_t)t->mem_clients_normal);
	kv_int(ctx, "cluster.links", 0);
	kv_int(ctx, "aof.buffer", 0);
	kv_int(ctx, "lua.caches", 0);
	kv_int(ctx, "functions.caches", 0);
	stats_dbs(ctx, t);
	kv_int(ctx, "overhead.total", (int64_t)m.overhead);
	kv_int(ctx, "keys.count", (int64_t)m.keys);
	kv_int(ctx, "keys.bytes-per-key", m.keys ? (int64_t)(m.dataset / m.keys) : 0);
	kv_int(ctx, "dataset.bytes", (int64_t)m.dataset);
	kv_double(ctx, "dataset.percentage", m.dataset_perc);
	kv_double(ctx, "peak.percentage", m.peak_perc);
	kv_int(ctx, "allocator.allocated", (int64_t)m.total);
	kv_int(ctx, "allocator.active", (int64_t)m.total);
	kv_int(ctx, "allocator.resident", (int64_t)m.rss);
	kv_double(ctx, "allocator-fragmentation.ratio", 1.0);
	kv_int(ctx, "allocator-fragmentation.bytes", 0);
	kv_double(ctx, "allocator-rss.ratio", 1.0);
	kv_int(ctx, "allocator-rss.bytes", 0);
	kv_double(ctx, "rss-overhead.ratio", 1.0);
	kv_int(ctx, "rss-overhead.bytes", 0);
	kv_double(ctx, "fragmentation", m.frag);
	kv_int(ctx, "fragmentation.bytes", m.frag_bytes);
}

/* Redis 7.0.15's getMemoryDoctorReport() texts, for the checks that apply
 * to Redwire (peak and total RSS; the allocator-level and client/replica
 * checks have no counterpart here). */
#define DOCTOR_EMPTY                                                                               \
	"Hi Sam, this instance is empty or is using very little memory, my issues detector can't " \
	"be used in these conditions. Please, leave for your mission on Earth and fill it with "   \
	"some data. The new Sam and I will be back to our programming as soon as I finished "      \
	"rebooting.\n"
#define DOCTOR_FINE                                                                                \
	"Hi Sam, I can't find any memory issue in your instance. I can only account for what "     \
	"occurs on this base.\n"
#define DOCTOR_HEAD "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
#define DOCTOR_PEAK                                                                                \
	" * Peak memory: In the past this instance used more than 150% the memory that is "        \
	"currently using. The allocator is normally not able to release memory after a peak, so "  \
	"you can expect to see a big fragmentation ratio, however this is actually harmless and "  \
	"is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is "    \
	"currently bigger than expected, the memory will be used as soon as you fill the Redis "   \
	"instance with more data. If the memory peak was only occasional and you want to try to "  \
	"reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is " \
	"to shutdown and restart the instance.\n\n"
#define DOCTOR_FRAG                                                                                \
	" * High total RSS: This instance has a memory fragmentation and RSS overhead greater "    \
	"than 1.4 (this means that the Resident Set Size of the Redis process is much larger "     \
	"than "                                                                                    \
	"the sum of the logical allocations Redis performed). This problem is usually due either " \
	"to a large peak memory (check if there is a peak memory entry above in the report) or "   \
	"may result from a workload that causes the allocator to fragment memory a lot. If the "   \
	"problem is a large peak memory, then there is no issue. Otherwise, make sure you are "    \
	"using the Jemalloc allocator and not the default libc malloc. Note: The currently used "  \
	"allocator is \"libc\".\n\n"
#define DOCTOR_TAIL "I'm here to keep you safe, Sam. I want to help you.\n"

static void memory_doctor(struct cmd_ctx *ctx, const struct cmd_info_totals *t)
{
	struct mem_overhead m;
	overhead_of(ctx, t, &m);
	const char *fixed = NULL;
	bool high_peak = false, high_frag = false;
	if (m.total < 5u << 20) {
		fixed = DOCTOR_EMPTY;
	} else {
		high_peak = (float)m.peak / (float)m.total > 1.5f;
		high_frag = m.frag > 1.4 && m.frag_bytes > 10 << 20;
		if (!high_peak && !high_frag)
			fixed = DOCTOR_FINE;
	}
	if (fixed != NULL) {
		resp_w_verbatim(ctx->out, fixed, strlen(fixed), cmd_proto(ctx));
		return;
	}
	char report[sizeof(DOCTOR_HEAD DOCTOR_PEAK DOCTOR_FRAG DOCTOR_TAIL)];
	snprintf(report, sizeof(report), "%s%s%s%s", DOCTOR_HEAD, high_peak ? DOCTOR_PEAK : "",
		 high_frag ? DOCTOR_FRAG : "", DOCTOR_TAIL);
	resp_w_verbatim(ctx->out, report, strlen(report), cmd_proto(ctx));
}

void cmd_memory_report(struct cmd_ctx *ctx, const char *sub)
{
	if (strcmp(sub, "memory|purge") == 0) {
		rw_alloc_release(); /* free pages back to the kernel (Redis: jemalloc purge) */
		resp_w_simple(ctx->out, "OK");
		return;
	}
	if (strcmp(sub, "memory|malloc-stats") == 0) {
		resp_w_bulk_cstr(ctx->out, "Stats not supported for the current allocator");
		return;
	}
	struct cmd_info_totals t;
	if (cmd_info_totals_get(ctx, &t) != 0) {
		resp_w_error(ctx->out, "-ERR out of memory");
		return;
	}
	if (strcmp(sub, "memory|stats") == 0)
		memory_stats(ctx, &t);
	else
		memory_doctor(ctx, &t);
	free(t.dbs);
}
