/*
 * Configuration loader: defaults, then one file in redis.conf syntax, then
 * Redis-style command-line overrides, then "%n" expansion.
 *
 * Where it sits: the first thing both processes do at boot (single
 * threaded); the result is immutable afterwards.
 *
 * Spec: Redis 7.0.15 config.c loadServerConfigFromString() and server.c
 * main(). A line is trimmed of " \t\r\n", skipped when empty or starting
 * with '#', and split with sdssplitargs() (resp_split_args(), so quoting
 * rules are the ones clients already know from inline commands). Directive
 * names are case-insensitive; a '#' after the first word is not a comment.
 * Numbers follow string2ll(), memory sizes memtoull(), booleans yes/no.
 *
 * Errors name the place and the cause in one line ("redwire.conf:12:
 * unknown directive 'foo'") because boot is the one place allowed to fail
 * fast, and an operator should not need the source to fix a config.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "resp.h"

#define CFG_NAME_MAX 64 /* redwire-name: it names files and directories */

struct cfg_load {
	struct rw_config *cfg;
	const char *file; /* NULL while applying command-line overrides */
	int line;
	bool save_loaded;   /* the first "save" replaces the default, later ones add */
	bool defaults_done; /* later values come from the file or the command line */
	rw_config_log_fn *warn;
	void *warn_arg;
	char *err;
	size_t errlen;
};

