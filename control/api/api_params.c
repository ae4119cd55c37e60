/*
 * GET /v1/parameters[/{name}]: every directive of platform/config's table
 * (RW_CONFIG_TABLE) with its type, current value, default, bounds and
 * description. The table is expanded here a second time, so this file
 * needs nothing private from platform/config: the values come through
 * rw_config_get(), like CONFIG GET's.
 *
 * Values are typed JSON: yes/no directives are booleans, numbers and
 * memory sizes are integers (bytes), everything else a string. A secret
 * that is set reads "(redacted)", as in the start-up echo. Every directive
 * applies at restart until run-time CONFIG SET lands (issue #4).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"

#define API_PARAM_REDACTED "(redacted)"

struct api_param {
	const char *name;
	enum rw_cfg_type type;
	const char *def;
	int64_t min, max;
	const char *desc;
};

static const struct api_param params[] = {
#define API_PARAM(field, name, type, def, min, max, desc) {name, type, def, min, max, desc},
    RW_CONFIG_TABLE(API_PARAM)
#undef API_PARAM
};

static const char *type_name(enum rw_cfg_type t)
{
	switch (t) {
	case RW_CFG_BOOL:
		return "boolean";
	case RW_CFG_INT:
		return "integer";
	case RW_CFG_MEMORY:
		return "memory";
	case RW_CFG_SECRET:
		return "secret";
	default:
		return "string";
	}
}

/* Redis's memory units, as the loader reads them: 1k 1kb 1m 1mb 1g 1gb. */
static int memory_parse(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s)
		return -EINVAL;
	static const struct {
		const char *unit;
		int64_t mul;
	} units[] = {{"", 1},
		     {"b", 1},
		     {"k", 1000},
		     {"kb", 1024},
		     {"m", 1000000},
		     {"mb", 1024 * 1024},
		     {"g", 1000000000LL},
		     {"gb", 1LL << 30}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit) == 0) {
			*out = (int64_t)v * units[i].mul;
			return 0;
		}
	}
	return -EINVAL;
}

/* "%n" in a default is the instance name, as the loader expands it. */
static char *default_expand(const char *def, const char *name)
{
	size_t n = 1;
	for (const char *p = def; *p; p++)
		n += p[0] == '%' && p[1] == 'n' ? strlen(name) : 1;
	char *s = malloc(n), *w = s;
	if (s == NULL)
		return NULL;
	for (const char *p = def; *p; p++) {
		if (p[0] == '%' && p[1] == 'n') {
			w = stpcpy(w, name);
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return s;
}

/* The JSON value of @p text in @p t's form (integers for numbers and memory). */
static json_t *typed_value(enum rw_cfg_type t, const char *text, bool is_default)
{
	int64_t v;
	switch (t) {
	case RW_CFG_BOOL:
		return json_boolean(strcasecmp(text, "yes") == 0);
	case RW_CFG_INT:
		return json_integer((json_int_t)strtoll(text, NULL, 10));
	case RW_CFG_MEMORY:
		if (memory_parse(text, &v) != 0)
			return json_string(text);
		return json_integer((json_int_t)v);
	case RW_CFG_SECRET:
		return json_string(text[0] != '\0' && !is_default ? API_PARAM_REDACTED : text);
	default:
		return json_string(text);
	}
}

static json_t *param_object(const struct api_ctx *ctx, const struct api_param *p)
{
	char value[1024];
	json_t *cur = json_null();
	if (ctx->cfg != NULL && rw_config_get(ctx->cfg, p->name, value, sizeof(value)) == 0)
		cur = typed_value(p->type, value, false);
	char *def = default_expand(p->def, ctx->name ? ctx->name : "");
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:b}", "name", p->name, "type",
			      type_name(p->type), "value", cur, "default",
			      def ? typed_value(p->type, def, true) : json_null(), "description",
			      p->desc, "apply", "restart", "secret", p->type == RW_CFG_SECRET);
	free(def);
	if (o != NULL && (p->type == RW_CFG_INT || p->type == RW_CFG_MEMORY)) {
		json_object_set_new(o, "minimum", json_integer((json_int_t)p->min));
		json_object_set_new(o, "maximum", json_integer((json_int_t)p->max));
	}
	return o;
}

json_t *api_params_list(const struct api_ctx *ctx, const char *arg, int *status)
{
	(void)arg;
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < sizeof(params) / sizeof(params[0]); i++)
		if (json_array_append_new(list, param_object(ctx, &params[i])) != 0) {
			json_decref(list);
			return NULL;
		}
	*status = 200;
	return json_pack("{s:o}", "parameters", list);
}

json_t *api_params_one(const struct api_ctx *ctx, const char *arg, int *status)
{
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		if (strcasecmp(params[i].name, arg) == 0) {
			*status = 200;
			return param_object(ctx, &params[i]);
		}
	}
	*status = 404;
	return json_pack("{s:s, s:s}", "error", "no such parameter", "name", arg);
}
