/*
 * Unit tests for the intent queue (dataplane/shard/shard_txq.c): when a
 * transaction or a command that conflicts with one may run, in what order,
 * and that transactions acquiring shards in increasing order never deadlock.
 */
#include <string.h>

#include "rw_test.h"
#include "shard_txq.h"

#define MAXG	   64
#define DP_RESV_ID ((1ull << 63) | 5) /* a reservation's txid (dp_block.h) */

/* What the grant callback saw, in order. */
static struct shard_txq_entry *granted[MAXG];
static unsigned n_granted;
static bool remove_on_grant; /* act as a waiting single command: run, leave */

static void on_grant(void *arg, struct shard_txq_entry *e)
{
	struct shard_txq *q = arg;
	if (n_granted < MAXG)
		granted[n_granted++] = e;
	if (remove_on_grant && e->txid == 0) {
		shard_txq_remove(q, e);
		shard_txq_entry_put(q, e); /* a single command leaves */
	}
}

static struct shard_txq q;

static int setup(void)
{
	n_granted = 0;
	remove_on_grant = false;
	return shard_txq_init(&q, on_grant, &q);
}

static int teardown(void)
{
	shard_txq_fini(&q);
	return 0;
}

static uint64_t K(const char *key)
{
	return shard_key_hash(0, key, strlen(key));
}

/* An entry with the given keys (NULL-terminated), not yet queued. */
static struct shard_txq_entry *entry(uint64_t txid, bool all, const char *k1, const char *k2)
{
	struct shard_txq_entry *e = shard_txq_entry_get(&q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	e->txid = txid;
	e->all = all;
	if (k1 != NULL)
		CU_ASSERT_EQUAL(shard_txq_entry_key(e, K(k1)), 0);
	if (k2 != NULL)
		CU_ASSERT_EQUAL(shard_txq_entry_key(e, K(k2)), 0);
	return e;
}

/* An entry that left the queue goes back to the free list (as dp_tx.c does). */
static void drop(struct shard_txq_entry *e)
{
	shard_txq_remove(&q, e);
	shard_txq_entry_put(&q, e);
}

static void reset(void)
{
	teardown();
	setup();
}

static void test_txq_empty_queue_is_never_busy(void)
{
	reset();
	uint64_t h = K("a");
	CU_ASSERT_FALSE(shard_txq_busy(&q, &h, 1, false));
	CU_ASSERT_FALSE(shard_txq_busy(&q, NULL, 0, true));
	CU_ASSERT_EQUAL(shard_txq_add(&q, entry(1, false, "a", "b")), 1);
	CU_ASSERT_TRUE(shard_txq_busy(&q, &h, 1, false));
	uint64_t c = K("c");
	CU_ASSERT_FALSE(shard_txq_busy(&q, &c, 1, false)); /* other keys run at once */
	CU_ASSERT_TRUE(shard_txq_busy(&q, NULL, 0, true)); /* FLUSHDB waits */
}

static void test_txq_key_hash_separates_dbs_and_keys(void)
{
	CU_ASSERT_NOT_EQUAL(shard_key_hash(0, "a", 1), shard_key_hash(1, "a", 1));
	CU_ASSERT_NOT_EQUAL(shard_key_hash(0, "a", 1), shard_key_hash(0, "b", 1));
	CU_ASSERT_EQUAL(shard_key_hash(3, "key", 3), shard_key_hash(3, "key", 3));
	CU_ASSERT_NOT_EQUAL(shard_key_hash(0, "", 0), 0);
}

static void test_txq_conflicting_entries_are_granted_in_arrival_order(void)
{
	reset();
	struct shard_txq_entry *t1 = entry(1, false, "a", "b");
	struct shard_txq_entry *t2 = entry(2, false, "b", "c");
	struct shard_txq_entry *t3 = entry(3, false, "c", NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t1), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t2), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t3), 0); /* c is held by t2, which waits */
	CU_ASSERT_EQUAL(n_granted, 0);
	shard_txq_remove(&q, t1);
	CU_ASSERT_EQUAL(n_granted, 1);
	CU_ASSERT_PTR_EQUAL(granted[0], t2);
	CU_ASSERT_FALSE(t3->granted);
	shard_txq_remove(&q, t2);
	CU_ASSERT_EQUAL(n_granted, 2);
	CU_ASSERT_PTR_EQUAL(granted[1], t3);
	shard_txq_remove(&q, t3);
	CU_ASSERT_EQUAL(q.n, 0);
	shard_txq_entry_put(&q, t1);
	shard_txq_entry_put(&q, t2);
	shard_txq_entry_put(&q, t3);
}

