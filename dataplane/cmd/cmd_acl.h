/*
 * ACL rules of one user (Redis 7.0.15's acl.c, root selector only): the
 * parser of ACL SETUSER's modifiers, the describer ACL LIST, GETUSER and
 * CONFIG REWRITE print, and the matcher the dispatcher asks before a
 * restricted user's command runs. Pure data code: no locks, no workers
 * (cmd_acl.c shares users between workers; cmd_acl_cmd.c is ACL itself).
 *
 * Commands are stock's whole table (cmd_acl_cmds.inc, generated from
 * redis-server 7.0.15), so `+xadd` is accepted and the categories hold
 * stock's commands: ACL LIST's best-fit description of a command set
 * (ACLDescribeSelectorCommandRules()) then picks stock's categories.
 *
 * Context: any thread; a struct cmd_acl_rules is owned by its caller, or
 * immutable once published by cmd_acl.c.
 */
#ifndef RW_CMD_ACL_H
#define RW_CMD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "rw_buf.h"

/* Bits of the command bitmap; the last one is set only by +@all (Redis's
 * "future commands" bit, which tells +@all from -@all when describing). */
#define CMD_ACL_BITS	 1024
#define CMD_ACL_WORDS	 (CMD_ACL_BITS / 64)
#define CMD_ACL_FUTURE	 (CMD_ACL_BITS - 1)
#define CMD_ACL_HASH_HEX 64 /* a password's SHA-256, lower-case hex */

/* user flags (ACLUserFlags order is the describe order) and the selector's */
#define CMD_ACL_F_ON		(1u << 0)
#define CMD_ACL_F_OFF		(1u << 1)
#define CMD_ACL_F_NOPASS	(1u << 2)
#define CMD_ACL_F_SKIP_SANITIZE (1u << 3)
#define CMD_ACL_F_SANITIZE	(1u << 4)
#define CMD_ACL_F_ALLKEYS	(1u << 8)
#define CMD_ACL_F_ALLCHANNELS	(1u << 9)
#define CMD_ACL_F_ALLCOMMANDS	(1u << 10)

/* key pattern permissions (%R~ %W~; ~ is both) */
#define CMD_ACL_K_READ	1u
#define CMD_ACL_K_WRITE 2u
#define CMD_ACL_K_ALL	3u

/* ACLCheckAllPerm() results */
enum cmd_acl_verdict {
	CMD_ACL_OK = 0,
	CMD_ACL_DENIED_CMD,
	CMD_ACL_DENIED_KEY,
	CMD_ACL_DENIED_AUTH,
	CMD_ACL_DENIED_CHANNEL,
};

struct cmd_acl_pat {
	uint8_t flags; /* CMD_ACL_K_* (channels: 0) */
	uint32_t len;
	char *s; /* NUL-terminated copy */
};

struct cmd_acl_firstarg {
	uint32_t id; /* the command's row */
	char *arg;
};

struct cmd_acl_rules {
	uint32_t flags; /* CMD_ACL_F_* */
	uint64_t allowed[CMD_ACL_WORDS];
	uint32_t n_pass, n_keys, n_chans, n_first;
	char (*pass)[CMD_ACL_HASH_HEX + 1];
	struct cmd_acl_pat *keys;
	struct cmd_acl_pat *chans;
	struct cmd_acl_firstarg *first; /* +select|0: first arguments of a denied command */
};

/** A new user's rules (off, no password, no keys, no channels, -@all). */
void cmd_acl_rules_init(struct cmd_acl_rules *r);
/** The default user's: on nopass ~* &* +@all. @return 0 or -ENOMEM. */
int cmd_acl_rules_init_default(struct cmd_acl_rules *r);
/** Deep copy into @p dst (uninitialised). @return 0 or -ENOMEM (dst then empty). */
int cmd_acl_rules_copy(struct cmd_acl_rules *dst, const struct cmd_acl_rules *src);
void cmd_acl_rules_fini(struct cmd_acl_rules *r);

/**
 * ACLSetUser(): apply one modifier (an empty one does nothing).
 * @return 0, or -errno as Redis sets it: -ENOENT unknown command or
 * category, -EINVAL syntax, -EEXIST key pattern after allkeys, -EISDIR
 * channel after allchannels, -ENODEV no such password, -EBADMSG bad hash,
 * -ECHILD first-arg of a subcommand, -ENOTSUP selectors, -ENOMEM.
 */
int cmd_acl_rules_apply(struct cmd_acl_rules *r, const uint8_t *op, size_t len);
/** ACLSetUserStringError() of a cmd_acl_rules_apply() result. */
const char *cmd_acl_strerror(int rc);

/** ACLDescribeUser() (without "user NAME "), appended to @p out. */
void cmd_acl_rules_describe(const struct cmd_acl_rules *r, struct rw_buf *out);
/** ACLDescribeSelectorCommandRules(): "+@all -debug", appended. */
void cmd_acl_rules_describe_cmds(const struct cmd_acl_rules *r, struct rw_buf *out);
/** ACL GETUSER's keys ("~* " aside: "~a %R~b") and channels ("&a &b"), appended. */
void cmd_acl_rules_describe_keys(const struct cmd_acl_rules *r, struct rw_buf *out);
void cmd_acl_rules_describe_chans(const struct cmd_acl_rules *r, struct rw_buf *out);

/** May these rules run anything on any key and channel (+@all ~* &*)? */
bool cmd_acl_rules_unrestricted(const struct cmd_acl_rules *r);
/** ACLCheckUserCredentials()'s password part: nopass, or a matching hash. */
bool cmd_acl_rules_pass_ok(const struct cmd_acl_rules *r, const uint8_t *pass, size_t len);
/** ACLHashPassword(): SHA-256 of @p pass in lower-case hex into @p hex. */
void cmd_acl_hash(const uint8_t *pass, size_t len, char hex[CMD_ACL_HASH_HEX + 1]);

/**
 * ACLCheckAllUserCommandPerm() for @p d (a subcommand's own entry when
 * the command has one) called with @p argv: the command bit or first
 * argument, then every key its key specs name (the positions and flags
 * COMMAND GETKEYSANDFLAGS reports), then its channels.
 * @return the verdict; *@p errpos the argument of a refused key/channel.
 */
enum cmd_acl_verdict cmd_acl_rules_check(const struct cmd_acl_rules *r, const struct cmd_def *d,
					 const struct resp_arg *argv, uint32_t argc,
					 uint32_t *errpos);

/** ACL CAT: the category names, NULL-terminated. */
extern const char *const cmd_acl_categories[];
/** The commands of category @p cat ("config|get" for subcommands), each to @p fn. @return -1
 * if the category is unknown. */
int cmd_acl_category_commands(const char *cat, size_t len, void (*fn)(void *arg, const char *name),
			      void *arg);

#endif
