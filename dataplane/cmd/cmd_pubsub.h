/*
 * Pub/sub subscription tables of one worker: the channels, patterns and
 * shard channels its connections subscribe to, and each connection's own
 * list, in subscription order (UNSUBSCRIBE without arguments answers in that
 * order). Pure data structures: the dispatcher (dataplane/core/dp_pubsub.c)
 * owns one set per worker and does the delivery; see PUBSUB.md there.
 *
 *   cmd_ps_tab: name -> entry (a chained hash), entry -> subscriber
 *               connection indexes in subscription order;
 *   cmd_ps_client: per connection, per kind, the entries it subscribed.
 *
 * Patterns match with Redis's stringmatchlen() (cmd_glob.c).
 *
 * Context: the owning worker lcore only.
 */
#ifndef RW_CMD_PUBSUB_H
#define RW_CMD_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cmd_ps_kind { CMD_PS_CHAN = 0, CMD_PS_PAT = 1, CMD_PS_SHARD = 2, CMD_PS_KINDS = 3 };

struct cmd_ps_ent {
	struct cmd_ps_ent *next; /* hash chain */
	uint64_t h;
	uint32_t len;
	uint32_t n, cap;
	uint32_t *conns; /* subscribers, subscription order */
	uint8_t name[];
};

struct cmd_ps_tab {
	struct cmd_ps_ent **b;
	uint32_t cap; /* power of two, 0 before the first entry */
	uint32_t n;   /* entries (distinct names) */
};

struct cmd_ps_client {
	struct cmd_ps_ent **list[CMD_PS_KINDS];
	uint32_t n[CMD_PS_KINDS], cap[CMD_PS_KINDS];
};

/** The entry named @p name, or NULL. */
struct cmd_ps_ent *cmd_ps_find(const struct cmd_ps_tab *t, const void *name, size_t len);
/**
 * Subscribe connection @p conn (its list @p c) to @p name in @p t.
 * @return 1 if new, 0 if it was already subscribed, -ENOMEM.
 */
int cmd_ps_subscribe(struct cmd_ps_tab *t, struct cmd_ps_client *c, enum cmd_ps_kind kind,
		     uint32_t conn, const void *name, size_t len);
/** Unsubscribe. @return 1 if it was subscribed, 0 if not. */
int cmd_ps_unsubscribe(struct cmd_ps_tab *t, struct cmd_ps_client *c, enum cmd_ps_kind kind,
		       uint32_t conn, const void *name, size_t len);
/**
 * A reference count per name, in a table of its own (the entries' n; no
 * subscriber lists): add @p delta, creating the entry at the first
 * reference and freeing it at the last. @return the new count, or -ENOMEM.
 */
int64_t cmd_ps_ref(struct cmd_ps_tab *t, const void *name, size_t len, int delta);
/** Visit every entry (hash order). */
typedef void cmd_ps_visit_fn(void *arg, const struct cmd_ps_ent *e);
void cmd_ps_foreach(const struct cmd_ps_tab *t, cmd_ps_visit_fn *fn, void *arg);
/** Visit every pattern entry of @p pats that matches channel @p ch. @return how many. */
uint32_t cmd_ps_match(const struct cmd_ps_tab *pats, const void *ch, size_t len,
		      cmd_ps_visit_fn *fn, void *arg);
/** Free the table (its entries must be gone: every client unsubscribed). */
void cmd_ps_tab_fini(struct cmd_ps_tab *t);
/** Free a client's lists (after it unsubscribed from everything). */
void cmd_ps_client_fini(struct cmd_ps_client *c);
/** Redis's stringmatchlen() (cmd_glob.c). */
bool cmd_ps_glob(const void *pat, size_t plen, const void *s, size_t slen);

#endif