static void test_txq_unrelated_entry_overtakes_a_waiting_one(void)
{
	reset();
	struct shard_txq_entry *t1 = entry(1, false, "a", NULL);
	struct shard_txq_entry *t2 = entry(2, false, "a", "b");
	struct shard_txq_entry *t3 = entry(3, false, "x", NULL);
	struct shard_txq_entry *t4 = entry(4, false, "b", NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t1), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t2), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t3), 1); /* shares nothing: no wait */
	CU_ASSERT_EQUAL(shard_txq_add(&q, t4), 0); /* b is t2's, queued ahead */
	drop(t3);
	CU_ASSERT_EQUAL(n_granted, 0); /* nothing t3 held was wanted */
	drop(t1);
	CU_ASSERT_EQUAL(n_granted, 1);
	CU_ASSERT_PTR_EQUAL(granted[0], t2);
	drop(t2);
	CU_ASSERT_PTR_EQUAL(granted[1], t4);
	drop(t4);
}

static void test_txq_all_entry_waits_for_everything_and_blocks_everything(void)
{
	reset();
	struct shard_txq_entry *t1 = entry(1, false, "a", NULL);
	struct shard_txq_entry *fl = entry(2, true, NULL, NULL);
	struct shard_txq_entry *t3 = entry(3, false, "zz", NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t1), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, fl), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t3), 0);
	uint64_t h = K("unrelated");
	CU_ASSERT_TRUE(shard_txq_busy(&q, &h, 1, false));
	drop(t1);
	CU_ASSERT_EQUAL(n_granted, 1);
	CU_ASSERT_PTR_EQUAL(granted[0], fl);
	CU_ASSERT_FALSE(t3->granted);
	drop(fl);
	CU_ASSERT_PTR_EQUAL(granted[1], t3);
	drop(t3);
}

static void test_txq_waiting_commands_run_in_order_when_released(void)
{
	reset();
	remove_on_grant = true; /* single commands leave as soon as they ran */
	struct shard_txq_entry *t = entry(7, false, "k", NULL);
	struct shard_txq_entry *c1 = entry(0, false, "k", NULL);
	struct shard_txq_entry *c2 = entry(0, false, "k", NULL);
	struct shard_txq_entry *t2 = entry(8, false, "k", NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, c1), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, c2), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t2), 0);
	drop(t);
	/* c1 ran and left, which let c2 run and leave, which granted t2 */
	CU_ASSERT_EQUAL(n_granted, 3);
	CU_ASSERT_PTR_EQUAL(granted[0], c1);
	CU_ASSERT_PTR_EQUAL(granted[1], c2);
	CU_ASSERT_PTR_EQUAL(granted[2], t2);
	CU_ASSERT_TRUE(t2->granted);
	CU_ASSERT_EQUAL(q.n, 1);
	drop(t2);
}

/* A blocked client waits only for entries that may have read its keys: a
 * granted transaction, or a fenced entry (a reservation) granted or not;
 * a command waiting its turn and a transaction not granted yet do not hold
 * it, and a release can serve it before granting those (unlink, grant). */
