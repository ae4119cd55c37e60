/*
 * Connection and server commands: PING, ECHO, QUIT, SELECT, INFO, CONFIG.
 *
 * These run on the connection's own worker (CMD_NOKEYS). Replies match
 * redis-server 7.0.15; INFO's server section prints every field stock
 * prints, in its order, with Redwire's true values (redis_version stays
 * 7.0.15 because clients gate features on it; redwire_version follows).
 *
 * Context: a worker lcore. INFO and CONFIG allocate a scratch buffer; they
 * are not on the hot path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "cmd_int.h"
#include "store.h"

void cmd_ping(struct cmd_ctx *ctx)
{
	/* arity is -1, but pingCommand() itself refuses more than one argument */
	if (ctx->argc > 2)
		cmd_reply_arity(ctx->out, cmd_lookup((const uint8_t *)"ping", 4));
	else if (ctx->argc == 1)
		resp_w_simple(ctx->out, "PONG");
	else
		resp_w_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

void cmd_echo(struct cmd_ctx *ctx)
{
	resp_w_bulk(ctx->out, ctx->argv[1].ptr, ctx->argv[1].len);
}

void cmd_quit(struct cmd_ctx *ctx)
{
	resp_w_simple(ctx->out, "OK");
	ctx->client->close_after_reply = 1;
}

static uint32_t databases_of(const struct cmd_ctx *ctx)
{
	if (ctx->env != NULL && ctx->env->cfg != NULL)
		return (uint32_t)ctx->env->cfg->databases;
	return store_shard_databases(ctx->shard);
}

/* selectCommand(): getIntFromObjectOrReply(), then the DB range. */
void cmd_select(struct cmd_ctx *ctx)
{
	int64_t id;
	if (!resp_str_to_i64(ctx->argv[1].ptr, ctx->argv[1].len, &id)) {
		resp_w_error(ctx->out, CMD_ERR_NOT_INT);
		return;
	}
	if (id < INT32_MIN || id > INT32_MAX) {
		resp_w_error(ctx->out, "ERR value is out of range, value must between "
				       "-2147483648 and 2147483647");
		return;
	}
	if (id < 0 || (uint64_t)id >= databases_of(ctx)) {
		resp_w_error(ctx->out, "ERR DB index is out of range");
		return;
	}
	ctx->client->db = (uint32_t)id;
	resp_w_simple(ctx->out, "OK");
}

/* ---- HELLO ---- */

static bool hello_name_ok(const struct resp_arg *a)
{
	for (uint32_t i = 0; i < a->len; i++)
		if (a->ptr[i] < '!' || a->ptr[i] > '~')
			return false;
	return true;
}

/* The default user's credentials: any password while requirepass is unset
 * (Redis's "nopass" default user), else requirepass. */
static bool hello_auth_ok(const struct cmd_ctx *ctx, const struct resp_arg *user,
			  const struct resp_arg *pass)
{
	const char *want = ctx->env != NULL && ctx->env->cfg != NULL ? ctx->env->cfg->requirepass : "";
	if (user->len != 7 || strncasecmp((const char *)user->ptr, "default", 7) != 0)
		return false;
	return want[0] == '\0' ||
	       (strlen(want) == pass->len && memcmp(want, pass->ptr, pass->len) == 0);
}

static bool client_authenticated(const struct cmd_ctx *ctx)
{
	const char *want = ctx->env != NULL && ctx->env->cfg != NULL ? ctx->env->cfg->requirepass : "";
	return want[0] == '\0' || ctx->client->authenticated;
}

