/*
 * COMMAND and its subcommands: COUNT, LIST, INFO, DOCS, GETKEYS,
 * GETKEYSANDFLAGS, HELP.
 *
 * INFO and DOCS replay stock redis-server 7.0.15's metadata (cmd_meta.c,
 * captured in RESP3). For a RESP2 client the fragments are transcoded on
 * the fly: RESP3 maps (%n) become flat arrays (*2n) and sets (~n) become
 * arrays (*n); everything else in these replies (arrays, bulk and simple
 * strings, integers) is the same in both protocols. The transcoder works
 * line by line and only has to step over bulk payloads, which may contain
 * any byte.
 *
 * Context: the connection's worker lcore; not on the hot path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd_int.h"

/* ---- RESP3 fragment walking ---- */

static const char *line_end(const char *p)
{
	return strstr(p, "\r\n");
}

/* @return the start of the value after the one at @p p. */
static const char *meta_skip(const char *p)
{
	const char *eol = line_end(p);
	long n = strtol(p + 1, NULL, 10);
	const char *next = eol + 2;
	switch (p[0]) {
	case '$':
		return n < 0 ? next : next + n + 2;
	case '%':
		n *= 2;
		/* fall through */
	case '*':
	case '~':
		for (long i = 0; i < n; i++)
			next = meta_skip(next);
		return next;
	default:
		return next;
	}
}

/* Write the values in [p, end) for @p proto. */
static void meta_write(struct rw_buf *out, const char *p, const char *end, enum resp_proto proto)
{
	if (proto == RESP_PROTO_3) {
		rw_buf_append(out, p, (size_t)(end - p));
		return;
	}
	while (p < end) {
		const char *eol = line_end(p);
		long n = strtol(p + 1, NULL, 10);
		const char *next = eol + 2;
		if (p[0] == '%')
			resp_w_array(out, 2 * n);
		else if (p[0] == '~')
			resp_w_array(out, n);
		else if (p[0] == '$' && n >= 0)
			next += n + 2; /* the payload may hold any byte: copy it whole */
		if (p[0] != '%' && p[0] != '~')
			rw_buf_append(out, p, (size_t)(next - p));
		p = next;
	}
}

/* Is the bulk string at @p p equal to @p s? */
static bool meta_bulk_is(const char *p, const char *s)
{
	size_t n = strlen(s);
	const char *eol = line_end(p);
	return p[0] == '$' && (size_t)strtol(p + 1, NULL, 10) == n && strncmp(eol + 2, s, n) == 0;
}

/* The COMMAND INFO entry of subcommand @p full inside its parent's entry:
 * element 10 of the parent's 10-element array lists the subcommands. */
static const char *meta_info_sub(const char *parent, const char *full)
{
	const char *p = line_end(parent) + 2;
	for (int i = 0; i < 9; i++)
		p = meta_skip(p);
	long n = strtol(p + 1, NULL, 10);
	p = line_end(p) + 2;
	for (long i = 0; i < n; i++, p = meta_skip(p))
		if (meta_bulk_is(line_end(p) + 2, full))
			return p;
	return NULL;
}

/* The COMMAND DOCS value of @p full in its parent's "subcommands" map. */
static const char *meta_docs_sub(const char *parent, const char *full)
{
	long n = strtol(parent + 1, NULL, 10);
	const char *p = line_end(parent) + 2;
	for (long i = 0; i < n; i++) {
		bool is_subs = meta_bulk_is(p, "subcommands");
		p = meta_skip(p);
		if (!is_subs) {
			p = meta_skip(p);
			continue;
		}
		long m = strtol(p + 1, NULL, 10);
		p = line_end(p) + 2;
		for (long j = 0; j < m; j++) {
			bool hit = meta_bulk_is(p, full);
			p = meta_skip(p);
			if (hit)
				return p;
			p = meta_skip(p);
		}
		return NULL;
	}
	return NULL;
}

/* ---- name resolution: "get", "config|get" ---- */

struct cmd_ref {
	const struct cmd_def *d;
	const char *info; /* RESP3 fragment */
	const char *docs;
};

static bool resolve(const struct resp_arg *a, struct cmd_ref *r)
{
	const uint8_t *bar = memchr(a->ptr, '|', a->len);
	const struct cmd_def *top = cmd_lookup(a->ptr, bar ? (size_t)(bar - a->ptr) : a->len);
	if (top == NULL)
		return false;
	if (bar == NULL) {
		*r = (struct cmd_ref){top, top->meta_info, top->meta_docs};
		return true;
	}
	const struct cmd_def *sub =
	    cmd_subcmd_lookup(top, bar + 1, a->len - (size_t)(bar + 1 - a->ptr));
	if (sub == NULL)
		return false;
	*r = (struct cmd_ref){sub, meta_info_sub(top->meta_info, sub->name),
			      meta_docs_sub(top->meta_docs, sub->name)};
	return r->info != NULL && r->docs != NULL;
}

