/* Failed-login rate limiting per source address (see api_ratelimit.h). */
#include "api_ratelimit.h"

#include <stdio.h>
#include <string.h>

void api_rl_init(struct api_ratelimit *rl, uint32_t max_failures, uint32_t window_s)
{
	memset(rl, 0, sizeof(*rl));
	api_rl_configure(rl, max_failures, window_s);
}

void api_rl_configure(struct api_ratelimit *rl, uint32_t max_failures, uint32_t window_s)
{
	rl->max_failures = max_failures ? max_failures : 1;
	rl->window_ms = (uint64_t)(window_s ? window_s : 1) * 1000u;
}

static struct api_rl_slot *slot_find(const struct api_ratelimit *rl, const char *addr)
{
	for (size_t i = 0; i < API_RL_SLOTS; i++)
		if (rl->slots[i].addr[0] != '\0' && strcmp(rl->slots[i].addr, addr) == 0)
			return (struct api_rl_slot *)&rl->slots[i];
	return NULL;
}

static uint32_t seconds_left(uint64_t until_ms, uint64_t now_ms)
{
	return (uint32_t)((until_ms - now_ms + 999) / 1000);
}

uint32_t api_rl_check(const struct api_ratelimit *rl, const char *addr, uint64_t now_ms)
{
	const struct api_rl_slot *s = slot_find(rl, addr);
	if (s == NULL || s->blocked_until_ms <= now_ms)
		return 0;
	return seconds_left(s->blocked_until_ms, now_ms);
}

/* A free slot, else the oldest one not locked out, else the oldest. */
static struct api_rl_slot *slot_take(struct api_ratelimit *rl, uint64_t now_ms)
{
	struct api_rl_slot *old = NULL, *oldest = &rl->slots[0];
	for (size_t i = 0; i < API_RL_SLOTS; i++) {
		struct api_rl_slot *s = &rl->slots[i];
		if (s->addr[0] == '\0')
			return s;
		if (s->window_start_ms < oldest->window_start_ms)
			oldest = s;
		if (s->blocked_until_ms <= now_ms &&
		    (old == NULL || s->window_start_ms < old->window_start_ms))
			old = s;
	}
	return old != NULL ? old : oldest;
}

uint32_t api_rl_fail(struct api_ratelimit *rl, const char *addr, uint64_t now_ms)
{
	struct api_rl_slot *s = slot_find(rl, addr);
	if (s == NULL) {
		s = slot_take(rl, now_ms);
		memset(s, 0, sizeof(*s));
		snprintf(s->addr, sizeof(s->addr), "%s", addr);
		s->window_start_ms = now_ms;
	}
	if (now_ms - s->window_start_ms >= rl->window_ms && s->blocked_until_ms <= now_ms) {
		s->failures = 0; /* the window passed: a new one opens */
		s->window_start_ms = now_ms;
		s->blocked_until_ms = 0;
	}
	if (++s->failures < rl->max_failures)
		return 0;
	s->blocked_until_ms = now_ms + rl->window_ms;
	return seconds_left(s->blocked_until_ms, now_ms);
}
