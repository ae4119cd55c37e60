/*
 * Unit tests for the one maxmemory budget shared by all shards
 * (cmd_evict.c): a shard may borrow the whole budget while the others are
 * empty, the excess is shed by the shards that hold it, and writes are
 * refused only when nothing anywhere can be evicted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"

#define VAL_LEN 1000

static struct harness h;
static struct store_shard *other; /* shard 1; h.shard is shard 0 */
static struct cmd_mem_slot slots[2];
static struct cmd_mem_board board = {.slot = slots};

static void setup(void)
{
	h_init(&h, 2, "", 0);
	other = store_shard_create(1, 16);
	memset(slots, 0, sizeof(slots));
	atomic_store(&board.waste, 0);
	h.env.n_workers = 2;
	h.env.mem = &board;
	cmd_evict_apply(h.shard, &h.env);
	cmd_evict_apply(other, &h.env);
}

static void teardown(void)
{
	store_shard_destroy(&other);
	h_fini(&h);
}

/* One command on @p shard through the OOM rule, as the dispatcher runs it.
 * @return true if it was refused. */
static bool write_on(struct store_shard *shard, const char *key, uint64_t now_ms)
{
	static char line[VAL_LEN + 64];
	int n = snprintf(line, sizeof(line), "set %s ", key);
	memset(line + n, 'x', VAL_LEN);
	line[n + VAL_LEN] = '\0';
	struct store_shard *saved = h.ctx.shard;
	h.ctx.shard = shard;
	h.ctx.now_ms = now_ms;
	bool refused = cmd_oom_reject(cmd_lookup((const uint8_t *)"set", 3), &h.ctx, false);
	if (!refused)
		CU_ASSERT_STRING_EQUAL(h_run(&h, line), "+OK\r\n");
	h.ctx.shard = saved;
	return refused;
}

static void tick_both(uint64_t now_ms)
{
	cmd_evict_tick(h.shard, &h.env, now_ms);
	cmd_evict_tick(other, &h.env, now_ms);
}

static uint64_t used(struct store_shard *s)
{
	return store_shard_stats(s)->used_bytes;
}

/* All keys on one shard (one hash tag): it may use the whole budget, not
 * maxmemory / workers. */
static void test_evict_one_shard_borrows_whole_budget(void)
{
	setup();
	const uint64_t max = 1 << 20;
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1mb maxmemory-policy allkeys-lru"),
			       "+OK\r\n");
	uint64_t now = h_unix_ms();
	char key[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CU_ASSERT_FALSE(write_on(h.shard, key, now));
		if (i % 50 == 0)
			tick_both(now);
	}
	tick_both(now);
	CU_ASSERT(used(h.shard) <= max);
	CU_ASSERT(used(h.shard) >= max * 90 / 100);
	CU_ASSERT(store_shard_stats(h.shard)->evicted_keys > 0);
	teardown();
}

/* Both shards hold data, one more than the other, when the budget drops
 * below their total: both shed, the total ends within the budget. (A burst
 * of writes on one shard is shed by that shard, on the write path: the
 * excess never reaches the other's tick.) */
static void test_evict_excess_shed_in_proportion(void)
{
	setup();
	const uint64_t max = 1 << 20;
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set maxmemory 4mb maxmemory-policy allkeys-random"), "+OK\r\n");
	uint64_t now = h_unix_ms();
	char key[32];
	for (int i = 0; i < 400; i++) {
		snprintf(key, sizeof(key), "a%d", i);
		write_on(h.shard, key, now);
	}
	for (int i = 0; i < 1400; i++) {
		snprintf(key, sizeof(key), "b%d", i);
		write_on(other, key, now);
	}
	tick_both(now);
	CU_ASSERT(used(h.shard) + used(other) > max + max / 4);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1mb"), "+OK\r\n");
	/* the harness's tenacity is 0: 16 keys per step, continued tick by tick */
	for (int i = 0; i < 400 && (i < 4 || store_evict_last(h.shard) == STORE_EVICT_RUNNING ||
				    store_evict_last(other) == STORE_EVICT_RUNNING);
	     i++)
		tick_both(now);
	uint64_t total = used(h.shard) + used(other);
	CU_ASSERT(total <= max + max / 50);
	CU_ASSERT(total >= max * 85 / 100);
	CU_ASSERT(store_shard_stats(h.shard)->evicted_keys > 0); /* shard 0 gave its part too */
	CU_ASSERT(store_shard_stats(other)->evicted_keys > 0);
	teardown();
}

