/*
 * ACL users shared by every worker: the user table, AUTH, the dispatcher's
 * check, the ACL log, and the default user's password (requirepass).
 *
 * SHARING WITHOUT LOCKS ON THE HOT PATH (read-copy-update)
 *
 *   struct cmd_acl ── users ──▶ [sorted array of user handles] (published)
 *                                   │
 *                                   ▼
 *                         struct cmd_acl_user ── rules ──▶ struct cmd_acl_rules
 *                         (all, deleted, refs, name)        (immutable once published)
 *
 * Readers (any worker: AUTH, the check, ACL GETUSER/LIST, CLIENT KILL USER)
 * load the array and a user's rules with acquire loads and use them until
 * the end of the command. Writers (ACL SETUSER/DELUSER, CONFIG SET
 * requirepass, from any worker or the control plane's requests) serialise
 * on `wlock`, build a new rules object or array, publish it with one
 * release store and retire the old one: it is freed once every worker has
 * passed a quiescent point (its tick, between commands) after the retire
 * (epochs: a retire stamps the next epoch, each worker's tick copies the
 * epoch into its slot, and what is older than every slot is unreachable).
 *
 * A connection holds a reference on its user (refs; the table holds one
 * more while the user exists), so a deleted user's handle outlives the
 * connections it still has: DELUSER marks it deleted and bumps `kill_gen`,
 * and each worker's tick closes its connections of deleted users
 * (ACLFreeUserAndKillClients(); the deleting connection itself closes after
 * its reply). The hot-path test is the handle's `all` flag: a user whose
 * rules are +@all ~* &* costs the dispatcher one load and one branch.
 *
 * The ACL log (ACL LOG) takes `wlock` too: only refusals write it.
 *
 * Context: any worker; boot for cmd_acl_create().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_acl.h"
#include "cmd_acl_int.h"
#include "cmd_int.h"

#define ACL_LOG_MAX	 128   /* acllog-max-len's default */
#define ACL_LOG_GROUP_MS 60000 /* ACL_LOG_GROUPING_MAX_TIME_DELTA */
#define ACL_CINFO_MAX	 1024

struct acl_users {
	uint32_t n;
	struct cmd_acl_user *u[]; /* sorted by name (memcmp, then length: rax order) */
};

struct acl_retired {
	uint64_t epoch;
	void *p;
	void (*free_fn)(void *);
};

struct acl_slot {
	_Atomic uint64_t epoch;
} __attribute__((aligned(64)));

struct cmd_acl {
	struct acl_users *_Atomic users;
	struct cmd_acl_user *deflt;
	_Atomic uint32_t default_auth; /* authRequired(): the default user is not nopass, or off */
	_Atomic uint32_t default_nopass;
	_Atomic uint64_t kill_gen;
	_Atomic uint64_t gen; /* every change, under wlock (cmd_acl_gen) */
	pthread_mutex_t wlock;
	_Atomic uint64_t epoch;
	_Atomic uint32_t n_retired;
	uint32_t n_workers;
	struct acl_slot *slot;
	struct acl_retired *ret;
	size_t ret_cap;
	struct acl_log_entry *log; /* newest first */
	uint32_t n_log;
};

/* ---- handles, retiring ---- */

static void rules_free(void *p)
{
	cmd_acl_rules_fini(p);
	free(p);
}

static void user_free(void *p)
{
	struct cmd_acl_user *u = p;
	rules_free(atomic_load_explicit(&u->rules, memory_order_relaxed));
	free(u->name);
	free(u);
}

/* Free what every worker has stopped seeing. Under wlock. */
static void reclaim(struct cmd_acl *a)
{
	uint64_t min = UINT64_MAX;
	for (uint32_t i = 0; i < a->n_workers; i++) {
		uint64_t e = atomic_load_explicit(&a->slot[i].epoch, memory_order_acquire);
		min = e < min ? e : min;
	}
	uint32_t n = atomic_load_explicit(&a->n_retired, memory_order_relaxed), k = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (a->n_workers == 0 || a->ret[i].epoch <= min)
			a->ret[i].free_fn(a->ret[i].p);
		else
			a->ret[k++] = a->ret[i];
	}
	atomic_store_explicit(&a->n_retired, k, memory_order_relaxed);
}

