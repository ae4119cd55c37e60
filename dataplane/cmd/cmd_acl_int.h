/*
 * The process-wide ACL users (cmd_acl.c) as the cmd files use them: the
 * ACL command (cmd_acl_cmd.c), AUTH and HELLO (cmd_client.c, cmd_server.c),
 * requirepass and CONFIG REWRITE (cmd_config*.c). Not for use outside
 * dataplane/cmd. See cmd_acl.c for how workers share them.
 */
#ifndef RW_CMD_ACL_INT_H
#define RW_CMD_ACL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "cmd_acl.h"

struct cmd_acl;

/* One ACL LOG entry (ACLLogEntry of acl.c). */
struct acl_log_entry {
	uint64_t count;
	int reason; /* enum cmd_acl_verdict */
	bool multi; /* context "multi", else "toplevel" */
	uint64_t ctime_ms;
	char *object;
	char *username;
	char *cinfo;
};

/** The users with the default user only (on nopass ~* &* +@all), read by
 * @p n_workers workers (each calls cmd_acl_tick()). @return NULL on ENOMEM.
 * Context: boot. */
struct cmd_acl *cmd_acl_create(uint32_t n_workers);
void cmd_acl_destroy(struct cmd_acl **a);
/** The process's users (in the run-time table); NULL without one (unit tests). */
struct cmd_acl *cmd_rtcfg_acl(const struct cmd_env *env);

struct cmd_acl_user *cmd_acl_default(const struct cmd_acl *a);
/** authRequired(): is the default user off, or not nopass? */
bool cmd_acl_default_needs_auth(const struct cmd_acl *a);
bool cmd_acl_default_nopass(const struct cmd_acl *a);
/** The user called @p name (case-sensitive), or NULL. Valid until the
 * caller's next quiescent point. */
struct cmd_acl_user *cmd_acl_user_find(const struct cmd_acl *a, const uint8_t *name, size_t len);
/** The rules of @p u now (published; valid until the next quiescent point). */
const struct cmd_acl_rules *cmd_acl_user_rules(const struct cmd_acl_user *u);
/** Every user in name order. */
void cmd_acl_users_foreach(const struct cmd_acl *a,
			   void (*fn)(void *arg, const struct cmd_acl_user *u), void *arg);
uint32_t cmd_acl_users_count(const struct cmd_acl *a);
/** Is there a user @p name (CLIENT KILL USER)? */
bool cmd_acl_user_exists(const struct cmd_env *env, const uint8_t *name, size_t len);

/**
 * ACL SETUSER @p name @p ops: all modifiers or none, on a copy of the
 * user's rules (a new user starts off, -@all), published at once.
 * @return 0, or a cmd_acl_rules_apply() error (then *@p bad is the index
 * of the modifier that failed).
 */
int cmd_acl_setuser(struct cmd_acl *a, const uint8_t *name, size_t len, const struct resp_arg *ops,
		    uint32_t n_ops, uint32_t *bad);
/** ACL DELUSER of one name (not "default"): its connections close at
 * their workers' next tick. @return 1 if deleted, 0 if there was none. */
int cmd_acl_deluser(struct cmd_acl *a, const uint8_t *name, size_t len);
/** CONFIG SET requirepass: the default user's password (empty: nopass). */
int cmd_acl_requirepass(struct cmd_acl *a, const char *pass, size_t len);

/** AUTH's check: on success *@p out is @p user with a reference taken. */
enum cmd_acl_verdict cmd_acl_authenticate(struct cmd_acl *a, const struct resp_arg *user,
					  const struct resp_arg *pass, struct cmd_acl_user **out);
/** A new connection: the default user. */
void cmd_acl_client_init(struct cmd_acl *a, struct cmd_client *c);
/** The connection now is @p u (a reference taken by cmd_acl_authenticate()). */
void cmd_acl_client_switch(struct cmd_acl *a, struct cmd_client *c, struct cmd_acl_user *u);
void cmd_acl_client_fini(struct cmd_acl *a, struct cmd_client *c);
bool cmd_acl_tick_of(struct cmd_acl *a, uint32_t worker, uint64_t *gen);

/** Add an ACL LOG entry for ctx's client (its CLIENT INFO line). */
void cmd_acl_log_client(struct cmd_ctx *ctx, int reason, bool multi, const char *object,
			size_t olen, const char *username, size_t ulen);
void cmd_acl_log_add(struct cmd_acl *a, int reason, bool multi, const char *object, size_t olen,
		     const char *username, size_t ulen, const char *cinfo, uint64_t now_ms);
/** Copies of the newest @p max entries (free each with cmd_acl_log_entry_fini()). */
uint32_t cmd_acl_log_copy(struct cmd_acl *a, struct acl_log_entry *out, uint32_t max);
void cmd_acl_log_entry_fini(struct acl_log_entry *e);
void cmd_acl_log_reset(struct cmd_acl *a);
/** c->cmd->fullname of the running command ("config|get"). */
const char *cmd_acl_fullname(const struct cmd_ctx *ctx);

/** The `user` lines CONFIG REWRITE writes: one per user, "user NAME RULES". */
int cmd_acl_rewrite_lines(const struct cmd_env *env, char ***lines, size_t *n);

cmd_handler_fn cmd_acl; /* cmd_acl_cmd.c */

#endif
