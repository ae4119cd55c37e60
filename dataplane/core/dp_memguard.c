/*
 * The RSS guard's arithmetic (see dp_memguard.h).
 */
#include "dp_memguard.h"

/* anon - baseline - @p beyond - @p slack, 0 when not positive */
static uint64_t resident_beyond(const struct dp_memguard_look *l, uint64_t beyond, uint64_t slack)
{
	int64_t d = (int64_t)l->anon_bytes - l->baseline_bytes - (int64_t)beyond - (int64_t)slack;
	return d > 0 ? (uint64_t)d : 0;
}

uint64_t dp_memguard_over_aim(const struct dp_memguard_look *l)
{
	return l->max_bytes > 0 ? resident_beyond(l, l->max_bytes + l->rcv_bytes, DP_MEM_AIM) : 0;
}

uint64_t dp_memguard_over_bound(const struct dp_memguard_look *l)
{
	return l->max_bytes > 0 ? resident_beyond(l, l->max_bytes + l->rcv_bytes, DP_MEM_OVERHEAD)
				: 0;
}

uint64_t dp_memguard_waste(const struct dp_memguard_look *l)
{
	return resident_beyond(l, l->used_bytes + l->rcv_bytes, DP_MEM_OVERHEAD);
}

uint64_t dp_memguard_counted(const struct dp_memguard_look *l)
{
	uint64_t n = dp_memguard_over_bound(l), waste = dp_memguard_waste(l);
	uint64_t cap = l->max_bytes / DP_MEM_WASTE_SHARE;
	if (waste < n)
		n = waste;
	return n < cap ? n : cap;
}

uint64_t dp_memguard_recount(const struct dp_memguard_look *l, uint64_t prev, bool purged)
{
	uint64_t n = dp_memguard_counted(l);
	return purged || n < prev ? n : prev;
}