/* ---- subcommands ---- */

static void command_info(struct cmd_ctx *ctx, uint32_t first)
{
	enum resp_proto proto = cmd_proto(ctx);
	size_t n;
	const struct cmd_def *t = cmd_table(&n);
	if (ctx->argc <= first) {
		resp_w_array(ctx->out, (int64_t)n);
		for (size_t i = 0; i < n; i++)
			meta_write(ctx->out, t[i].meta_info, meta_skip(t[i].meta_info), proto);
		return;
	}
	resp_w_array(ctx->out, ctx->argc - first);
	for (uint32_t j = first; j < ctx->argc; j++) {
		struct cmd_ref r;
		if (resolve(&ctx->argv[j], &r))
			meta_write(ctx->out, r.info, meta_skip(r.info), proto);
		else
			resp_w_null(ctx->out, proto);
	}
}

static void docs_entry(struct cmd_ctx *ctx, const char *name, const char *docs)
{
	resp_w_bulk_cstr(ctx->out, name);
	meta_write(ctx->out, docs, meta_skip(docs), cmd_proto(ctx));
}

static void command_docs(struct cmd_ctx *ctx)
{
	enum resp_proto proto = cmd_proto(ctx);
	size_t n;
	const struct cmd_def *t = cmd_table(&n);
	if (ctx->argc == 2) {
		resp_w_map(ctx->out, (int64_t)n, proto);
		for (size_t i = 0; i < n; i++)
			docs_entry(ctx, t[i].name, t[i].meta_docs);
		return;
	}
	/* Unknown names are left out, so count the known ones first. */
	struct cmd_ref r;
	int64_t found = 0;
	for (uint32_t j = 2; j < ctx->argc; j++)
		found += resolve(&ctx->argv[j], &r);
	resp_w_map(ctx->out, found, proto);
	for (uint32_t j = 2; j < ctx->argc; j++)
		if (resolve(&ctx->argv[j], &r))
			docs_entry(ctx, r.d->name, r.docs);
}

/* Does @p d pass COMMAND LIST's FILTERBY? @p kind is 'm', 'a' or 'p'. */
static bool list_filter(const struct cmd_def *d, char kind, const struct resp_arg *arg)
{
	if (kind == 'm')
		return false; /* no modules */
	if (kind == 'p')
		return cmd_glob_match(arg->ptr, arg->len, (const uint8_t *)d->name, strlen(d->name),
				      true);
	/* ACLCAT: the category among "@a @b ..." */
	for (const char *c = d->acl_categories; c != NULL && (c = strchr(c, '@')) != NULL; c++) {
		size_t len = strcspn(c + 1, " ");
		if (len == arg->len && strncasecmp(c + 1, (const char *)arg->ptr, len) == 0)
			return true;
	}
	return false;
}

static void command_list(struct cmd_ctx *ctx)
{
	char kind = 0;
	const struct resp_arg *arg = NULL;
	if (ctx->argc == 5 && cmd_arg_is(&ctx->argv[2], "filterby")) {
		arg = &ctx->argv[4];
		kind = cmd_arg_is(&ctx->argv[3], "module")    ? 'm'
		       : cmd_arg_is(&ctx->argv[3], "aclcat")  ? 'a'
		       : cmd_arg_is(&ctx->argv[3], "pattern") ? 'p'
							      : 0;
	}
	if (ctx->argc != 2 && kind == 0) {
		resp_w_error(ctx->out, CMD_ERR_SYNTAX);
		return;
	}
	size_t n, total = 0;
	const struct cmd_def *t = cmd_table(&n);
	const struct cmd_def *hits[256];
	for (size_t i = 0; i < n; i++) {
		if ((kind == 0 || list_filter(&t[i], kind, arg)) && total < 256)
			hits[total++] = &t[i];
		for (uint32_t k = 0; k < t[i].n_subcmds; k++)
			if ((kind == 0 || list_filter(&t[i].subcmds[k], kind, arg)) && total < 256)
				hits[total++] = &t[i].subcmds[k];
	}
	resp_w_array(ctx->out, (int64_t)total);
	for (size_t i = 0; i < total; i++)
		resp_w_bulk_cstr(ctx->out, hits[i]->name);
}