static void test_txq_held_counts_granted_transactions_and_fences_only(void)
{
	reset();
	remove_on_grant = true;
	uint64_t a = K("a"), b = K("b"), c = K("c");
	struct shard_txq_entry *t = entry(7, false, "a", NULL);
	struct shard_txq_entry *cmd = entry(0, false, "a", NULL);
	struct shard_txq_entry *t2 = entry(8, false, "a", "b");
	struct shard_txq_entry *r = entry(9, false, "c", NULL);
	r->fence = true;
	CU_ASSERT_FALSE(shard_txq_held(&q, &a, 1, false));
	CU_ASSERT_EQUAL(shard_txq_add(&q, t), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t2), 0);
	CU_ASSERT_TRUE(shard_txq_held(&q, &a, 1, false));
	CU_ASSERT_FALSE(shard_txq_held(&q, &b, 1, false)); /* t2 waits: holds nothing yet */
	CU_ASSERT_TRUE(shard_txq_busy(&q, &b, 1, false));  /* a command on b still queues */
	CU_ASSERT_FALSE(shard_txq_held(&q, &c, 1, false));
	CU_ASSERT_EQUAL(shard_txq_add(&q, r), 1);
	CU_ASSERT_TRUE(shard_txq_held(&q, &c, 1, false));
	/* the release in two steps: between them a waiter on a is free, the
	 * command and t2 are not granted yet */
	shard_txq_unlink(&q, t);
	shard_txq_entry_put(&q, t);
	CU_ASSERT_FALSE(shard_txq_held(&q, &a, 1, false));
	CU_ASSERT_TRUE(shard_txq_busy(&q, &a, 1, false));
	CU_ASSERT_EQUAL(n_granted, 0);
	shard_txq_grant(&q);
	/* the command ran and left, which granted t2: it holds a and b now */
	CU_ASSERT_EQUAL(n_granted, 2);
	CU_ASSERT_PTR_EQUAL(granted[0], cmd);
	CU_ASSERT_PTR_EQUAL(granted[1], t2);
	CU_ASSERT_TRUE(shard_txq_held(&q, &a, 1, false));
	CU_ASSERT_TRUE(shard_txq_held(&q, &b, 1, false));
	CU_ASSERT_EQUAL(q.n_held, 2);
	drop(t2);
	drop(r);
	CU_ASSERT_EQUAL(q.n_held, 0);
	CU_ASSERT_FALSE(shard_txq_held(&q, &c, 1, false));
	/* a fence queued behind a holder holds at once; an "all" transaction
	 * holds everything once granted */
	struct shard_txq_entry *t3 = entry(10, false, "a", NULL);
	struct shard_txq_entry *f = entry(11, false, "a", "b");
	f->fence = true;
	struct shard_txq_entry *fl = entry(12, true, NULL, NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t3), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, f), 0);
	CU_ASSERT_TRUE(shard_txq_held(&q, &b, 1, false));
	CU_ASSERT_EQUAL(shard_txq_add(&q, fl), 0);
	CU_ASSERT_FALSE(shard_txq_held(&q, &c, 1, false));
	drop(t3);
	drop(f);
	CU_ASSERT_TRUE(fl->granted);
	CU_ASSERT_TRUE(shard_txq_held(&q, &c, 1, false));
	drop(fl);
	CU_ASSERT_EQUAL(q.n_held, 0);
	CU_ASSERT_EQUAL(q.n, 0);
}

/* Entry @p e's place from the head (-1: not queued). */
static int place(const struct shard_txq_entry *e)
{
	int i = 0;
	for (const struct shard_txq_entry *x = q.head; x != NULL; x = x->next, i++)
		if (x == e)
			return i;
	return -1;
}

/* Issue #5: a client woken at a RELEASE reserves its keys in the released
 * entry's place, ahead of the command queued behind the transaction (Redis
 * serves the client right after the push, before that command). */