static int load_fail(struct cfg_load *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int load_fail(struct cfg_load *ld, const char *fmt, ...)
{
	char cause[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	if (ld->file != NULL)
		snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->file, ld->line, cause);
	else
		snprintf(ld->err, ld->errlen, "(command line): %s", cause);
	return -EINVAL;
}

/* ------------------------------------------------------------------------ */
/* values                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * memtoull(): digits then an optional unit, nothing else. Like Redis, a unit
 * alone ("kb") or an empty string reads as 0.
 * @return 0 or -1.
 */
static int cfg_memtoull(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {{"", 1},		{"b", 1},
		     {"k", 1000},	{"kb", 1024},
		     {"m", 1000000},	{"mb", 1024 * 1024},
		     {"g", 1000000000}, {"gb", 1024ull * 1024 * 1024}};
	const char *u = s;
	uint64_t v = 0, mul = 0;

	while (*u >= '0' && *u <= '9')
		u++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(u, units[i].unit) == 0)
			mul = units[i].mul;
	if (mul == 0)
		return -1;
	for (const char *p = s; p < u; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int set_bool(struct cfg_load *ld, const struct cfg_desc *d, const char *v)
{
	if (strcasecmp(v, "yes") == 0)
		*cfg_bool(ld->cfg, d) = true;
	else if (strcasecmp(v, "no") == 0)
		*cfg_bool(ld->cfg, d) = false;
	else
		return load_fail(ld, "invalid value '%s' for '%s': must be yes or no", v, d->name);
	/* stock redis.conf files often say yes; refusing them would block bringing one over */
	if (strcmp(d->name, "daemonize") == 0 && *cfg_bool(ld->cfg, d)) {
		*cfg_bool(ld->cfg, d) = false;
		if (ld->warn != NULL)
			ld->warn(ld->warn_arg,
				 "directive 'daemonize yes' ignored: Redwire does not "
				 "daemonize, ./redwire supervises the processes");
	}
	return 0;
}

static int set_int(struct cfg_load *ld, const struct cfg_desc *d, const char *v)
{
	int64_t n;
	if (!resp_str_to_i64((const uint8_t *)v, strlen(v), &n) || n < d->min || n > d->max)
		return load_fail(ld,
				 "invalid value '%s' for '%s': must be an integer between %" PRId64
				 " and %" PRId64,
				 v, d->name, d->min, d->max);
	*cfg_int(ld->cfg, d) = n;
	return 0;
}

static int set_memory(struct cfg_load *ld, const struct cfg_desc *d, const char *v)
{
	uint64_t n;
	if (cfg_memtoull(v, &n) != 0 || n < (uint64_t)d->min || n > (uint64_t)d->max)
		return load_fail(ld,
				 "invalid value '%s' for '%s': must be a size between %" PRId64
				 " and %" PRId64 " bytes, with an optional unit k kb m mb g gb",
				 v, d->name, d->min, d->max);
	*cfg_int(ld->cfg, d) = (int64_t)n;
	if (ld->defaults_done && strcmp(d->name, "maxmemory") == 0)
		ld->cfg->maxmemory_given = true;
	return 0;
}

static bool name_is_valid(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > CFG_NAME_MAX || v[0] == '.')
		return false;
	return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The closed sets, in the order Redis's CONFIG SET error lists them. */
static const struct {
	const char *name;
	const char *const *values;
} cfg_enums[] = {
    {"loglevel", (const char *const[]){"debug", "verbose", "notice", "warning", NULL}},
    {"maxmemory-policy",
     (const char *const[]){"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
			   "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction", NULL}},
    {"appendfsync", (const char *const[]){"always", "everysec", "no", NULL}},
    {"redwire-port-offload", (const char *const[]){"auto", "no", "strict", NULL}},
    {"redwire-pipeline-order", (const char *const[]){"strict", "relaxed", NULL}},
};

const char *const *rw_config_enum_values(const char *name)
{
	for (size_t i = 0; i < sizeof(cfg_enums) / sizeof(cfg_enums[0]); i++)
		if (strcasecmp(name, cfg_enums[i].name) == 0)
			return cfg_enums[i].values;
	return NULL;
}

/* String directives whose values are a closed set or name files. */
static int check_string(struct cfg_load *ld, const struct cfg_desc *d, const char *v)
{
	const char *const *vals = rw_config_enum_values(d->name);
	if (vals != NULL) {
		char list[256];
		size_t n = 0;
		for (size_t i = 0; vals[i] != NULL; i++) {
			if (strcasecmp(v, vals[i]) == 0)
				return 0;
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
					      vals[i]);
		}
		return load_fail(ld, "invalid value '%s' for '%s': must be one of %s", v, d->name,
				 list);
	}
	/* Redis 7.0: "appendfilename can't be a path, just a filename"; names that the
	 * manifest would have to quote are refused too */
	if ((strcmp(d->name, "appendfilename") == 0 || strcmp(d->name, "appenddirname") == 0) &&
	    (!name_is_valid(v) || strcmp(v, "..") == 0))
		return load_fail(ld,
				 "invalid value '%s' for '%s': must be a file name (not a path) of "
				 "1-%d characters of A-Z a-z 0-9 . _ - not starting with '.'",
				 v, d->name, CFG_NAME_MAX);
	const char *why = NULL;
	int64_t mp;
	double pct[RW_CONFIG_PERCENTILES_MAX];
	size_t n_pct;
	if (strcmp(d->name, "maxmemory-clients") == 0 && rw_config_mempct_parse(v, &mp, &why) != 0)
		return load_fail(ld,
				 "invalid value '%s' for 'maxmemory-clients': %s (bytes with an "
				 "optional unit, or 0%%-100%% of maxmemory)",
				 v, why);
	if (strcmp(d->name, "latency-tracking-info-percentiles") == 0 &&
	    rw_config_percentiles_parse(v, pct, RW_CONFIG_PERCENTILES_MAX, &n_pct, &why) != 0)
		return load_fail(ld, "invalid value '%s' for '%s': %s", v, d->name, why);
	if (strcmp(d->name, "redwire-name") == 0 && !name_is_valid(v))
		return load_fail(ld,
				 "invalid value '%s' for 'redwire-name': must be 1-%d characters "
				 "of A-Z a-z 0-9 . _ - not starting with '.'",
				 v, CFG_NAME_MAX);
	return 0;
}

static int set_string(struct cfg_load *ld, const struct cfg_desc *d, const char *v)
{
	int rc = check_string(ld, d, v);
	if (rc != 0)
		return rc;
	char *copy = strdup(v);
	if (copy == NULL)
		return -ENOMEM;
	if (rw_config_enum_values(d->name) != NULL)
		for (char *p = copy; *p; p++)
			*p = (char)(*p | 0x20); /* enum names are stored lower case */
	char **slot = cfg_str(ld->cfg, d);
	free(*slot);
	*slot = copy;
	return 0;
}

static int set_value(struct cfg_load *ld, const struct cfg_desc *d, const char *v)
{
	switch (d->type) {
	case RW_CFG_BOOL:
		return set_bool(ld, d, v);
	case RW_CFG_INT:
		return set_int(ld, d, v);
	case RW_CFG_MEMORY:
		return set_memory(ld, d, v);
	default:
		return set_string(ld, d, v);
	}
}

/* ------------------------------------------------------------------------ */
/* multi-word directives                                                    */
/* ------------------------------------------------------------------------ */

/* Join argv[0..argc) with single spaces into a fresh string. */
static char *join_words(int argc, char **argv)
{
	size_t n = 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = malloc(n);
	if (s == NULL)
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/*
 * setConfigSaveOption(): `save ""` clears the points; otherwise pairs of
 * <seconds >= 1> <changes >= 0>. While loading (file and overrides alike)
 * the first save line replaces the default and later ones add points.
 */
static int set_save(struct cfg_load *ld, const struct cfg_desc *d, int argc, char **argv)
{
	char **slot = cfg_str(ld->cfg, d);
	char *joined;

	if (argc == 1 && argv[0][0] == '\0')
		argc = 0;
	if (argc % 2 != 0)
		goto invalid;
	for (int j = 0; j < argc; j++) {
		char *end;
		long long v = strtoll(argv[j], &end, 10);
		if (argv[j][0] == '\0' || *end != '\0' || v < (j % 2 == 0 ? 1 : 0))
			goto invalid;
	}
	if (!ld->save_loaded || argc == 0) {
		ld->save_loaded = true;
		(*slot)[0] = '\0';
	}
	if (argc == 0)
		return 0;
	joined = join_words(argc, argv);
	if (joined != NULL && (*slot)[0] != '\0') {
		char *both[2] = {*slot, joined};
		char *all = join_words(2, both);
		free(joined);
		joined = all;
	}
	if (joined == NULL)
		return -ENOMEM;
	free(*slot);
	*slot = joined;
	return 0;
invalid:
	joined = join_words(argc, argv);
	int rc = load_fail(ld,
			   "invalid value '%s' for 'save': must be pairs of <seconds> <changes> "
			   "(seconds >= 1, changes >= 0), or \"\" to disable",
			   joined ? joined : "");
	free(joined);
	return rc;
}

/* bind and latency-tracking-info-percentiles take several words on one
 * line, as in Redis. */
static int set_words(struct cfg_load *ld, const struct cfg_desc *d, int argc, char **argv)
{
	char *joined = join_words(argc, argv);
	if (joined == NULL)
		return -ENOMEM;
	int rc = set_string(ld, d, joined);
	free(joined);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* directives                                                               */
/* ------------------------------------------------------------------------ */

/* Redis 7.0's aliases of directives in the table (the ziplist names). */
static const char *alias_target(const char *name)
{
	static const char *const aliases[][2] = {
	    {"list-max-ziplist-size", "list-max-listpack-size"},
	    {"zset-max-ziplist-entries", "zset-max-listpack-entries"},
	    {"zset-max-ziplist-value", "zset-max-listpack-value"},
	};
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i][0]) == 0)
			return aliases[i][1];
	return name;
}