int64_t cmd_keys_of(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc,
		    struct cmd_key_ref *out, size_t cap)
{
	int32_t last = d->last_key < 0 ? (int32_t)argc + d->last_key : d->last_key;
	int32_t step = d->key_step > 0 ? d->key_step : 1;
	int64_t n_fixed =
	    d->first_key > 0 && last >= d->first_key ? (last - d->first_key) / step + 1 : 0;
	int64_t nk = 0;
	uint32_t na = (uint32_t)d->numkeys_arg;
	if (na != 0 && (na >= argc || !resp_str_to_i64(argv[na].ptr, argv[na].len, &nk) || nk < 1 ||
			(uint64_t)nk >= argc - na))
		return -1;
	for (int64_t i = 0; i < n_fixed + nk && (size_t)i < cap; i++) {
		int32_t k = i < n_fixed ? d->first_key + (int32_t)i * step
					: (int32_t)(na + 1 + (uint32_t)(i - n_fixed));
		/* "spec0|spec1": one key spec per key position, the last repeats (RENAME) */
		const char *spec = d->key_flags ? d->key_flags : "";
		for (int32_t pos = d->first_key; pos < k && strchr(spec, '|') != NULL; pos += step)
			spec = strchr(spec, '|') + 1;
		out[i] = (struct cmd_key_ref){(uint32_t)k, spec, strcspn(spec, "|")};
	}
	return n_fixed + nk;
}

/* getKeysSubcommandImpl(): keys by first/last/step of the command given. */
static void command_getkeys(struct cmd_ctx *ctx, bool with_flags)
{
	const struct resp_arg *cargv = &ctx->argv[2];
	uint32_t cargc = ctx->argc - 2;
	const struct cmd_def *d = cmd_lookup(cargv[0].ptr, cargv[0].len);
	if (d != NULL && d->n_subcmds > 0 && cargc >= 2)
		d = cmd_subcmd_lookup(d, cargv[1].ptr, cargv[1].len);
	if (d == NULL) {
		resp_w_error(ctx->out, "ERR Invalid command specified");
		return;
	}
	if (d->first_key == 0 && d->numkeys_arg == 0) {
		resp_w_error(ctx->out, "ERR The command has no key arguments");
		return;
	}
	if (!cmd_arity_ok(d, cargc)) {
		resp_w_error(ctx->out, "ERR Invalid number of arguments specified for command");
		return;
	}
	int64_t n = cmd_keys_of(d, cargv, cargc, NULL, 0);
	struct cmd_key_ref *ks = n > 0 ? calloc((size_t)n, sizeof(*ks)) : NULL;
	if (n < 0 || (n > 0 && ks == NULL)) {
		resp_w_error(ctx->out, n < 0 ? "ERR Invalid arguments specified for command"
					     : "ERR out of memory");
		return;
	}
	cmd_keys_of(d, cargv, cargc, ks, (size_t)n);
	resp_w_array(ctx->out, n);
	for (int64_t i = 0; i < n; i++) {
		if (with_flags)
			resp_w_array(ctx->out, 2);
		resp_w_bulk(ctx->out, cargv[ks[i].pos].ptr, cargv[ks[i].pos].len);
		if (!with_flags)
			continue;
		/* addReplyFlagsForKeyArgs(): a set of status replies */
		char flags[64];
		int64_t nf = 1;
		snprintf(flags, sizeof(flags), "%.*s", (int)ks[i].spec_len, ks[i].spec);
		for (const char *c = flags; *c; c++)
			nf += *c == ' ';
		resp_w_set(ctx->out, flags[0] ? nf : 0, cmd_proto(ctx));
		char *save = NULL;
		for (char *tok = strtok_r(flags, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			resp_w_simple(ctx->out, tok);
	}
	free(ks);
}

static const char *const command_help[] = {
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
};

void cmd_command(struct cmd_ctx *ctx)
{
	if (ctx->argc == 1) {
		command_info(ctx, 1);
		return;
	}
	const struct cmd_def *sub =
	    cmd_subcmd_resolve(ctx, cmd_lookup((const uint8_t *)"command", 7));
	if (sub == NULL)
		return;
	const char *s = sub->name + strlen("command|");
	size_t n;
	if (strcmp(s, "count") == 0) {
		cmd_table(&n);
		resp_w_int(ctx->out, (int64_t)n);
	} else if (strcmp(s, "info") == 0) {
		command_info(ctx, 2);
	} else if (strcmp(s, "docs") == 0) {
		command_docs(ctx);
	} else if (strcmp(s, "list") == 0) {
		command_list(ctx);
	} else if (strcmp(s, "getkeys") == 0) {
		command_getkeys(ctx, false);
	} else if (strcmp(s, "getkeysandflags") == 0) {
		command_getkeys(ctx, true);
	} else {
		cmd_reply_help(ctx, command_help, sizeof(command_help) / sizeof(command_help[0]));
	}
}