/* noeviction: once the total is over, a write is refused on every shard,
 * also on one that holds nothing; reads of the full shard are not. */
static void test_evict_noeviction_refuses_everywhere(void)
{
	setup();
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 100kb maxmemory-policy noeviction"),
			       "+OK\r\n");
	uint64_t now = h_unix_ms();
	char key[32];
	int refused_at = -1;
	for (int i = 0; i < 400 && refused_at < 0; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (write_on(h.shard, key, now))
			refused_at = i;
		tick_both(now);
	}
	CU_ASSERT(refused_at > 50);
	CU_ASSERT_TRUE(write_on(other, "elsewhere", now));
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->evicted_keys, 0);
	CU_ASSERT_FALSE(cmd_oom_reject(cmd_lookup((const uint8_t *)"get", 3), &h.ctx, false));
	teardown();
}

/* volatile-lru with the only volatile keys on the other shard: the shard
 * without any lets writes through while the other can still evict. */
static void test_evict_volatile_covered_by_other_shard(void)
{
	setup();
	CU_ASSERT_STRING_EQUAL(
	    h_run(&h, "config set maxmemory 200kb maxmemory-policy volatile-lru"), "+OK\r\n");
	uint64_t now = h_unix_ms();
	char key[640];
	struct store_shard *saved = h.ctx.shard;
	h.ctx.shard = other;
	for (int i = 0; i < 150; i++) {
		snprintf(key, sizeof(key), "set v%d %0500d ex 1000", i, 0);
		h_run(&h, key);
	}
	h.ctx.shard = saved;
	tick_both(now);
	int refused = 0;
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "p%d", i);
		refused += write_on(h.shard, key, now);
		tick_both(now);
	}
	CU_ASSERT(store_shard_stats(other)->evicted_keys > 0);
	CU_ASSERT(used(h.shard) + used(other) <= (200u << 10) + (200u << 10) / 20);
	/* once the volatile keys are gone, writes are refused */
	CU_ASSERT(refused > 0);
	teardown();
}

/* Allocator waste published by the main lcore counts toward the total:
 * the shards evict to make room for it. */
static void test_evict_allocator_waste_counts(void)
{
	setup();
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1mb maxmemory-policy allkeys-lru"),
			       "+OK\r\n");
	uint64_t now = h_unix_ms();
	char key[32];
	/* 5/8 of the budget, whatever an entry costs under this allocator (ASan's
	 * redzones make each one larger than glibc's) */
	for (int i = 0; i < 20000 && used(h.shard) < (640u << 10); i++) {
		snprintf(key, sizeof(key), "k%d", i);
		write_on(h.shard, key, now);
	}
	tick_both(now);
	CU_ASSERT(used(h.shard) >= (640u << 10));
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->evicted_keys, 0);
	atomic_store(&board.waste, 512 << 10);
	/* the harness's tenacity is 0: 16 keys per step, continued tick by tick */
	for (int i = 0; i < 200 && (i == 0 || store_evict_last(h.shard) == STORE_EVICT_RUNNING);
	     i++)
		tick_both(now);
	CU_ASSERT(store_shard_stats(h.shard)->evicted_keys > 0);
	CU_ASSERT(used(h.shard) + (512u << 10) <= (1u << 20));
	teardown();
}

/* Fill shard 0 to 5/8 of a 1 MB allkeys-lru budget (whatever an entry
 * costs under this allocator). */
static void fill_five_eighths(uint64_t now)
{
	char key[32];
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1mb maxmemory-policy allkeys-lru"),
			       "+OK\r\n");
	for (int i = 0; i < 20000 && used(h.shard) < (640u << 10); i++) {
		snprintf(key, sizeof(key), "k%d", i);
		write_on(h.shard, key, now);
	}
	tick_both(now);
	CU_ASSERT(used(h.shard) >= (640u << 10));
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->evicted_keys, 0);
}