static void test_txq_fence_at_release_takes_the_released_entrys_place(void)
{
	reset();
	remove_on_grant = true;
	struct shard_txq_entry *t = entry(7, false, "a", NULL);
	struct shard_txq_entry *cmd = entry(0, false, "a", NULL);
	struct shard_txq_entry *r = entry(9, false, "a", "b");
	CU_ASSERT_EQUAL(shard_txq_add(&q, t), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd), 0);
	shard_txq_unlink(&q, t); /* the RELEASE's first step */
	shard_txq_entry_put(&q, t);
	CU_ASSERT_EQUAL(shard_txq_add_fence(&q, r), 1); /* nothing ahead of it */
	CU_ASSERT_PTR_EQUAL(q.head, r);
	CU_ASSERT_PTR_EQUAL(r->next, cmd);
	CU_ASSERT_TRUE(r->fence);
	uint64_t b = K("b");
	CU_ASSERT_TRUE(shard_txq_held(&q, &b, 1, false));
	shard_txq_grant(&q);
	CU_ASSERT_EQUAL(n_granted, 0); /* the command waits for the attempt */
	drop(r);
	CU_ASSERT_EQUAL(n_granted, 1);
	CU_ASSERT_PTR_EQUAL(granted[0], cmd);
	CU_ASSERT_EQUAL(q.n, 0);
	/* once the release's grant ran, the place is gone: a fence goes to the
	 * tail, as one woken by a plain push */
	struct shard_txq_entry *t2 = entry(10, false, "a", NULL);
	struct shard_txq_entry *cmd2 = entry(0, false, "a", NULL);
	struct shard_txq_entry *t3 = entry(11, false, "c", NULL);
	struct shard_txq_entry *r2 = entry(12, false, "a", NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t2), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t3), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd2), 0);
	drop(t3);
	CU_ASSERT_EQUAL(shard_txq_add_fence(&q, r2), 0);
	CU_ASSERT_PTR_EQUAL(q.tail, r2);
	drop(t2);
	CU_ASSERT_EQUAL(n_granted, 3); /* cmd2 ran, then r2 is granted */
	CU_ASSERT_TRUE(r2->granted);
	drop(r2);
	CU_ASSERT_EQUAL(q.n, 0);
}

/* The fence never goes ahead of a granted entry it conflicts with, nor of a
 * firm one (a transaction holding another shard) that would wait for it,
 * directly or through an entry between: behind the last such one. */
static void test_txq_fence_never_overtakes_granted_or_firm_entries(void)
{
	reset();
	struct shard_txq_entry *t = entry(7, false, "a", NULL);
	struct shard_txq_entry *cmd1 = entry(0, false, "a", "c");
	struct shard_txq_entry *x = entry(8, false, "c", NULL); /* waits through cmd1 */
	struct shard_txq_entry *cmd2 = entry(0, false, "c", NULL);
	struct shard_txq_entry *y = entry(10, false, "d", NULL); /* firm, no conflict */
	x->firm = y->firm = true;
	CU_ASSERT_EQUAL(shard_txq_add(&q, t), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd1), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, x), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd2), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, y), 1);
	shard_txq_unlink(&q, t);
	shard_txq_entry_put(&q, t);
	/* keys a alone: behind x (firm, through cmd1), ahead of cmd2 and y */
	struct shard_txq_entry *r = entry(11, false, "a", NULL);
	CU_ASSERT_EQUAL(shard_txq_add_fence(&q, r), 0); /* cmd1 is ahead */
	CU_ASSERT_PTR_EQUAL(x->next, r);
	CU_ASSERT_PTR_EQUAL(r->next, cmd2);
	shard_txq_grant(&q);
	CU_ASSERT_TRUE(cmd1->granted);
	CU_ASSERT_FALSE(x->granted);
	CU_ASSERT_FALSE(r->granted);
	drop(r);
	drop(cmd1);
	CU_ASSERT_TRUE(x->granted);
	drop(x);
	drop(cmd2);
	drop(y);
	CU_ASSERT_EQUAL(q.n, 0);
	/* a granted transaction behind the gap on another of its keys */
	n_granted = 0;
	t = entry(12, false, "a", NULL);
	cmd1 = entry(0, false, "a", NULL);
	struct shard_txq_entry *t2 = entry(13, false, "b", NULL);
	struct shard_txq_entry *cmd3 = entry(0, false, "a", NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd1), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, t2), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd3), 0);
	shard_txq_unlink(&q, t);
	shard_txq_entry_put(&q, t);
	r = entry(14, false, "a", "b");
	CU_ASSERT_EQUAL(shard_txq_add_fence(&q, r), 0);
	CU_ASSERT_EQUAL(place(r), 2); /* cmd1, t2 (granted, on b), r, cmd3 */
	CU_ASSERT_PTR_EQUAL(r->next, cmd3);
	/* a second fence in the same release queues right behind the first
	 * one's place, still ahead of what was behind the released entry */
	struct shard_txq_entry *r2 = entry(15, false, "c", NULL);
	CU_ASSERT_EQUAL(shard_txq_add_fence(&q, r2), 1);
	CU_ASSERT_EQUAL(place(r2), 0);
	shard_txq_grant(&q);
	CU_ASSERT_TRUE(cmd1->granted);
	CU_ASSERT_FALSE(cmd3->granted);
	drop(cmd1);
	drop(t2);
	CU_ASSERT_TRUE(r->granted);
	CU_ASSERT_FALSE(cmd3->granted);
	drop(r);
	drop(r2);
	drop(cmd3);
	CU_ASSERT_EQUAL(q.n, 0);
	CU_ASSERT_EQUAL(q.n_held, 0);
}