/* "user NAME RULE...": kept for the dataplane's ACL (dataplane/cmd/cmd_acl.c
 * checks the rules at boot). */
static int add_user(struct cfg_load *ld, int argc, char **argv)
{
	struct rw_config *cfg = ld->cfg;
	if (argc < 1)
		return load_fail(ld, "wrong number of arguments for 'user'");
	char ***users = realloc(cfg->users, (cfg->n_users + 1) * sizeof(*users));
	if (users == NULL)
		return -ENOMEM;
	cfg->users = users;
	char **v = calloc((size_t)argc + 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	users[cfg->n_users++] = v;
	for (int i = 0; i < argc; i++)
		if ((v[i] = strdup(argv[i])) == NULL)
			return -ENOMEM;
	return 0;
}

/* argv[0] is the directive, lower-cased by the caller. */
static int apply_directive(struct cfg_load *ld, int argc, char **argv)
{
	const char *name = argv[0];
	const struct cfg_desc *d = cfg_find(alias_target(name));

	if (d != NULL) {
		if (strcmp(d->name, "save") == 0)
			return set_save(ld, d, argc - 1, argv + 1);
		if ((strcmp(d->name, "bind") == 0 ||
		     strcmp(d->name, "latency-tracking-info-percentiles") == 0) &&
		    argc >= 2)
			return set_words(ld, d, argc - 1, argv + 1);
		if (argc != 2)
			return load_fail(ld, "wrong number of arguments for '%s'", d->name);
		return set_value(ld, d, argv[1]);
	}
	if (strcmp(name, "include") == 0)
		return load_fail(ld, "'include' is not supported yet; copy the included "
				     "directives into this file");
	if (strcmp(name, "user") == 0)
		return add_user(ld, argc - 1, argv + 1);
	/* module configs ("mymodule.opt") belong to loadmodule, itself ignored */
	if (rw_config_redis_directive(name) || strchr(name, '.') != NULL) {
		if (ld->warn != NULL) {
			char msg[256];
			snprintf(msg, sizeof(msg),
				 "directive '%.64s' is a Redis directive Redwire does not "
				 "implement yet; ignored",
				 name);
			ld->warn(ld->warn_arg, msg);
		}
		return 0;
	}
	return load_fail(ld, "unknown directive '%s'", name);
}

/*
 * Split @p line (trimmed, modified in place) and apply it. Arguments are
 * copied into one block of NUL-terminated strings because table values are
 * C strings and resp_split_args() does not terminate them.
 */
static int apply_line(struct cfg_load *ld, char *line)
{
	uint8_t *p = (uint8_t *)line;
	size_t n = strlen(line);
	int64_t argc = resp_split_args(p, n, NULL, 0);
	if (argc < 0)
		return load_fail(ld, "unbalanced quotes in configuration line");
	if (argc == 0)
		return 0;

	struct resp_arg *args = calloc((size_t)argc, sizeof(*args));
	char **argv = calloc((size_t)argc, sizeof(*argv));
	char *store = malloc(n + (size_t)argc);
	int rc = -ENOMEM;
	if (args == NULL || argv == NULL || store == NULL)
		goto out;
	resp_split_args(p, n, args, (uint32_t)argc);
	char *w = store;
	for (int64_t i = 0; i < argc; i++) {
		argv[i] = w;
		memcpy(w, args[i].ptr, args[i].len);
		w[args[i].len] = '\0';
		w += args[i].len + 1;
	}
	for (char *c = argv[0]; *c; c++)
		*c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
	rc = argc > INT_MAX ? -E2BIG : apply_directive(ld, (int)argc, argv);
out:
	free(store);
	free(argv);
	free(args);
	return rc;
}

static char *trim(char *s)
{
	static const char blanks[] = " \t\r\n";
	s += strspn(s, blanks);
	size_t n = strlen(s);
	while (n > 0 && strchr(blanks, s[n - 1]) != NULL)
		s[--n] = '\0';
	return s;
}

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int rc = buf == NULL ? -ENOMEM : 0;
	while (rc == 0) {
		if (len + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				rc = -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			rc = ferror(f) ? -EIO : 1;
	}
	fclose(f);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[len] = '\0'; /* a NUL inside ends that line, as sdssplitargs() does */
	*out = buf;
	return 0;
}

static int load_file(struct cfg_load *ld, const char *path)
{
	char *text = NULL;
	int rc = read_file(path, &text);
	if (rc < 0) {
		snprintf(ld->err, ld->errlen, "cannot read config file '%s': %s", path,
			 strerror(-rc));
		return rc;
	}
	ld->file = path;
	char *next = text;
	ld->line = 0;
	while (rc == 0 && next != NULL) {
		char *line = next;
		ld->line++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line = trim(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		rc = apply_line(ld, line);
	}
	ld->file = NULL;
	free(text);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* command line                                                             */
/* ------------------------------------------------------------------------ */

static bool is_option(const char *a)
{
	return a[0] == '-' && a[1] == '-';
}

/*
 * Append ' "value"' escaped so that resp_split_args() gives @p v back as is
 * (Redis re-quotes with sdscatrepr() for the same reason). @p w needs room
 * for 4 bytes per input byte plus 4.
 */
static void append_quoted(char *w, const char *v)
{
	*w++ = ' ';
	*w++ = '"';
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			w += sprintf(w, "\\%c", *p);
		else if (*p < ' ' || *p == 0x7f)
			w += sprintf(w, "\\x%02x", *p);
		else
			*w++ = (char)*p;
	}
	*w++ = '"';
	*w = '\0';
}

/*
 * server.c main(): "--name" starts a directive and every following word is
 * a value until the next "--word" (a word right after the name is always a
 * value, so "--port --5" hands "--5" to port). "--save" with nothing after
 * it means `save ""`. "--port 7000" in one word is split like a file line.
 * @return the number of words consumed, or a negative errno.
 */
static int apply_option(struct cfg_load *ld, int argc, char **argv)
{
	size_t n = strlen(argv[0] + 2) + sizeof(" \"\"");
	for (int j = 1; j < argc; j++)
		n += strlen(argv[j]) * 4 + 3;
	char *line = malloc(n);
	if (line == NULL)
		return -ENOMEM;
	strcpy(line, argv[0] + 2);
	int j = 1;
	bool name_only = resp_split_args((uint8_t *)argv[0] + 2, strlen(argv[0] + 2), NULL, 0) == 1;
	bool save = strcasecmp(argv[0], "--save") == 0;
	/* 7.0.1 compatibility: "--save --port 1" and "--sentinel --port 1" */
	bool forced = name_only && !save && strcasecmp(argv[0], "--sentinel") != 0;
	for (; j < argc && (!is_option(argv[j]) || (j == 1 && forced)); j++)
		append_quoted(line + strlen(line), argv[j]);
	if (j == 1 && name_only && save)
		strcat(line, " \"\"");
	int rc = resp_split_args((uint8_t *)line, strlen(line), NULL, 0) == 0
		     ? load_fail(ld, "empty option '%s'", argv[0])
		     : apply_line(ld, line);
	free(line);
	return rc < 0 ? rc : j;
}

static int load_args(struct cfg_load *ld, int argc, char **argv)
{
	for (int j = 0; j < argc;) {
		if (!is_option(argv[j]))
			return load_fail(
			    ld, "unexpected argument '%s': options look like --port 7000", argv[j]);
		int used = apply_option(ld, argc - j, argv + j);
		if (used < 0)
			return used;
		j += used;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* defaults, %n, lifecycle                                                  */
/* ------------------------------------------------------------------------ */

static int load_defaults(struct cfg_load *ld)
{
	for (size_t i = 0; i < cfg_table_len; i++) {
		int rc = set_value(ld, &cfg_table[i], cfg_table[i].def);
		if (rc != 0)
			return rc;
	}
	ld->defaults_done = true;
	return 0;
}

/* Replace every "%n" in @p *slot by @p name. */
static int expand_name(char **slot, const char *name)
{
	size_t count = 0, nlen = strlen(name);
	for (const char *p = *slot; (p = strstr(p, "%n")) != NULL; p += 2)
		count++;
	if (count == 0)
		return 0;
	char *out = malloc(strlen(*slot) + count * nlen + 1), *w = out;
	if (out == NULL)
		return -ENOMEM;
	for (const char *p = *slot; *p;) {
		if (p[0] == '%' && p[1] == 'n') {
			memcpy(w, name, nlen);
			w += nlen;
			p += 2;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
	free(*slot);
	*slot = out;
	return 0;
}

static int expand_names(struct rw_config *cfg)
{
	for (size_t i = 0; i < cfg_table_len; i++) {
		if (cfg_table[i].type != RW_CFG_STRING)
			continue;
		int rc = expand_name(cfg_str(cfg, &cfg_table[i]), cfg->rw_name);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * What needs the whole file: bind is checked against redwire-address as
 * CONFIG SET checks it (a stock server fails to start when it cannot bind),
 * and hz is clamped to 1..500 as Redis clamps it (updateHZ()).
 */
static int load_finish(struct cfg_load *ld)
{
	struct rw_config *cfg = ld->cfg;
	bool own;
	const char *why;
	if (cfg->hz < 1)
		cfg->hz = 1;
	if (cfg->hz > 500)
		cfg->hz = 500;
	if (rw_config_bind_check(cfg->bind, cfg->rw_address, &own, &why) != 0) {
		char name[256];
		const char *gai = rw_config_bind_unresolved(cfg->bind, name, sizeof(name));
		if (gai != NULL) /* stock's two log lines, as it exits */
			snprintf(ld->err, ld->errlen,
				 "Could not create server TCP listening socket %s:%d: %s; Failed "
				 "listening on port %d (TCP), aborting.",
				 name, (int)cfg->port, gai, (int)cfg->port);
		else
			snprintf(ld->err, ld->errlen, "invalid value '%s' for 'bind': %s",
				 cfg->bind, why);
		return -EINVAL;
	}
	if (!own && ld->warn != NULL)
		ld->warn(ld->warn_arg, "bind does not cover redwire-address: no client on the "
				       "network can connect until CONFIG SET bind says so");
	return 0;
}

static int set_config_file(struct rw_config *cfg, const char *path)
{
	char *abs = path != NULL ? realpath(path, NULL) : NULL;
	if (abs == NULL)
		abs = strdup(path != NULL ? path : "");
	cfg->config_file = abs;
	return abs == NULL ? -ENOMEM : 0;
}

int rw_config_load(struct rw_config *cfg, const char *path, int argc, char **argv,
		   rw_config_log_fn *warn, void *warn_arg, char *err, size_t errlen)
{
	struct cfg_load ld = {
	    .cfg = cfg, .warn = warn, .warn_arg = warn_arg, .err = err, .errlen = errlen};
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (errlen > 0)
		err[0] = '\0';
	rc = load_defaults(&ld);
	if (rc == 0 && path != NULL)
		rc = load_file(&ld, path);
	if (rc == 0)
		rc = load_args(&ld, argc, argv);
	if (rc == 0)
		rc = load_finish(&ld);
	if (rc == 0)
		rc = expand_names(cfg);
	if (rc == 0)
		rc = set_config_file(cfg, path);
	if (rc == 0)
		return 0;
	if (errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "configuration: %s", strerror(-rc));
	rw_config_fini(cfg);
	return rc;
}

void rw_config_fini(struct rw_config *cfg)
{
	for (size_t i = 0; i < cfg_table_len; i++) {
		if (cfg_table[i].type != RW_CFG_STRING && cfg_table[i].type != RW_CFG_SECRET)
			continue;
		char **slot = cfg_str(cfg, &cfg_table[i]);
		free(*slot);
		*slot = NULL;
	}
	free(cfg->config_file);
	cfg->config_file = NULL;
	for (size_t i = 0; i < cfg->n_users; i++) {
		for (char **a = cfg->users[i]; *a != NULL; a++)
			free(*a);
		free(cfg->users[i]);
	}
	free(cfg->users);
	cfg->users = NULL;
	cfg->n_users = 0;
}
