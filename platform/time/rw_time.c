/* Clock implementations for the rw_clock seam (see rw_time.h). */
#include "rw_time.h"

static uint64_t real_now_us(void *arg)
{
	(void)arg;
	return rw_time_mono_us();
}

void rw_clock_init_real(struct rw_clock *c)
{
	c->now_us = real_now_us;
	c->arg = NULL;
	c->unix_offset_us = (int64_t)(rw_time_unix_ms() * 1000u) - (int64_t)rw_time_mono_us();
}

static uint64_t fake_now_us(void *arg)
{
	return ((struct rw_fake_clock *)arg)->now_us;
}

void rw_clock_init_fake(struct rw_clock *c, struct rw_fake_clock *f, uint64_t unix_start_us)
{
	c->now_us = fake_now_us;
	c->arg = f;
	c->unix_offset_us = (int64_t)unix_start_us - (int64_t)f->now_us;
}