static unsigned rnd_state;

static unsigned rnd_next(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

/* A transaction holding another shard that queues behind a reservation
 * does not wait for it: the reservation moves behind it, still ahead of
 * the commands that queue later (dp_block_resv_yield). */
static void test_txq_fence_moves_behind_a_firm_entry(void)
{
	reset();
	remove_on_grant = true;
	struct shard_txq_entry *r = entry(DP_RESV_ID, false, "a", "b");
	struct shard_txq_entry *x = entry(7, false, "a", NULL);
	struct shard_txq_entry *t = entry(8, false, "b", NULL);
	struct shard_txq_entry *cmd = entry(0, false, "a", NULL);
	x->firm = true;
	CU_ASSERT_EQUAL(shard_txq_add_fence(&q, r), 1); /* no gap: the tail */
	CU_ASSERT_EQUAL(shard_txq_add(&q, t), 0);	/* a first LOCK: waits */
	CU_ASSERT_EQUAL(shard_txq_add(&q, x), 0);
	shard_txq_fence_behind(&q, r, x);
	CU_ASSERT_PTR_EQUAL(q.head, t);
	CU_ASSERT_PTR_EQUAL(t->next, x);
	CU_ASSERT_PTR_EQUAL(x->next, r);
	CU_ASSERT_FALSE(r->granted); /* behind x and t now */
	uint64_t a = K("a");
	CU_ASSERT_TRUE(shard_txq_held(&q, &a, 1, false)); /* still reserved */
	shard_txq_grant(&q);
	CU_ASSERT_TRUE(t->granted);
	CU_ASSERT_TRUE(x->granted);
	CU_ASSERT_EQUAL(n_granted, 2);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd), 0); /* a later LPOP: behind r */
	drop(x);
	drop(t);
	CU_ASSERT_TRUE(r->granted);
	CU_ASSERT_FALSE(cmd->granted);
	drop(r);
	CU_ASSERT_PTR_EQUAL(granted[n_granted - 1], cmd);
	CU_ASSERT_EQUAL(q.n, 0);
	CU_ASSERT_EQUAL(q.n_held, 0);
}

/* A client's proxy woken again while its attempt waits here: the new
 * reservation goes behind that attempt, which only it could end
 * (placed ahead, the attempt would wait for it forever). */