/* Redis 7.0: used_memory counts the clients' buffers and so does the
 * eviction trigger. A client on the other worker holding 512 KB (unread
 * replies, a half-sent query) makes shard 0 evict, and writes go on. */
static void test_evict_client_memory_counts(void)
{
	setup();
	uint64_t now = h_unix_ms();
	fill_five_eighths(now);
	atomic_store(&slots[1].clients, 512 << 10);
	for (int i = 0; i < 200 && (i == 0 || store_evict_last(h.shard) == STORE_EVICT_RUNNING);
	     i++)
		tick_both(now);
	CU_ASSERT(store_shard_stats(h.shard)->evicted_keys > 0);
	CU_ASSERT(used(h.shard) + (512u << 10) <= (1u << 20));
	CU_ASSERT(used(h.shard) + (512u << 10) >= (1u << 20) * 85 / 100);
	CU_ASSERT_FALSE(write_on(h.shard, "after", now));
	/* the client's own worker counts it as well: it is in every total
	 * (summed from the slots at each look, not kept in `others`) */
	CU_ASSERT_EQUAL(slots[0].others, used(other));
	teardown();
}

/* Clients alone beyond the budget: as in Redis, every key goes and then
 * writes are refused (evict.c returns EVICT_FAIL), reads are served. */
static void test_evict_clients_beyond_budget_oom(void)
{
	setup();
	uint64_t now = h_unix_ms();
	fill_five_eighths(now);
	atomic_store(&slots[0].clients, 2u << 20);
	bool refused = false;
	for (int i = 0; i < 400 && !refused; i++) {
		tick_both(now);
		refused = write_on(h.shard, "more", now);
	}
	CU_ASSERT_TRUE(refused);
	CU_ASSERT_EQUAL(store_shard_keys(h.shard), 0);
	CU_ASSERT_FALSE(cmd_oom_reject(cmd_lookup((const uint8_t *)"get", 3), &h.ctx, false));
	/* the client goes: writes are served again */
	atomic_store(&slots[0].clients, 0);
	tick_both(now);
	CU_ASSERT_FALSE(write_on(h.shard, "again", now));
	teardown();
}

/* Both shards hold 45% of the budget when a client grows to 80% of it:
 * the two shed the 70% excess between them, not more. Each publishes what
 * it holds after its eviction step: with the figure from before it, the
 * other shard, reading it at its own tick, shed part of that excess again
 * (the keys went to 93% of the budget and with a burst of unread replies
 * in test_maxmemory_clients nearly all of them). */
static void test_evict_shards_do_not_shed_twice(void)
{
	setup();
	const uint64_t max = 1 << 20;
	/* tenacity 100: each shard sheds its whole part in one step, as a
	 * worker at the default tenacity (500 us) sheds a client's burst */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1mb maxmemory-policy allkeys-lru "
					 "maxmemory-eviction-tenacity 100"),
			       "+OK\r\n");
	uint64_t now = h_unix_ms();
	char key[32];
	for (int i = 0; i < 20000 && used(h.shard) < max * 45 / 100; i++) {
		snprintf(key, sizeof(key), "a%d", i);
		write_on(h.shard, key, now);
	}
	for (int i = 0; i < 20000 && used(other) < max * 45 / 100; i++) {
		snprintf(key, sizeof(key), "b%d", i);
		write_on(other, key, now);
	}
	tick_both(now);
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->evicted_keys, 0);
	const uint64_t clients = max * 80 / 100;
	atomic_store(&slots[0].clients, clients);
	/* from above, as the shards' figures come in, tick by tick; then the
	 * ticks go on, as they do */
	for (int i = 0; i < 400 && used(h.shard) + used(other) + clients > max; i++)
		tick_both(now);
	for (int i = 0; i < 4; i++)
		tick_both(now);
	uint64_t total = used(h.shard) + used(other) + clients;
	CU_ASSERT(total <= max);
	CU_ASSERT(total >= max * 97 / 100);
	CU_ASSERT(store_shard_stats(h.shard)->evicted_keys > 0);
	CU_ASSERT(store_shard_stats(other)->evicted_keys > 0);
	teardown();
}

