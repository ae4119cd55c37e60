/*
 * Failed-login rate limiting per source address. Each address has a fixed
 * window: its first failure opens it, and once `max_failures` failures fall
 * in one window the address is locked out for `window` seconds from the
 * failure that reached the limit. While locked out every request from it is
 * answered 429 with Retry-After, before any credential is looked at, so a
 * guesser learns nothing more. Successes do not reset the count: a stolen
 * token must not buy more guesses.
 *
 * A fixed table of API_RL_SLOTS addresses; when full, the slot whose window
 * opened longest ago is reused (a locked-out one only once its lock-out has
 * passed, unless every slot is locked out).
 *
 * Context: the control plane's event loop; time comes from the caller.
 */
#ifndef API_RATELIMIT_H
#define API_RATELIMIT_H

#include <stdint.h>

#define API_RL_SLOTS	 256
#define API_RL_ADDR_SIZE 48 /* an IPv6 address in text, with room */

struct api_rl_slot {
	char addr[API_RL_ADDR_SIZE]; /* "" = free */
	uint32_t failures;
	uint64_t window_start_ms;
	uint64_t blocked_until_ms; /* 0 = not locked out */
};

struct api_ratelimit {
	uint32_t max_failures;
	uint64_t window_ms;
	struct api_rl_slot slots[API_RL_SLOTS];
};

/** Empty table; @p max_failures >= 1 failures per @p window_s seconds. */
void api_rl_init(struct api_ratelimit *rl, uint32_t max_failures, uint32_t window_s);
/** Change the limits at run time (PATCH); counts so far are kept. */
void api_rl_configure(struct api_ratelimit *rl, uint32_t max_failures, uint32_t window_s);
/**
 * Is @p addr locked out at @p now_ms?
 * @return 0 (may try), or the seconds until it may (>= 1): Retry-After.
 */
uint32_t api_rl_check(const struct api_ratelimit *rl, const char *addr, uint64_t now_ms);
/**
 * Count a failed login from @p addr.
 * @return 0, or the lock-out in seconds if this failure reached the limit.
 */
uint32_t api_rl_fail(struct api_ratelimit *rl, const char *addr, uint64_t now_ms);

#endif