static void test_txq_fence_never_passes_its_owners_attempt(void)
{
	reset();
	struct shard_txq_entry *t = entry(7, false, "a", NULL);
	struct shard_txq_entry *att = entry(8, false, "a", "b"); /* first LOCK */
	struct shard_txq_entry *cmd = entry(0, false, "a", NULL);
	att->owner = 5;
	CU_ASSERT_EQUAL(shard_txq_add(&q, t), 1);
	CU_ASSERT_EQUAL(shard_txq_add(&q, att), 0);
	CU_ASSERT_EQUAL(shard_txq_add(&q, cmd), 0);
	shard_txq_unlink(&q, t);
	shard_txq_entry_put(&q, t);
	struct shard_txq_entry *r = entry(DP_RESV_ID, false, "a", NULL);
	r->owner = 5;
	CU_ASSERT_EQUAL(shard_txq_add_fence(&q, r), 0);
	CU_ASSERT_PTR_EQUAL(att->next, r); /* behind its attempt, ahead of cmd */
	CU_ASSERT_PTR_EQUAL(r->next, cmd);
	shard_txq_grant(&q);
	CU_ASSERT_TRUE(att->granted);
	drop(att);
	CU_ASSERT_TRUE(r->granted);
	CU_ASSERT_FALSE(cmd->granted);
	drop(r);
	drop(cmd);
	CU_ASSERT_EQUAL(q.n, 0);
}

static bool conflicts(const struct shard_txq_entry *a, const struct shard_txq_entry *b)
{
	if (a->all || b->all)
		return true;
	for (uint32_t i = 0; i < a->nkeys; i++)
		for (uint32_t j = 0; j < b->nkeys; j++)
			if (a->keys[i] == b->keys[j])
				return true;
	return false;
}

/* Random queues of commands, transactions (granted or not, firm or not)
 * and fences over four keys; an entry released and a fence placed in its
 * gap. After the placement and after the grant: no granted entry has a
 * conflicting entry ahead, no firm or granted entry, nor one of the fence's
 * owner (its client's attempt in flight), waits for the new fence, directly or through the entries
 * between, and the fence sits in the gap or right behind an entry it may not pass. Then every fence
 * a firm entry waits for moves behind it: none waits for one, the rule holds. */
static void test_txq_fence_placement_keeps_the_queue_rules(void)
{
	static const char *names[] = {"a", "b", "c", "d", NULL};
	struct shard_txq_entry *all[16];
	unsigned placed[2] = {0, 0}; /* fences behind their gap, in it */
	for (unsigned seed = 1; seed < 400; seed++) {
		reset();
		rnd_state = seed;
#define RND(n) rnd_next(n)
		unsigned n = 2 + RND(10);
		for (unsigned i = 0; i < n; i++) {
			unsigned kind = RND(5); /* 0 cmd, 1 tx, 2 firm tx, 3 fence, 4 all tx */
			all[i] = entry(kind == 0 ? 0 : 100 + i, kind == 4 && RND(3) == 0,
				       names[RND(5)], names[RND(5)]);
			all[i]->firm = kind == 2;
			all[i]->fence = kind == 3;
			all[i]->owner = kind != 0 ? RND(4) : 0; /* attempts of clients 1-3 */
			CU_ASSERT_FATAL(shard_txq_add(&q, all[i]) >= 0);
		}
		struct shard_txq_entry *gone = all[RND(n)];
		struct shard_txq_entry *after = gone->next;
		shard_txq_unlink(&q, gone);
		struct shard_txq_entry *f = entry(99, RND(8) == 0, names[RND(4)], names[RND(5)]);
		f->owner = 1 + RND(3);
		CU_ASSERT_FATAL(shard_txq_add_fence(&q, f) >= 0);
		for (int step = 0; step < 2; step++) {
			for (struct shard_txq_entry *y = q.head; y != NULL; y = y->next) {
				if (y->granted)
					for (struct shard_txq_entry *x = q.head; x != y;
					     x = x->next)
						CU_ASSERT_FALSE(conflicts(x, y));
			}
			/* the entries waiting for f, directly or through others */
			bool waits[32] = {false};
			int i = 0, fi = place(f);
			for (struct shard_txq_entry *y = q.head; y != NULL; y = y->next, i++) {
				if (i <= fi)
					continue;
				int j = 0;
				for (struct shard_txq_entry *x = q.head; x != y; x = x->next, j++)
					if ((x == f || waits[j]) && conflicts(x, y))
						waits[i] = true;
				if (waits[i])
					CU_ASSERT_FALSE(y->firm || y->granted ||
							y->owner == f->owner);
			}
			if (step == 0) {
				/* in the gap, or right behind an entry it may not pass */
				CU_ASSERT_TRUE(after == NULL || f->next == after ||
					       f->prev->granted || f->prev->firm ||
					       f->prev->owner == f->owner);
				if (after != NULL)
					placed[f->next == after]++;
				shard_txq_grant(&q);
			}
		}
		/* the yield: each firm entry moves the fences it waits for
		 * directly behind it; then none waits for one, and the grant
		 * rule still holds */
		for (struct shard_txq_entry *y = q.head; y != NULL; y = y->next) {
			if (!y->firm)
				continue;
			struct shard_txq_entry *g = q.head;
			while (g != y) {
				struct shard_txq_entry *gn = g->next;
				if (g->fence && conflicts(g, y))
					shard_txq_fence_behind(&q, g, y);
				g = gn;
			}
		}
		shard_txq_grant(&q);
		for (struct shard_txq_entry *y = q.head; y != NULL; y = y->next)
			for (struct shard_txq_entry *x = q.head; x != y; x = x->next) {
				if (y->granted)
					CU_ASSERT_FALSE(conflicts(x, y));
				if (y->firm)
					CU_ASSERT_FALSE(x->fence && conflicts(x, y));
			}
		shard_txq_entry_put(&q, gone);
#undef RND
	}
	CU_ASSERT_TRUE(placed[0] > 20 && placed[1] > 20); /* both cases ran */
	reset();
}