/* helloCommand() of 7.0: HELLO [protover [AUTH user pass] [SETNAME name]]. */
void cmd_hello(struct cmd_ctx *ctx)
{
	int64_t ver = 0;
	uint32_t j = 1;
	if (ctx->argc >= 2) {
		if (!resp_str_to_i64(ctx->argv[1].ptr, ctx->argv[1].len, &ver)) {
			resp_w_error(ctx->out, "ERR Protocol version is not an integer or out of range");
			return;
		}
		if (ver < 2 || ver > 3) {
			resp_w_error(ctx->out, "NOPROTO unsupported protocol version");
			return;
		}
		j = 2;
	}
	const struct resp_arg *user = NULL, *pass = NULL;
	for (; j < ctx->argc; j++) {
		uint32_t more = ctx->argc - 1 - j;
		const struct resp_arg *o = &ctx->argv[j];
		if (o->len == 4 && strncasecmp((const char *)o->ptr, "AUTH", 4) == 0 && more >= 2) {
			user = &ctx->argv[j + 1];
			pass = &ctx->argv[j + 2];
			j += 2;
		} else if (o->len == 7 && strncasecmp((const char *)o->ptr, "SETNAME", 7) == 0 && more) {
			if (!hello_name_ok(&ctx->argv[j + 1])) {
				resp_w_error(ctx->out, "ERR Client names cannot contain spaces, newlines "
						       "or special characters.");
				return;
			}
			j++;
		} else {
			resp_w_errorf(ctx->out, "ERR Syntax error in HELLO option '%.*s'", (int)o->len,
				      (const char *)o->ptr);
			return;
		}
	}
	if (user != NULL) {
		if (!hello_auth_ok(ctx, user, pass)) {
			resp_w_error(ctx->out,
				     "WRONGPASS invalid username-password pair or user is disabled.");
			return;
		}
		ctx->client->authenticated = 1;
	}
	if (!client_authenticated(ctx)) {
		resp_w_error(ctx->out, "NOAUTH HELLO must be called with the client already "
				       "authenticated, otherwise the HELLO <proto> AUTH <user> <pass> "
				       "option can be used to authenticate the client and select the "
				       "RESP protocol version at the same time");
		return;
	}
	if (ver != 0)
		ctx->client->proto = (uint8_t)ver;
	enum resp_proto proto = (enum resp_proto)ctx->client->proto;
	resp_w_map(ctx->out, 7, proto);
	resp_w_bulk_cstr(ctx->out, "server");
	resp_w_bulk_cstr(ctx->out, "redis");
	resp_w_bulk_cstr(ctx->out, "version");
	resp_w_bulk_cstr(ctx->out, "7.0.15");
	resp_w_bulk_cstr(ctx->out, "proto");
	resp_w_int(ctx->out, ctx->client->proto);
	resp_w_bulk_cstr(ctx->out, "id");
	resp_w_int(ctx->out, (int64_t)ctx->client->id);
	resp_w_bulk_cstr(ctx->out, "mode");
	resp_w_bulk_cstr(ctx->out, "standalone");
	resp_w_bulk_cstr(ctx->out, "role");
	resp_w_bulk_cstr(ctx->out, "master");
	resp_w_bulk_cstr(ctx->out, "modules");
	resp_w_array(ctx->out, 0);
}

/* ---- INFO ---- */

void cmd_env_init(struct cmd_env *env)
{
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(env->os, sizeof(env->os), "%s %s %s", u.sysname, u.release, u.machine);
	else
		snprintf(env->os, sizeof(env->os), "Linux");
}

static void add_line(struct rw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_line(struct rw_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) { /* a long path: format again, unclipped */
		if (rw_buf_reserve(b, (size_t)n + 3) != 0)
			return;
		va_start(ap, fmt);
		vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
		b->len += (size_t)n;
	} else {
		rw_buf_append(b, line, (size_t)n);
	}
	rw_buf_append(b, "\r\n", 2);
}

/* A stable id of this build, as redis_build_id is of Redis's. */
static uint64_t build_id(void)
{
	static const char s[] = "redwire-" RW_VERSION " " __VERSION__;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i + 1 < sizeof(s); i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
	return h;
}

