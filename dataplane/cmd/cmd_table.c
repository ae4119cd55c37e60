/*
 * The command table and its lookup, plus the errors the dispatcher replies
 * before a handler runs (unknown command, wrong arity, unknown subcommand).
 *
 * The table is data, sorted by name: lookup lower-cases the name into a
 * small stack buffer and binary-searches (four probes for thirteen
 * commands; no hashing state to build, nothing to initialise per lcore).
 * Flags, arity and key positions are Redis 7.0.15's (see COMMAND INFO);
 * cmd_meta.c holds the rest of what COMMAND INFO/DOCS print.
 *
 * Context: any lcore; the table is immutable.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_int.h"

#define CMD_NAME_MAX 32 /* longer than any command name: a quick miss */

#define META(n) .meta_info = cmd_meta_info_##n, .meta_docs = cmd_meta_docs_##n

/* Subcommands carry their parent's handler: the parent dispatches. The
 * metadata of a subcommand is nested inside its parent's. */
#define SUB_FLAGS_CMD	 (CMD_LOADING | CMD_STALE)
#define SUB_FLAGS_CONFIG (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define SUB_ACL_CMD	 "@slow @connection"
#define SUB_ACL_CONFIG	 "@admin @slow @dangerous"

static const struct cmd_def command_subcmds[] = {
    {.name = "command|count",
     .arity = 2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|docs",
     .arity = -2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|getkeys",
     .arity = -4,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|getkeysandflags",
     .arity = -4,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|help",
     .arity = 2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|info",
     .arity = -2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|list",
     .arity = -2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
};

static const struct cmd_def config_subcmds[] = {
    {.name = "config|get",
     .arity = -3,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
    {.name = "config|help",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .fn = cmd_config,
     .acl_categories = "@slow"},
    {.name = "config|resetstat",
     .arity = 2,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
    {.name = "config|rewrite",
     .arity = 2,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
    {.name = "config|set",
     .arity = -4,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Sorted by name (a unit test checks). */
static const struct cmd_def cmd_defs[] = {
    {.name = "command",
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE | CMD_NOKEYS,
     .fn = cmd_command,
     .acl_categories = "@slow @connection",
     .group = "server",
     .summary = "Get array of Redis command details",
     .since = "2.8.13",
     .complexity = "O(N) where N is the total number of Redis commands",
     META(command),
     .subcmds = command_subcmds,
     .n_subcmds = N_OF(command_subcmds)},
    {.name = "config",
     .arity = -2,
     .flags = CMD_NOKEYS,
     .fn = cmd_config,
     .acl_categories = "@slow",
     .group = "server",
     .summary = "A container for server configuration commands",
     .since = "2.0.0",
     .complexity = "Depends on subcommand.",
     META(config),
     .subcmds = config_subcmds,
     .n_subcmds = N_OF(config_subcmds)},
    {.name = "dbsize",
     .arity = 1,
     .flags = CMD_READONLY | CMD_FAST | CMD_ALL_SHARDS_SUM,
     .fn = cmd_dbsize,
     .acl_categories = "@keyspace @read @fast",
     .group = "server",
     .summary = "Return the number of keys in the selected database",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(dbsize)},
    {.name = "del",
     .arity = -2,
     .flags = CMD_WRITE | CMD_KEYS_SUM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_del,
     .acl_categories = "@keyspace @write @slow",
     .group = "generic",
     .summary = "Delete a key",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed.",
     .key_flags = "RM delete",
     META(del)},
    {.name = "echo",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOKEYS,
     .fn = cmd_echo,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Echo the given string",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(echo)},
    {.name = "exists",
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST | CMD_KEYS_SUM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_exists,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary = "Determine if a key exists",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check.",
     .key_flags = "RO",
     META(exists)},
    {.name = "get",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_get,
     .acl_categories = "@read @string @fast",
     .group = "string",
     .summary = "Get the value of a key",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RO access",
     META(get)},
    {.name = "incr",
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_incr,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Increment the integer value of a key by one",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(incr)},
    {.name = "info",
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE | CMD_NOKEYS,
     .fn = cmd_info,
     .acl_categories = "@slow @dangerous",
     .group = "server",
     .summary = "Get information and statistics about the server",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(info)},
    {.name = "ping",
     .arity = -1,
     .flags = CMD_FAST | CMD_NOKEYS,
     .fn = cmd_ping,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Ping the server",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(ping)},
    {.name = "quit",
     .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY |
	      CMD_NOKEYS,
     .fn = cmd_quit,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Close the connection",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(quit)},
    {.name = "select",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOKEYS,
     .fn = cmd_select,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Change the selected database for the current connection",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(select)},
    {.name = "set",
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_set,
     .acl_categories = "@write @string @slow",
     .group = "string",
     .summary = "Set the string value of a key",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "OW update",
     META(set)},
};

const struct cmd_def *cmd_table(size_t *n)
{
	*n = N_OF(cmd_defs);
	return cmd_defs;
}

/* Lower-case @p name into @p buf. @return false if it cannot be a name. */
static bool name_fold(const uint8_t *name, size_t len, char buf[CMD_NAME_MAX])
{
	if (len == 0 || len >= CMD_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = name[i];
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[len] = '\0';
	return true;
}

/* Binary search of a sorted table; @p skip bytes of each name are a
 * prefix ("config|") the key does not carry. */
static const struct cmd_def *table_search(const struct cmd_def *t, size_t n, size_t skip,
					  const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, t[mid].name + skip);
		if (c == 0)
			return &t[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct cmd_def *cmd_lookup(const uint8_t *name, size_t len)
{
	char key[CMD_NAME_MAX];
	if (!name_fold(name, len, key))
		return NULL;
	return table_search(cmd_defs, N_OF(cmd_defs), 0, key);
}

const struct cmd_def *cmd_subcmd_lookup(const struct cmd_def *parent, const uint8_t *name,
					size_t len)
{
	char key[CMD_NAME_MAX];
	if (parent->n_subcmds == 0 || !name_fold(name, len, key))
		return NULL;
	return table_search(parent->subcmds, parent->n_subcmds, strlen(parent->name) + 1, key);
}

bool cmd_arity_ok(const struct cmd_def *d, uint32_t argc)
{
	if (d->arity >= 0)
		return argc == (uint32_t)d->arity;
	return argc >= (uint32_t)-d->arity;
}

/* ---- errors replied before a handler runs ---- */

/*
 * Redis formats arguments with "%.*s", so an argument stops at its first
 * NUL byte, and rejectCommandFormat() turns CR and LF into spaces so the
 * error stays one RESP line.
 */
static size_t arg_clip(const struct resp_arg *a, size_t max)
{
	size_t n = a->len < max ? a->len : max;
	const void *nul = memchr(a->ptr, '\0', n);
	return nul != NULL ? (size_t)((const uint8_t *)nul - a->ptr) : n;
}

static void append_clean(struct rw_buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i] == '\r' || p[i] == '\n' ? ' ' : p[i];
		rw_buf_append(b, &c, 1);
	}
}

void cmd_reply_unknown(struct rw_buf *out, const struct resp_arg *argv, uint32_t argc)
{
	/* server.c processCommand(): the name to 128 bytes, then quoted
	 * arguments while the list is under 128 bytes. */
	rw_buf_append(out, "-ERR unknown command '", 22);
	append_clean(out, argv[0].ptr, arg_clip(&argv[0], 128));
	rw_buf_append(out, "', with args beginning with: ", 29);
	size_t args_len = 0;
	for (uint32_t i = 1; i < argc && args_len < 128; i++) {
		size_t n = arg_clip(&argv[i], 128 - args_len);
		rw_buf_append(out, "'", 1);
		append_clean(out, argv[i].ptr, n);
		rw_buf_append(out, "' ", 2);
		args_len += n + 3;
	}
	rw_buf_append(out, "\r\n", 2);
}

void cmd_reply_arity(struct rw_buf *out, const struct cmd_def *d)
{
	resp_w_errorf(out, "ERR wrong number of arguments for '%s' command", cmd_fullname(d));
}

const struct cmd_def *cmd_subcmd_resolve(struct cmd_ctx *ctx, const struct cmd_def *parent)
{
	const struct resp_arg *sub = &ctx->argv[1];
	const struct cmd_def *d = cmd_subcmd_lookup(parent, sub->ptr, sub->len);
	if (d == NULL) {
		/* "unknown subcommand '%.128s'. Try %s HELP." with the command
		 * name as typed, upper-cased. */
		rw_buf_append(ctx->out, "-ERR unknown subcommand '", 25);
		append_clean(ctx->out, sub->ptr, arg_clip(sub, 128));
		rw_buf_append(ctx->out, "'. Try ", 7);
		const struct resp_arg *a0 = &ctx->argv[0];
		for (size_t i = 0; i < arg_clip(a0, a0->len); i++) {
			uint8_t c = a0->ptr[i];
			c = c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
			append_clean(ctx->out, &c, 1);
		}
		rw_buf_append(ctx->out, " HELP.\r\n", 8);
		return NULL;
	}
	if (!cmd_arity_ok(d, ctx->argc)) {
		cmd_reply_arity(ctx->out, d);
		return NULL;
	}
	return d;
}

void cmd_execute(const struct cmd_def *d, struct cmd_ctx *ctx)
{
	d->fn(ctx);
}

const struct cmd_def *cmd_call(struct cmd_ctx *ctx)
{
	const struct cmd_def *d = cmd_lookup(ctx->argv[0].ptr, ctx->argv[0].len);
	if (d == NULL) {
		cmd_reply_unknown(ctx->out, ctx->argv, ctx->argc);
		return NULL;
	}
	if (!cmd_arity_ok(d, ctx->argc)) {
		cmd_reply_arity(ctx->out, d);
		return NULL;
	}
	cmd_execute(d, ctx);
	return d;
}