/* Under wlock. On allocation failure the object leaks rather than being
 * freed under a reader. */
static void retire(struct cmd_acl *a, void *p, void (*free_fn)(void *))
{
	if (p == NULL)
		return;
	uint32_t n = atomic_load_explicit(&a->n_retired, memory_order_relaxed);
	if (n == a->ret_cap) {
		size_t cap = a->ret_cap ? 2 * a->ret_cap : 16;
		struct acl_retired *r = realloc(a->ret, cap * sizeof(*r));
		if (r == NULL)
			return;
		a->ret = r;
		a->ret_cap = cap;
	}
	uint64_t e = atomic_fetch_add_explicit(&a->epoch, 1, memory_order_acq_rel) + 1;
	a->ret[n] = (struct acl_retired){e, p, free_fn};
	atomic_store_explicit(&a->n_retired, n + 1, memory_order_release);
}

static void user_put(struct cmd_acl *a, struct cmd_acl_user *u)
{
	if (u == NULL || a == NULL)
		return;
	if (atomic_fetch_sub_explicit(&u->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_lock(&a->wlock);
	retire(a, u, user_free);
	pthread_mutex_unlock(&a->wlock);
}

/* A reference for a connection, unless the user is gone (refs reached 0). */
static bool user_get(struct cmd_acl_user *u)
{
	uint32_t r = atomic_load_explicit(&u->refs, memory_order_relaxed);
	while (r != 0)
		if (atomic_compare_exchange_weak_explicit(&u->refs, &r, r + 1, memory_order_acq_rel,
							  memory_order_relaxed))
			return true;
	return false;
}

const struct cmd_acl_rules *cmd_acl_user_rules(const struct cmd_acl_user *u)
{
	return atomic_load_explicit(&((struct cmd_acl_user *)u)->rules, memory_order_acquire);
}

/* Publish @p r as @p u's rules (the old ones retired). Under wlock. */
static void user_publish(struct cmd_acl *a, struct cmd_acl_user *u, struct cmd_acl_rules *r)
{
	struct cmd_acl_rules *old = atomic_exchange_explicit(&u->rules, r, memory_order_acq_rel);
	atomic_store_explicit(&u->all, cmd_acl_rules_unrestricted(r), memory_order_release);
	if (u == a->deflt) {
		atomic_store_explicit(&a->default_nopass, (r->flags & CMD_ACL_F_NOPASS) != 0,
				      memory_order_relaxed);
		atomic_store_explicit(&a->default_auth,
				      !(r->flags & CMD_ACL_F_NOPASS) || (r->flags & CMD_ACL_F_OFF),
				      memory_order_relaxed);
	}
	retire(a, old, rules_free);
}

static struct cmd_acl_user *user_new(const uint8_t *name, size_t len)
{
	struct cmd_acl_user *u = calloc(1, sizeof(*u));
	struct cmd_acl_rules *r = calloc(1, sizeof(*r));
	char *n = malloc(len + 1);
	if (u == NULL || r == NULL || n == NULL) {
		free(u);
		free(r);
		free(n);
		return NULL;
	}
	memcpy(n, name, len);
	n[len] = '\0';
	cmd_acl_rules_init(r);
	u->name = n;
	u->name_len = (uint32_t)len;
	atomic_init(&u->rules, r);
	atomic_init(&u->refs, 1); /* the table's */
	return u;
}

/* ---- the table ---- */

static int name_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c != 0 ? c : (al > bl) - (al < bl);
}

static struct acl_users *users_load(const struct cmd_acl *a)
{
	return atomic_load_explicit(&((struct cmd_acl *)a)->users, memory_order_acquire);
}

/* The slot where @p name is or would go. */
static uint32_t users_find(const struct acl_users *t, const uint8_t *name, size_t len, bool *hit)
{
	uint32_t lo = 0, hi = t->n;
	*hit = false;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int c = name_cmp((const uint8_t *)t->u[mid]->name, t->u[mid]->name_len, name, len);
		if (c == 0) {
			*hit = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct cmd_acl_user *cmd_acl_user_find(const struct cmd_acl *a, const uint8_t *name, size_t len)
{
	bool hit;
	const struct acl_users *t = users_load(a);
	uint32_t i = users_find(t, name, len, &hit);
	return hit ? t->u[i] : NULL;
}

void cmd_acl_users_foreach(const struct cmd_acl *a,
			   void (*fn)(void *arg, const struct cmd_acl_user *u), void *arg)
{
	const struct acl_users *t = users_load(a);
	for (uint32_t i = 0; i < t->n; i++)
		fn(arg, t->u[i]);
}

uint32_t cmd_acl_users_count(const struct cmd_acl *a)
{
	return users_load(a)->n;
}

/* A copy of the table with @p u inserted at @p at, or without index @p at
 * (@p u NULL). Under wlock. */
static int users_replace(struct cmd_acl *a, uint32_t at, struct cmd_acl_user *u)
{
	struct acl_users *t = users_load(a);
	uint32_t n = u != NULL ? t->n + 1 : t->n - 1;
	struct acl_users *nt = malloc(sizeof(*nt) + n * sizeof(nt->u[0]));
	if (nt == NULL)
		return -ENOMEM;
	nt->n = n;
	if (u != NULL) {
		memcpy(nt->u, t->u, at * sizeof(nt->u[0]));
		nt->u[at] = u;
		memcpy(nt->u + at + 1, t->u + at, (t->n - at) * sizeof(nt->u[0]));
	} else {
		memcpy(nt->u, t->u, at * sizeof(nt->u[0]));
		memcpy(nt->u + at, t->u + at + 1, (t->n - at - 1) * sizeof(nt->u[0]));
	}
	atomic_store_explicit(&a->users, nt, memory_order_release);
	retire(a, t, free);
	return 0;
}

struct cmd_acl *cmd_acl_create(uint32_t n_workers)
{
	struct cmd_acl *a = calloc(1, sizeof(*a));
	struct acl_users *t = calloc(1, sizeof(*t) + sizeof(t->u[0]));
	if (a == NULL || t == NULL)
		goto fail;
	a->n_workers = n_workers;
	if (n_workers != 0 && (a->slot = aligned_alloc(64, n_workers * sizeof(*a->slot))) == NULL)
		goto fail;
	for (uint32_t i = 0; i < n_workers; i++)
		atomic_init(&a->slot[i].epoch, 0);
	pthread_mutex_init(&a->wlock, NULL);
	a->deflt = user_new((const uint8_t *)"default", 7);
	if (a->deflt == NULL)
		goto fail;
	struct cmd_acl_rules *r = atomic_load_explicit(&a->deflt->rules, memory_order_relaxed);
	if (cmd_acl_rules_init_default(r) != 0)
		goto fail;
	atomic_store_explicit(&a->deflt->all, 1, memory_order_relaxed);
	atomic_store_explicit(&a->default_nopass, 1, memory_order_relaxed);
	t->n = 1;
	t->u[0] = a->deflt;
	atomic_init(&a->users, t);
	return a;
fail:
	if (a != NULL && a->deflt != NULL)
		user_free(a->deflt);
	if (a != NULL)
		free(a->slot);
	free(a);
	free(t);
	return NULL;
}

void cmd_acl_destroy(struct cmd_acl **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	struct cmd_acl *a = *ap;
	a->n_workers = 0; /* no reader left: everything retired goes */
	reclaim(a);
	struct acl_users *t = users_load(a);
	for (uint32_t i = 0; i < t->n; i++)
		user_free(t->u[i]);
	free(t);
	free(a->ret);
	for (uint32_t i = 0; i < a->n_log; i++)
		cmd_acl_log_entry_fini(&a->log[i]);
	free(a->log);
	free(a->slot);
	pthread_mutex_destroy(&a->wlock);
	free(a);
	*ap = NULL;
}

struct cmd_acl_user *cmd_acl_default(const struct cmd_acl *a)
{
	return a->deflt;
}

bool cmd_acl_default_needs_auth(const struct cmd_acl *a)
{
	return atomic_load_explicit(&((struct cmd_acl *)a)->default_auth, memory_order_relaxed);
}

bool cmd_acl_default_nopass(const struct cmd_acl *a)
{
	return atomic_load_explicit(&((struct cmd_acl *)a)->default_nopass, memory_order_relaxed);
}

/* ---- writers ---- */

int cmd_acl_setuser(struct cmd_acl *a, const uint8_t *name, size_t len, const struct resp_arg *ops,
		    uint32_t n_ops, uint32_t *bad)
{
	pthread_mutex_lock(&a->wlock);
	bool hit;
	struct acl_users *t = users_load(a);
	uint32_t at = users_find(t, name, len, &hit);
	struct cmd_acl_user *u = hit ? t->u[at] : NULL;
	struct cmd_acl_rules *r = malloc(sizeof(*r));
	int rc = -ENOMEM;
	if (r == NULL)
		goto out;
	if (u != NULL)
		rc = cmd_acl_rules_copy(r, cmd_acl_user_rules(u));
	else
		cmd_acl_rules_init(r), rc = 0;
	for (uint32_t i = 0; rc == 0 && i < n_ops; i++) {
		rc = cmd_acl_rules_apply(r, ops[i].ptr, ops[i].len);
		if (rc != 0)
			*bad = i;
	}
	if (rc != 0)
		goto out;
	if (u == NULL) {
		u = user_new(name, len);
		if (u == NULL || users_replace(a, at, u) != 0) {
			if (u != NULL)
				user_free(u);
			rc = -ENOMEM;
			goto out;
		}
	}
	user_publish(a, u, r);
	atomic_fetch_add_explicit(&a->gen, 1, memory_order_release);
	r = NULL;
	reclaim(a);
out:
	pthread_mutex_unlock(&a->wlock);
	if (r != NULL)
		rules_free(r);
	return rc;
}

int cmd_acl_deluser(struct cmd_acl *a, const uint8_t *name, size_t len)
{
	pthread_mutex_lock(&a->wlock);
	bool hit;
	uint32_t at = users_find(users_load(a), name, len, &hit);
	struct cmd_acl_user *u = hit ? users_load(a)->u[at] : NULL;
	int rc = 0;
	if (u != NULL && u != a->deflt && (rc = users_replace(a, at, NULL)) == 0) {
		atomic_store_explicit(&u->deleted, 1, memory_order_release);
		atomic_fetch_add_explicit(&a->kill_gen, 1, memory_order_release);
		atomic_fetch_add_explicit(&a->gen, 1, memory_order_release);
		rc = 1;
	}
	pthread_mutex_unlock(&a->wlock);
	if (rc == 1)
		user_put(a, u); /* the table's reference */
	return rc;
}

int cmd_acl_requirepass(struct cmd_acl *a, const char *pass, size_t len)
{
	pthread_mutex_lock(&a->wlock);
	struct cmd_acl_rules *r = malloc(sizeof(*r));
	int rc = r != NULL ? cmd_acl_rules_copy(r, cmd_acl_user_rules(a->deflt)) : -ENOMEM;
	if (rc == 0) {
		/* ACLUpdateDefaultUserPassword() */
		cmd_acl_rules_apply(r, (const uint8_t *)"resetpass", 9);
		if (len == 0) {
			cmd_acl_rules_apply(r, (const uint8_t *)"nopass", 6);
		} else {
			char *op = malloc(len + 1);
			if (op == NULL) {
				rc = -ENOMEM;
			} else {
				op[0] = '>';
				memcpy(op + 1, pass, len);
				rc = cmd_acl_rules_apply(r, (const uint8_t *)op, len + 1);
				free(op);
			}
		}
	}
	if (rc == 0) {
		user_publish(a, a->deflt, r);
		atomic_fetch_add_explicit(&a->gen, 1, memory_order_release);
		r = NULL;
	}
	pthread_mutex_unlock(&a->wlock);
	if (r != NULL)
		rules_free(r);
	return rc;
}

/* ---- connections ---- */

void cmd_acl_client_init(struct cmd_acl *a, struct cmd_client *c)
{
	c->user = a->deflt;
	atomic_fetch_add_explicit(&a->deflt->refs, 1, memory_order_relaxed);
}

void cmd_acl_client_switch(struct cmd_acl *a, struct cmd_client *c, struct cmd_acl_user *u)
{
	struct cmd_acl_user *old = c->user;
	c->user = u;
	user_put(a, old);
}

void cmd_acl_client_fini(struct cmd_acl *a, struct cmd_client *c)
{
	user_put(a, c->user);
	c->user = NULL;
}

enum cmd_acl_verdict cmd_acl_authenticate(struct cmd_acl *a, const struct resp_arg *user,
					  const struct resp_arg *pass, struct cmd_acl_user **out)
{
	struct cmd_acl_user *u = cmd_acl_user_find(a, user->ptr, user->len);
	if (u == NULL || atomic_load_explicit(&u->deleted, memory_order_acquire))
		return CMD_ACL_DENIED_AUTH;
	const struct cmd_acl_rules *r = cmd_acl_user_rules(u);
	if ((r->flags & CMD_ACL_F_OFF) || !cmd_acl_rules_pass_ok(r, pass->ptr, pass->len))
		return CMD_ACL_DENIED_AUTH;
	if (!user_get(u))
		return CMD_ACL_DENIED_AUTH;
	*out = u;
	return CMD_ACL_OK;
}

bool cmd_acl_tick_of(struct cmd_acl *a, uint32_t worker, uint64_t *gen)
{
	if (worker < a->n_workers)
		atomic_store_explicit(&a->slot[worker].epoch,
				      atomic_load_explicit(&a->epoch, memory_order_acquire),
				      memory_order_release);
	if (worker == 0 && atomic_load_explicit(&a->n_retired, memory_order_acquire) != 0 &&
	    pthread_mutex_trylock(&a->wlock) == 0) {
		reclaim(a);
		pthread_mutex_unlock(&a->wlock);
	}
	uint64_t g = atomic_load_explicit(&a->kill_gen, memory_order_acquire);
	if (g == *gen)
		return false;
	*gen = g;
	return true;
}

/* ---- the log ---- */

void cmd_acl_log_entry_fini(struct acl_log_entry *e)
{
	free(e->object);
	free(e->username);
	free(e->cinfo);
}

static bool same_str(const char *a, const char *b, size_t bl)
{
	return strlen(a) == bl && memcmp(a, b, bl) == 0;
}

void cmd_acl_log_add(struct cmd_acl *a, int reason, bool multi, const char *object, size_t olen,
		     const char *username, size_t ulen, const char *cinfo, uint64_t now_ms)
{
	struct acl_log_entry e = {.count = 1,
				  .reason = reason,
				  .multi = multi,
				  .ctime_ms = now_ms,
				  .object = strndup(object, olen),
				  .username = strndup(username, ulen),
				  .cinfo = strdup(cinfo)};
	if (e.object == NULL || e.username == NULL || e.cinfo == NULL) {
		cmd_acl_log_entry_fini(&e);
		return;
	}
	pthread_mutex_lock(&a->wlock);
	/* ACLAddLogEntry(): an entry like a recent one (same reason, context,
	 * object and user) only updates it (count, time, client info) */
	for (uint32_t i = 0; i < a->n_log; i++) {
		struct acl_log_entry *o = &a->log[i];
		if (o->reason == reason && o->multi == multi && same_str(o->object, object, olen) &&
		    same_str(o->username, username, ulen) &&
		    now_ms - o->ctime_ms <= ACL_LOG_GROUP_MS) {
			o->count++;
			o->ctime_ms = now_ms;
			free(o->cinfo);
			o->cinfo = e.cinfo;
			e.cinfo = NULL;
			struct acl_log_entry moved = *o;
			memmove(&a->log[1], &a->log[0], i * sizeof(*o));
			a->log[0] = moved;
			pthread_mutex_unlock(&a->wlock);
			cmd_acl_log_entry_fini(&e);
			return;
		}
	}
	if (a->n_log == 0 && a->log == NULL)
		a->log = calloc(ACL_LOG_MAX, sizeof(*a->log));
	if (a->log == NULL) {
		pthread_mutex_unlock(&a->wlock);
		cmd_acl_log_entry_fini(&e);
		return;
	}
	if (a->n_log == ACL_LOG_MAX)
		cmd_acl_log_entry_fini(&a->log[--a->n_log]);
	memmove(&a->log[1], &a->log[0], a->n_log * sizeof(a->log[0]));
	a->log[0] = e;
	a->n_log++;
	pthread_mutex_unlock(&a->wlock);
}

uint32_t cmd_acl_log_copy(struct cmd_acl *a, struct acl_log_entry *out, uint32_t max)
{
	pthread_mutex_lock(&a->wlock);
	uint32_t n = 0;
	for (; n < a->n_log && n < max; n++) {
		out[n] = a->log[n];
		out[n].object = strdup(a->log[n].object);
		out[n].username = strdup(a->log[n].username);
		out[n].cinfo = strdup(a->log[n].cinfo);
	}
	pthread_mutex_unlock(&a->wlock);
	return n;
}

void cmd_acl_log_reset(struct cmd_acl *a)
{
	pthread_mutex_lock(&a->wlock);
	for (uint32_t i = 0; i < a->n_log; i++)
		cmd_acl_log_entry_fini(&a->log[i]);
	a->n_log = 0;
	pthread_mutex_unlock(&a->wlock);
}

/* ---- the dispatcher's check ---- */

void cmd_acl_log_client(struct cmd_ctx *ctx, int reason, bool multi, const char *object,
			size_t olen, const char *username, size_t ulen)
{
	struct cmd_acl *a = cmd_rtcfg_acl(ctx->env);
	if (a == NULL)
		return;
	struct rw_buf b = {0};
	cmd_client_info_line(ctx, &b, ctx->argc > 0 ? cmd_acl_fullname(ctx) : "NULL");
	if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.len--; /* catClientInfoString() has no newline */
	rw_buf_append(&b, "", 1);
	cmd_acl_log_add(a, reason, multi, object, olen, username, ulen,
			b.data != NULL ? (const char *)b.data : "", ctx->now_ms);
	rw_buf_fini(&b);
}

const char *cmd_acl_fullname(const struct cmd_ctx *ctx)
{
	const struct cmd_def *d = cmd_lookup(ctx->argv[0].ptr, ctx->argv[0].len);
	if (d != NULL && d->n_subcmds != 0 && ctx->argc >= 2) {
		const struct cmd_def *s = cmd_subcmd_lookup(d, ctx->argv[1].ptr, ctx->argv[1].len);
		if (s != NULL)
			d = s;
	}
	return d != NULL ? d->name : "NULL";
}

bool cmd_acl_refuses(struct cmd_ctx *ctx, const struct cmd_def *d, bool in_multi)
{
	const struct cmd_acl_user *u = ctx->client->user;
	if (u == NULL)
		return false;
	if (d->n_subcmds != 0 && ctx->argc >= 2) {
		const struct cmd_def *s = cmd_subcmd_lookup(d, ctx->argv[1].ptr, ctx->argv[1].len);
		if (s != NULL)
			d = s;
	}
	uint32_t pos;
	enum cmd_acl_verdict v =
	    cmd_acl_rules_check(cmd_acl_user_rules(u), d, ctx->argv, ctx->argc, &pos);
	if (v == CMD_ACL_OK)
		return false;
	const char *obj = d->name;
	size_t olen = strlen(obj);
	if (v != CMD_ACL_DENIED_CMD) {
		obj = (const char *)ctx->argv[pos].ptr;
		olen = ctx->argv[pos].len;
	}
	cmd_acl_log_client(ctx, v, in_multi, obj, olen, u->name, u->name_len);
	if (v == CMD_ACL_DENIED_CMD)
		resp_w_errorf(ctx->out,
			      "NOPERM this user has no permissions to run the '%s' command",
			      d->name);
	else if (v == CMD_ACL_DENIED_KEY)
		resp_w_error(ctx->out, "NOPERM this user has no permissions to access one of the "
				       "keys used as arguments");
	else
		resp_w_error(ctx->out, "NOPERM this user has no permissions to access one of the "
				       "channels used as arguments");
	return true;
}

bool cmd_acl_tick(const struct cmd_env *env, uint32_t worker, uint64_t *gen)
{
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	return a != NULL && cmd_acl_tick_of(a, worker, gen);
}

uint64_t cmd_acl_gen(const struct cmd_env *env)
{
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	return a != NULL ? atomic_load_explicit(&a->gen, memory_order_acquire) : 0;
}

bool cmd_acl_user_exists(const struct cmd_env *env, const uint8_t *name, size_t len)
{
	struct cmd_acl *a = cmd_rtcfg_acl(env);
	if (a == NULL)
		return len == 7 && memcmp(name, "default", 7) == 0;
	return cmd_acl_user_find(a, name, len) != NULL;
}