/* genRedisInfoString("server"), field for field. */
static void info_server(const struct cmd_ctx *ctx, struct rw_buf *b)
{
	const struct cmd_env *env = ctx->env;
	uint64_t up_s =
	    ctx->now_ms > env->start_unix_ms ? (ctx->now_ms - env->start_unix_ms) / 1000 : 0;

	add_line(b, "# Server");
	add_line(b, "redis_version:7.0.15");
	add_line(b, "redis_git_sha1:00000000");
	add_line(b, "redis_git_dirty:0");
	add_line(b, "redis_build_id:%llx", (unsigned long long)build_id());
	add_line(b, "redis_mode:standalone");
	add_line(b, "os:%s", env->os);
	add_line(b, "arch_bits:%d", (int)(sizeof(long) * 8));
	add_line(b, "monotonic_clock:%s",
		 env->monotonic_clock ? env->monotonic_clock : "POSIX clock_gettime");
	add_line(b, "multiplexing_api:dpdk");
	add_line(b, "atomicvar_api:c11-builtin");
	add_line(b, "gcc_version:%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
	add_line(b, "process_id:%d", (int)env->pid);
	add_line(b, "process_supervised:no");
	add_line(b, "run_id:%s", env->run_id);
	add_line(b, "tcp_port:%lld", (long long)(env->cfg ? env->cfg->port : 0));
	add_line(b, "server_time_usec:%llu", (unsigned long long)ctx->now_us);
	add_line(b, "uptime_in_seconds:%llu", (unsigned long long)up_s);
	add_line(b, "uptime_in_days:%llu", (unsigned long long)(up_s / 86400));
	/* Redwire has no serverCron; expiry runs every loop. Report Redis's
	 * default so tools that read hz see a sane value. */
	add_line(b, "hz:10");
	add_line(b, "configured_hz:10");
	/* LRU_CLOCK(): seconds, 24 bits. */
	add_line(b, "lru_clock:%llu",
		 (unsigned long long)((ctx->now_ms / 1000) & ((1u << 24) - 1)));
	add_line(b, "executable:%s", env->executable ? env->executable : "");
	add_line(b, "config_file:%s", env->config_file ? env->config_file : "");
	add_line(b, "io_threads_active:0");
	add_line(b, "redwire_version:%s", RW_VERSION);
}

/* Section names select sections case-insensitively; "default", "all" and
 * "everything" select every section Redwire has (so far: server). */
static bool info_wants_server(const struct cmd_ctx *ctx)
{
	if (ctx->argc == 1)
		return true;
	for (uint32_t j = 1; j < ctx->argc; j++) {
		const struct resp_arg *a = &ctx->argv[j];
		if (cmd_arg_is(a, "server") || cmd_arg_is(a, "default") || cmd_arg_is(a, "all") ||
		    cmd_arg_is(a, "everything"))
			return true;
	}
	return false;
}

void cmd_info(struct cmd_ctx *ctx)
{
	struct rw_buf b = {0};
	if (info_wants_server(ctx))
		info_server(ctx, &b);
	resp_w_verbatim(ctx->out, b.data ? (const char *)b.data : "", b.len, cmd_proto(ctx));
	rw_buf_fini(&b);
}

/* ---- CONFIG ---- */

static const char *const config_names[] = {
#define CMD_CFG_NAME(field, name, type, def, min, max, desc) name,
    RW_CONFIG_TABLE(CMD_CFG_NAME)
#undef CMD_CFG_NAME
};

#define N_CONFIG (sizeof(config_names) / sizeof(config_names[0]))

/* The reply key of each matched directive: the argument as typed for an
 * exact name (as Redis does), the directive's own name for a pattern. */
struct config_match {
	const uint8_t *key;
	size_t key_len;
};

static void config_match_arg(const struct resp_arg *a, struct config_match *m)
{
	bool glob = false;
	for (uint32_t i = 0; i < a->len && !glob; i++)
		glob = a->ptr[i] == '*' || a->ptr[i] == '?' || a->ptr[i] == '[';
	for (size_t i = 0; i < N_CONFIG; i++) {
		const char *n = config_names[i];
		size_t nl = strlen(n);
		if (m[i].key != NULL)
			continue;
		if (glob && cmd_glob_match(a->ptr, a->len, (const uint8_t *)n, nl, true)) {
			m[i] = (struct config_match){(const uint8_t *)n, nl};
		} else if (!glob && a->len == nl && strncasecmp((const char *)a->ptr, n, nl) == 0) {
			m[i] = (struct config_match){a->ptr, a->len};
		}
	}
}

static void config_get(struct cmd_ctx *ctx)
{
	struct config_match m[N_CONFIG] = {0};
	int64_t n = 0;
	for (uint32_t j = 2; j < ctx->argc; j++)
		config_match_arg(&ctx->argv[j], m);
	for (size_t i = 0; i < N_CONFIG; i++)
		n += m[i].key != NULL;
	resp_w_map(ctx->out, n, cmd_proto(ctx));
	for (size_t i = 0; i < N_CONFIG; i++) {
		char val[4096];
		if (m[i].key == NULL)
			continue;
		if (ctx->env == NULL || ctx->env->cfg == NULL ||
		    rw_config_get(ctx->env->cfg, config_names[i], val, sizeof(val)) != 0)
			val[0] = '\0';
		resp_w_bulk(ctx->out, m[i].key, m[i].key_len);
		resp_w_bulk_cstr(ctx->out, val);
	}
}

static const char *const config_help[] = {
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
};

void cmd_reply_help(struct cmd_ctx *ctx, const char *const *lines, size_t n)
{
	resp_w_array(ctx->out, (int64_t)n);
	for (size_t i = 0; i < n; i++)
		resp_w_simple(ctx->out, lines[i]);
}

void cmd_config(struct cmd_ctx *ctx)
{
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"config", 6));
	if (sub == NULL)
		return;
	if (strcmp(sub->name, "config|get") == 0) {
		config_get(ctx);
	} else if (strcmp(sub->name, "config|help") == 0) {
		cmd_reply_help(ctx, config_help, sizeof(config_help) / sizeof(config_help[0]));
	} else {
		/* The configuration is immutable after boot (SET, REWRITE and
		 * RESETSTAT arrive with their own issues): answer as Redis does
		 * for a subcommand it does not know. */
		resp_w_errorf(ctx->out, "ERR unknown subcommand '%.*s'. Try CONFIG HELP.",
			      (int)(ctx->argv[1].len > 128 ? 128 : ctx->argv[1].len),
			      (const char *)ctx->argv[1].ptr);
	}
}