/* Redis refuses a write when performEvictions() runs out of keys before
 * used memory is within maxmemory (EVICT_FAIL). With a budget below what
 * an empty appliance holds (here the writing client), no shard has a key
 * to give: the write is refused on either shard, as stock answers it. */
static void test_evict_empty_appliance_over_budget_oom(void)
{
	static const char *const policies[] = {"allkeys-lru", "volatile-lru", "allkeys-random"};
	for (unsigned i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		setup();
		char line[96];
		snprintf(line, sizeof(line), "config set maxmemory 1 maxmemory-policy %s",
			 policies[i]);
		CU_ASSERT_STRING_EQUAL(h_run(&h, line), "+OK\r\n");
		atomic_store(&slots[0].clients, 512); /* the client sending the write */
		uint64_t now = h_unix_ms();
		tick_both(now);
		CU_ASSERT_TRUE(write_on(h.shard, "a", now));
		CU_ASSERT_TRUE(write_on(other, "b", now));
		CU_ASSERT_EQUAL(store_shard_keys(h.shard) + store_shard_keys(other), 0);
		CU_ASSERT_FALSE(
		    cmd_oom_reject(cmd_lookup((const uint8_t *)"get", 3), &h.ctx, false));
		teardown();
	}
}

/* volatile-lru with only persistent keys on the other shard: nothing there
 * may go, which that shard publishes at every tick, so a write on the
 * empty shard is refused at once, before the other ever tried to evict
 * (it was let through on the other's "can evict" of its last tick under
 * the old budget). */
static void test_evict_volatile_none_anywhere_oom(void)
{
	setup();
	struct store_shard *saved = h.ctx.shard;
	h.ctx.shard = other;
	CU_ASSERT_STRING_EQUAL(h_run(&h, "set p1 x"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "set p2 x"), "+OK\r\n");
	h.ctx.shard = saved;
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1mb maxmemory-policy volatile-lru"),
			       "+OK\r\n");
	uint64_t now = h_unix_ms();
	tick_both(now); /* the total fits */
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 1"), "+OK\r\n");
	cmd_evict_tick(h.shard, &h.env, now); /* the other shard has not ticked since */
	CU_ASSERT_TRUE(write_on(h.shard, "a", now));
	tick_both(now);
	CU_ASSERT_EQUAL(store_shard_keys(other), 2); /* persistent: never evicted */
	teardown();
}

/* The other shard holds keys, but fewer bytes than the total is over by
 * (a client alone exceeds the budget): evicting every key would not make
 * room, so Redis refuses (after evicting them all); so does the empty
 * shard, instead of counting on the other's keys. */
static void test_evict_others_too_small_to_cover_oom(void)
{
	setup();
	uint64_t now = h_unix_ms();
	CU_ASSERT_STRING_EQUAL(h_run(&h, "config set maxmemory 64kb maxmemory-policy allkeys-lru"),
			       "+OK\r\n");
	CU_ASSERT_FALSE(write_on(other, "k1", now));
	CU_ASSERT_FALSE(write_on(other, "k2", now));
	tick_both(now); /* the total fits */
	atomic_store(&slots[0].clients, 128 << 10);
	cmd_evict_tick(h.shard, &h.env, now); /* the other shard has not ticked since */
	CU_ASSERT_TRUE(write_on(h.shard, "a", now));
	/* the other shard's tick sheds every key it has */
	for (int i = 0; i < 8; i++)
		tick_both(now);
	CU_ASSERT_EQUAL(store_shard_keys(other), 0);
	teardown();
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_evict_one_shard_borrows_whole_budget),
	    RW_TEST(test_evict_excess_shed_in_proportion),
	    RW_TEST(test_evict_noeviction_refuses_everywhere),
	    RW_TEST(test_evict_volatile_covered_by_other_shard),
	    RW_TEST(test_evict_allocator_waste_counts),
	    RW_TEST(test_evict_client_memory_counts),
	    RW_TEST(test_evict_clients_beyond_budget_oom),
	    RW_TEST(test_evict_shards_do_not_shed_twice),
	    RW_TEST(test_evict_empty_appliance_over_budget_oom),
	    RW_TEST(test_evict_volatile_none_anywhere_oom),
	    RW_TEST(test_evict_others_too_small_to_cover_oom),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_evict", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