static void test_txq_find_by_txid(void)
{
	reset();
	struct shard_txq_entry *t1 = entry(11, false, "a", NULL);
	struct shard_txq_entry *t2 = entry(12, false, "b", NULL);
	shard_txq_add(&q, t1);
	shard_txq_add(&q, t2);
	CU_ASSERT_PTR_EQUAL(shard_txq_find(&q, 12), t2);
	CU_ASSERT_PTR_EQUAL(shard_txq_find(&q, 11), t1);
	CU_ASSERT_PTR_NULL(shard_txq_find(&q, 13));
	drop(t1);
	CU_ASSERT_PTR_NULL(shard_txq_find(&q, 11));
	drop(t2);
}

/* The queue never empties while thousands of keys come and go: tombstones
 * are rebuilt away and the counts stay exact. */
static void test_txq_counts_stay_exact_under_churn(void)
{
	reset();
	struct shard_txq_entry *keep = entry(1, false, "keep", NULL);
	CU_ASSERT_EQUAL(shard_txq_add(&q, keep), 1);
	char key[32];
	for (int i = 0; i < 5000; i++) {
		struct shard_txq_entry *e = shard_txq_entry_get(&q);
		e->txid = (uint64_t)i + 2;
		int n = snprintf(key, sizeof(key), "k%d", i);
		shard_txq_entry_key(e, shard_key_hash(0, key, (size_t)n));
		CU_ASSERT_EQUAL_FATAL(shard_txq_add(&q, e), 1);
		uint64_t h = shard_key_hash(0, key, (size_t)n);
		CU_ASSERT_TRUE(shard_txq_busy(&q, &h, 1, false));
		shard_txq_remove(&q, e);
		CU_ASSERT_FALSE(shard_txq_busy(&q, &h, 1, false));
		shard_txq_entry_put(&q, e);
	}
	uint64_t h = K("keep");
	CU_ASSERT_TRUE(shard_txq_busy(&q, &h, 1, false));
	CU_ASSERT_TRUE(q.tab_cap <= 1024); /* not grown by tombstones */
	drop(keep);
}

