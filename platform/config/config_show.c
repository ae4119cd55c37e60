/*
 * The read side of the configuration: the directive table as data, CONFIG
 * GET-style lookup and the start-up echo.
 *
 * The echo is logfmt ("config port=6379"), one line per directive, so the
 * first lines of every log say exactly what the process runs with. Secrets
 * never reach a log: a set one prints as "(redacted)".
 *
 * Context: boot and the control plane's CONFIG GET; the config is immutable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

const struct cfg_desc cfg_table[] = {
#define RW_CFG_DESC(field, name, type, def, min, max, desc)                                        \
	{name, type, def, min, max, desc, offsetof(struct rw_config, field)},
    RW_CONFIG_TABLE(RW_CFG_DESC)
#undef RW_CFG_DESC
};
const size_t cfg_table_len = sizeof(cfg_table) / sizeof(cfg_table[0]);

/* Redis 7.0's aliases (config.c createXXXConfig(name, alias, ...)): the old
 * ziplist names set the same value. */
static const char *const cfg_aliases[][2] = {
    {"hash-max-ziplist-entries", "hash-max-listpack-entries"},
    {"hash-max-ziplist-value", "hash-max-listpack-value"},
};

const struct cfg_desc *cfg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cfg_aliases) / sizeof(cfg_aliases[0]); i++)
		if (strcasecmp(cfg_aliases[i][0], name) == 0)
			name = cfg_aliases[i][1];
	for (size_t i = 0; i < cfg_table_len; i++)
		if (strcasecmp(cfg_table[i].name, name) == 0)
			return &cfg_table[i];
	return NULL;
}

static int show_value(const struct rw_config *cfg, const struct cfg_desc *d, char *buf, size_t len)
{
	const char *field = (const char *)cfg + d->off;
	const char *str;
	int n;

	switch (d->type) {
	case RW_CFG_BOOL:
		n = snprintf(buf, len, "%s", *(const bool *)field ? "yes" : "no");
		break;
	case RW_CFG_INT:
	case RW_CFG_MEMORY:
		n = snprintf(buf, len, "%" PRId64, *(const int64_t *)field);
		break;
	default:
		str = *(char *const *)field;
		n = snprintf(buf, len, "%s", str ? str : "");
		break;
	}
	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}

int rw_config_get(const struct rw_config *cfg, const char *name, char *buf, size_t len)
{
	const struct cfg_desc *d = cfg_find(name);
	if (d == NULL)
		return -ENOENT;
	return show_value(cfg, d, buf, len);
}

/* logfmt value: bare when safe, else quoted with \" \\ and \xHH escapes. */
static void echo_quote(const char *v, char *out, size_t len)
{
	bool bare = v[0] != '\0';
	for (const char *p = v; *p && bare; p++)
		bare = *p > ' ' && *p != '"' && *p != '=' && *p != '\\' && *p != 0x7f;
	if (bare) {
		snprintf(out, len, "%s", v);
		return;
	}
	size_t w = 0;
	out[w++] = '"';
	for (const unsigned char *p = (const unsigned char *)v; *p && w + 6 < len; p++) {
		if (*p == '"' || *p == '\\')
			w += (size_t)snprintf(out + w, len - w, "\\%c", *p);
		else if (*p < ' ' || *p == 0x7f)
			w += (size_t)snprintf(out + w, len - w, "\\x%02x", *p);
		else
			out[w++] = (char)*p;
	}
	out[w++] = '"';
	out[w] = '\0';
}

void rw_config_echo(const struct rw_config *cfg, rw_config_log_fn *out, void *arg)
{
	char value[1024], quoted[4200], line[4300];

	for (size_t i = 0; i < cfg_table_len; i++) {
		const struct cfg_desc *d = &cfg_table[i];
		if (show_value(cfg, d, value, sizeof(value)) != 0)
			snprintf(value, sizeof(value), "(too long)");
		if (d->type == RW_CFG_SECRET && value[0] != '\0')
			snprintf(quoted, sizeof(quoted), "(redacted)");
		else
			echo_quote(value, quoted, sizeof(quoted));
		snprintf(line, sizeof(line), "config %s=%s", d->name, quoted);
		out(arg, line);
	}
	echo_quote(cfg->config_file ? cfg->config_file : "", quoted, sizeof(quoted));
	snprintf(line, sizeof(line), "config config-file=%s", quoted);
	out(arg, line);
}