/*
 * Two shards, transactions that each touch both with overlapping keys,
 * arriving in every interleaving a coordinator could produce. Each
 * transaction requests shard 0, and shard 1 only once granted on shard 0
 * (dp_tx.c's order); a granted one releases both. All must finish.
 */
struct sim_tx {
	struct shard_txq_entry *e[2];
	int stage; /* 0: wants shard 0, 1: wants shard 1, 2: holds both, 3: done */
};

static struct shard_txq sq[2];
static struct sim_tx st[4];

static void sim_grant(void *arg, struct shard_txq_entry *e)
{
	(void)arg;
	struct sim_tx *t = &st[e->txid - 1];
	t->stage++;
}

static void sim_request(int i, int shard, const char *k1, const char *k2)
{
	struct shard_txq_entry *e = shard_txq_entry_get(&sq[shard]);
	e->txid = (uint64_t)i + 1;
	shard_txq_entry_key(e, shard_key_hash(0, k1, strlen(k1)));
	shard_txq_entry_key(e, shard_key_hash(0, k2, strlen(k2)));
	st[i].e[shard] = e;
	if (shard_txq_add(&sq[shard], e) == 1)
		st[i].stage++;
}

static void test_txq_ordered_acquisition_never_deadlocks(void)
{
	static const char *keys[4][2] = {{"a", "b"}, {"b", "c"}, {"c", "a"}, {"a", "c"}};
	for (unsigned seed = 1; seed < 200; seed++) {
		for (int s = 0; s < 2; s++)
			CU_ASSERT_EQUAL_FATAL(shard_txq_init(&sq[s], sim_grant, NULL), 0);
		memset(st, 0, sizeof(st));
		unsigned r = seed, done = 0, steps = 0;
		bool requested[4][2] = {{false}};
		while (done < 4 && steps++ < 1000) {
			r = r * 1103515245u + 12345u;
			int i = (int)((r >> 16) % 4);
			struct sim_tx *t = &st[i];
			if (t->stage == 0 && !requested[i][0]) {
				requested[i][0] = true;
				sim_request(i, 0, keys[i][0], keys[i][1]);
			} else if (t->stage == 1 && !requested[i][1]) {
				requested[i][1] = true;
				sim_request(i, 1, keys[i][0], keys[i][1]);
			} else if (t->stage == 2) {
				t->stage = 3;
				done++;
				for (int s = 0; s < 2; s++) {
					shard_txq_remove(&sq[s], t->e[s]);
					shard_txq_entry_put(&sq[s], t->e[s]);
				}
			}
		}
		CU_ASSERT_EQUAL(done, 4);
		for (int s = 0; s < 2; s++)
			shard_txq_fini(&sq[s]);
	}
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_txq_empty_queue_is_never_busy),
	    RW_TEST(test_txq_key_hash_separates_dbs_and_keys),
	    RW_TEST(test_txq_conflicting_entries_are_granted_in_arrival_order),
	    RW_TEST(test_txq_unrelated_entry_overtakes_a_waiting_one),
	    RW_TEST(test_txq_all_entry_waits_for_everything_and_blocks_everything),
	    RW_TEST(test_txq_waiting_commands_run_in_order_when_released),
	    RW_TEST(test_txq_find_by_txid),
	    RW_TEST(test_txq_held_counts_granted_transactions_and_fences_only),
	    RW_TEST(test_txq_counts_stay_exact_under_churn),
	    RW_TEST(test_txq_fence_at_release_takes_the_released_entrys_place),
	    RW_TEST(test_txq_fence_never_overtakes_granted_or_firm_entries),
	    RW_TEST(test_txq_fence_placement_keeps_the_queue_rules),
	    RW_TEST(test_txq_fence_moves_behind_a_firm_entry),
	    RW_TEST(test_txq_fence_never_passes_its_owners_attempt),
	    RW_TEST(test_txq_ordered_acquisition_never_deadlocks),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("txq", setup, teardown, tests) != 0)
		return 1;
	return rw_test_run();
}
