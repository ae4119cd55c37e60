/*
 * GET /v1/parameters[/{name}]: every directive of platform/config's table
 * (RW_CONFIG_TABLE) with its type, current value, default, bounds and
 * description. The table is expanded here a second time, so this file
 * needs nothing private from platform/config: the values come through
 * rw_config_get(), like CONFIG GET's.
 *
 * PATCH /v1/parameters/{name} changes a parameter the control plane itself
 * acts on (the failed-login limits: "apply": "immediate"), or sends a
 * dataplane parameter to the workers as CONFIG SET over the control channel
 * (cp_chan_config): the dataplane's CONFIG handler validates it, so a
 * refusal is a 400 carrying Redis's error text. A value the dataplane
 * reports wins over the boot configuration: the control plane's copy of its
 * values (cp_chan_config_cached), which the workers' CONFIG_NOTEs keep true,
 * so a read sends the workers nothing (issue #8); the notes waiting in the
 * rings are taken first (cp_chan_notes_take), so a CONFIG SET a client saw
 * acknowledged shows in the next read. Every PATCH needs
 * If-Match with the parameter's current ETag (RFC 9110 §13.1.1): 428 without it (RFC 6585 §3), 412
 * when it is stale, so two consoles cannot overwrite each other's change unseen. The ETag is a hash
 * of the name and the current value.
 *
 * PATCH /v1/parameters changes several at once, all or none: the
 * dataplane's as one CONFIG SET of every pair (Redis 7.0 checks them all
 * before it stores any), the control plane's checked before it. Its
 * If-Match is GET /v1/parameters's ETag, a hash over every value.
 *
 * Values are typed JSON: yes/no directives are booleans, numbers and
 * memory sizes are integers (bytes), everything else a string. A secret
 * that is set reads "(redacted)", as in the start-up echo. "apply" is
 * "immediate" for the control plane's own directives and for those the
 * attached dataplane's CONFIG SET changes (it lists them, with the values
 * an enumerated one allows: CHAN_MSG_CONFIG_LIST, asked once per dataplane
 * run), "restart" for the others (and for all of the dataplane's while
 * none is attached). A directive only the boot loader checks against a
 * closed set (redwire-port-offload; all of them while no dataplane is
 * attached) lists the set platform/config refuses others with.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <stdio.h>

#include "api_auth.h"
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

/* Parameters the control plane applies itself, at once. */
static bool param_live(const struct api_ctx *ctx, const struct api_param *p)
{
	return ctx->auth != NULL && (strcmp(p->name, "redwire-mgmt-auth-failures") == 0 ||
				     strcmp(p->name, "redwire-mgmt-auth-window") == 0);
}

/* The current value as text. @return false if there is none (no config). */
static bool param_text(const struct api_ctx *ctx, const struct api_param *p, char *buf, size_t len)
{
	if (param_live(ctx, p)) {
		bool failures = strcmp(p->name, "redwire-mgmt-auth-failures") == 0;
		snprintf(buf, len, "%u", failures ? ctx->auth->max_failures : ctx->auth->window_s);
		return true;
	}
	/* the dataplane's run-time value (a CONFIG SET may have changed it):
	 * the control plane's copy; worker 0 is asked only while there is none */
	if (ctx->chan != NULL && strncmp(p->name, "redwire-", 8) != 0 && p->type != RW_CFG_SECRET) {
		int rc = cp_chan_config_cached(ctx->chan, p->name, buf, len);
		if (rc == 0 ||
		    (rc == -EAGAIN && cp_chan_config(ctx->chan, false, p->name, "", buf, len) == 0))
			return true;
	}
	return ctx->cfg != NULL && rw_config_get(ctx->cfg, p->name, buf, len) == 0;
}

/* The dataplane's run-time directives (cp_chan_config_list), asked once per
 * dataplane run (its channel epoch). The event loop's alone. */
static struct {
	uint64_t epoch;
	bool have;
	char text[4096];
} rt_list;

static const char *runtime_list(const struct api_ctx *ctx)
{
	struct cp_chan_status st;
	api_chan_status(ctx, &st);
	if (!st.attached)
		return NULL;
	if (rt_list.have && rt_list.epoch == st.epoch)
		return rt_list.text;
	rt_list.have = cp_chan_config_list(ctx->chan, rt_list.text, sizeof(rt_list.text)) == 0;
	rt_list.epoch = st.epoch;
	return rt_list.have ? rt_list.text : NULL;
}

/* @p name's line in the list: true if CONFIG SET changes it; its allowed
 * values (after the space, comma separated) in @p vals, "" if any value. */
static bool runtime_line(const char *list, const char *name, char *vals, size_t len)
{
	size_t nl = strlen(name);
	for (const char *l = list; l != NULL && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t n = strcspn(l, " \n");
		if (n != nl || strncmp(l, name, nl) != 0)
			continue;
		vals[0] = '\0';
		if (l[n] == ' ')
			snprintf(vals, len, "%.*s", (int)strcspn(l + n + 1, "\n"), l + n + 1);
		return true;
	}
	return false;
}

static json_t *allowed_json(const char *vals)
{
	json_t *a = json_array();
	for (const char *v = vals; *v;) {
		size_t n = strcspn(v, ",");
		json_array_append_new(a, json_stringn(v, n));
		v += n + (v[n] == ',');
	}
	return a;
}

static json_t *allowed_strings(const char *const *vals)
{
	json_t *a = json_array();
	for (size_t i = 0; vals[i] != NULL; i++)
		json_array_append_new(a, json_string(vals[i]));
	return a;
}

static json_t *param_object(const struct api_ctx *ctx, const struct api_param *p)
{
	char vals[512] = "";
	bool runtime = param_live(ctx, p);
	const char *list = runtime ? NULL : runtime_list(ctx);
	if (list != NULL && runtime_line(list, p->name, vals, sizeof(vals)))
		runtime = true;
	char value[1024];
	json_t *cur = json_null();
	if (param_text(ctx, p, value, sizeof(value)))
		cur = typed_value(p->type, value, false);
	char *def = default_expand(p->def, ctx->name ? ctx->name : "");
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:b}", "name", p->name, "type",
			      type_name(p->type), "value", cur, "default",
			      def ? typed_value(p->type, def, true) : json_null(), "description",
			      p->desc, "apply", runtime ? "immediate" : "restart", "secret",
			      p->type == RW_CFG_SECRET);
	free(def);
	const char *const *boot_vals = rw_config_enum_values(p->name);
	if (o != NULL && vals[0] != '\0')
		json_object_set_new(o, "allowed", allowed_json(vals));
	else if (o != NULL && boot_vals != NULL) /* one the loader checks (restart to change) */
		json_object_set_new(o, "allowed", allowed_strings(boot_vals));
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

/* The hex digest's first 8 bytes, quoted as RFC 9110 §8.8.3 wants. */
static void etag_of(const unsigned char md[32], char *etag, size_t len)
{
	snprintf(etag, len, "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0], md[1], md[2], md[3],
		 md[4], md[5], md[6], md[7]);
}

/* The collection's ETag: SHA-256 over every "name=value\n", so any change
 * to any directive makes it stale (PATCH /v1/parameters). */
static void list_etag(const struct api_ctx *ctx, char *etag, size_t len)
{
	unsigned char md[32];
	unsigned n = sizeof(md);
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		char value[1024] = "";
		param_text(ctx, &params[i], value, sizeof(value));
		EVP_DigestUpdate(h, params[i].name, strlen(params[i].name));
		EVP_DigestUpdate(h, "=", 1);
		EVP_DigestUpdate(h, value, strlen(value));
		EVP_DigestUpdate(h, "\n", 1);
	}
	EVP_DigestFinal_ex(h, md, &n);
	EVP_MD_CTX_free(h);
	etag_of(md, etag, len);
}

json_t *api_params_get_list(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			    struct api_resp *resp)
{
	cp_chan_notes_take(ctx->chan);
	char etag[40];
	(void)call;
	list_etag(ctx, etag, sizeof(etag));
	snprintf(resp->extra, sizeof(resp->extra), "ETag: %s\r\n", etag);
	return api_params_list(ctx, arg, &resp->status);
}

static const struct api_param *param_find(const char *name)
{
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (strcasecmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

bool api_param_secret(const char *name)
{
	const struct api_param *p = param_find(name);
	return p != NULL && p->type == RW_CFG_SECRET;
}

json_t *api_params_one(const struct api_ctx *ctx, const char *arg, int *status)
{
	const struct api_param *p = param_find(arg);
	if (p != NULL) {
		*status = 200;
		return param_object(ctx, p);
	}
	*status = 404;
	return json_pack("{s:s, s:s}", "error", "no such parameter", "name", arg);
}

/* "\"<16 hex>\"": SHA-256 of name=value, quoted as RFC 9110 §8.8.3 wants. */
static void param_etag(const struct api_ctx *ctx, const struct api_param *p, char *etag, size_t len)
{
	char text[1200], value[1024] = "";
	unsigned char md[32];
	unsigned n = sizeof(md);
	param_text(ctx, p, value, sizeof(value));
	snprintf(text, sizeof(text), "%s=%s", p->name, value);
	EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL);
	etag_of(md, etag, len);
}

static void etag_header(const struct api_ctx *ctx, const struct api_param *p, struct api_resp *resp)
{
	char etag[40];
	param_etag(ctx, p, etag, sizeof(etag));
	snprintf(resp->extra, sizeof(resp->extra), "ETag: %s\r\n", etag);
}

json_t *api_params_get_one(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			   struct api_resp *resp)
{
	cp_chan_notes_take(ctx->chan);
	(void)call;
	json_t *j = api_params_one(ctx, arg, &resp->status);
	const struct api_param *p = param_find(arg);
	if (p != NULL)
		etag_header(ctx, p, resp);
	return j;
}

/* RFC 9110 §13.1.1: "*" or a list of entity tags, compared strongly. */
static bool if_match_ok(const char *field, const char *etag)
{
	size_t el = strlen(etag);
	for (const char *p = field; *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t n = strcspn(p, ",");
		size_t t = n;
		while (t > 0 && (p[t - 1] == ' ' || p[t - 1] == '\t'))
			t--;
		if ((t == 1 && p[0] == '*') || (t == el && strncmp(p, etag, el) == 0))
			return true;
		p += n;
	}
	return false;
}

/* The new value from {"value": 5} or {"value": "5"}. @return 0 or -EINVAL. */
static int patch_value(const struct api_call *call, const struct api_param *p, int64_t *v)
{
	json_error_t err;
	json_t *j = json_loadb(call->body ? call->body : "", call->body_len, 0, &err);
	json_t *val = json_object_get(j, "value");
	int rc = -EINVAL;
	if (json_is_integer(val)) {
		*v = json_integer_value(val);
		rc = 0;
	} else if (json_is_string(val)) {
		char *end;
		const char *s = json_string_value(val);
		*v = strtoll(s, &end, 10);
		rc = end != s && *end == '\0' ? 0 : -EINVAL;
	}
	json_decref(j);
	return rc == 0 && *v >= p->min && *v <= p->max ? 0 : -EINVAL;
}

/* A JSON value as CONFIG SET's text: 5 | "5mb" | true. @return 0 or -EINVAL. */
static int value_text(const json_t *val, char *buf, size_t len)
{
	if (json_is_integer(val))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
	else if (json_is_string(val))
		return snprintf(buf, len, "%s", json_string_value(val)) < (int)len ? 0 : -EINVAL;
	else if (json_is_boolean(val))
		snprintf(buf, len, "%s", json_is_true(val) ? "yes" : "no");
	else
		return -EINVAL;
	return 0;
}

/* The new value as CONFIG SET's text: {"value": 5 | "5mb" | true}. */
static int patch_text(const struct api_call *call, char *buf, size_t len)
{
	json_error_t err;
	json_t *j = json_loadb(call->body ? call->body : "", call->body_len, 0, &err);
	int rc = value_text(json_object_get(j, "value"), buf, len);
	json_decref(j);
	return rc;
}

/* A dataplane parameter: CONFIG SET through the control channel, applied by
 * every worker with the CONFIG handler's own validation; its refusal comes
 * back as Redis's error text (400). */
static json_t *dp_patch(const struct api_ctx *ctx, const struct api_call *call,
			const struct api_param *p, struct api_resp *resp)
{
	char etag[40], old[1024] = "", value[512], err[1024];
	param_etag(ctx, p, etag, sizeof(etag));
	snprintf(resp->extra, sizeof(resp->extra), "ETag: %s\r\n", etag);
	if (call->if_match == NULL)
		return api_error(resp, 428, "If-Match with the parameter's ETag is required");
	if (!if_match_ok(call->if_match, etag))
		return api_error(resp, 412, "the parameter changed since it was read (ETag)");
	if (patch_text(call, value, sizeof(value)) != 0)
		return api_error(resp, 400, "want {\"value\": integer, string or boolean}");
	if (ctx->chan == NULL)
		return api_error(resp, 503, "the dataplane is not attached");
	param_text(ctx, p, old, sizeof(old));
	int rc = cp_chan_config(ctx->chan, true, p->name, value, err, sizeof(err));
	if (rc == -EINVAL || rc == -ENOENT)
		return api_error(resp, 400, err);
	if (rc != 0)
		return api_error(resp, 503,
				 rc == -ETIMEDOUT ? "the dataplane did not answer"
						  : "the dataplane is not attached");
	bool secret = p->type == RW_CFG_SECRET;
	resp->audit_detail = json_pack("{s:s, s:s, s:s}", "parameter", p->name, "old",
				       secret ? API_PARAM_REDACTED : old, "new",
				       secret ? API_PARAM_REDACTED : value);
	etag_header(ctx, p, resp);
	resp->status = 200;
	return param_object(ctx, p);
}

json_t *api_params_patch(const struct api_ctx *ctx, const struct api_call *call, const char *arg,
			 struct api_resp *resp)
{
	cp_chan_notes_take(ctx->chan);
	const struct api_param *p = param_find(arg);
	char etag[40], old[32];
	int64_t v;
	if (p == NULL)
		return api_params_one(ctx, arg, &resp->status);
	if (!param_live(ctx, p))
		return dp_patch(ctx, call, p, resp);
	param_etag(ctx, p, etag, sizeof(etag));
	snprintf(resp->extra, sizeof(resp->extra), "ETag: %s\r\n", etag);
	if (call->if_match == NULL)
		return api_error(resp, 428, "If-Match with the parameter's ETag is required");
	if (!if_match_ok(call->if_match, etag))
		return api_error(resp, 412, "the parameter changed since it was read (ETag)");
	if (patch_value(call, p, &v) != 0) {
		resp->status = 400;
		return json_pack("{s:s, s:I, s:I}", "error",
				 "want {\"value\": integer} within the bounds", "minimum",
				 (json_int_t)p->min, "maximum", (json_int_t)p->max);
	}
	param_text(ctx, p, old, sizeof(old));
	bool failures = strcmp(p->name, "redwire-mgmt-auth-failures") == 0;
	api_auth_limits_set(ctx->auth, failures ? (uint32_t)v : ctx->auth->max_failures,
			    failures ? ctx->auth->window_s : (uint32_t)v);
	resp->audit_detail =
	    json_pack("{s:s, s:s, s:I}", "parameter", p->name, "old", old, "new", (json_int_t)v);
	etag_header(ctx, p, resp);
	resp->status = 200;
	return param_object(ctx, p);
}

/* ---- PATCH /v1/parameters: several directives, all or none ---- */

#define PATCH_MAX 64 /* directives in one PATCH (cp_chan_config_set_many's limit) */

struct patch_item {
	const struct api_param *p;
	char value[512];
	char old[1024];
	int64_t live; /* a control-plane parameter's new value */
};

/* The control plane's own parameters are checked here, before anything is
 * applied; the dataplane's are checked by its CONFIG handler, all at once. */
static json_t *patch_items(const struct api_ctx *ctx, json_t *obj, struct patch_item *items,
			   size_t *n, struct api_resp *resp)
{
	const char *name;
	json_t *val;
	*n = 0;
	if (!json_is_object(obj) || json_object_size(obj) == 0)
		return api_error(resp, 400,
				 "want {\"parameters\": {\"name\": value, ...}} (at least one)");
	if (json_object_size(obj) > PATCH_MAX)
		return api_error(resp, 400, "at most 64 parameters in one PATCH");
	json_object_foreach(obj, name, val)
	{
		struct patch_item *it = &items[(*n)++];
		it->p = param_find(name);
		if (it->p == NULL) {
			resp->status = 400;
			return json_pack("{s:s, s:s}", "error", "no such parameter", "name", name);
		}
		for (size_t i = 0; i + 1 < *n; i++)
			if (items[i].p == it->p) {
				resp->status = 400;
				return json_pack("{s:s, s:s}", "error", "duplicate parameter",
						 "name", it->p->name);
			}
		if (value_text(val, it->value, sizeof(it->value)) != 0) {
			resp->status = 400;
			return json_pack("{s:s, s:s}", "error",
					 "want an integer, string or boolean value", "name",
					 it->p->name);
		}
		if (param_live(ctx, it->p)) {
			char *end;
			it->live = strtoll(it->value, &end, 10);
			if (end == it->value || *end != '\0' || it->live < it->p->min ||
			    it->live > it->p->max) {
				resp->status = 400;
				return json_pack("{s:s, s:s, s:I, s:I}", "error",
						 "want an integer within the bounds", "name",
						 it->p->name, "minimum", (json_int_t)it->p->min,
						 "maximum", (json_int_t)it->p->max);
			}
		}
		param_text(ctx, it->p, it->old, sizeof(it->old));
	}
	return NULL;
}

/*
 * PATCH /v1/parameters {"parameters": {"maxmemory": "1gb", "timeout": 30}}:
 * CONFIG SET maxmemory 1gb timeout 30 as one command (Redis 7.0: every
 * name and value is checked before any is stored; one refusal, and nothing
 * changed), then the control plane's own parameters of the request, which
 * were checked before. If-Match carries GET /v1/parameters's ETag, a hash
 * of every value: any change since the console read the list is a 412.
 */
json_t *api_params_patch_many(const struct api_ctx *ctx, const struct api_call *call,
			      const char *arg, struct api_resp *resp)
{
	cp_chan_notes_take(ctx->chan);
	static struct patch_item items[PATCH_MAX]; /* the event loop's alone */
	const char *names[PATCH_MAX], *values[PATCH_MAX];
	char etag[40], err[1024];
	size_t n = 0, nd = 0;
	json_error_t jerr;
	(void)arg;
	list_etag(ctx, etag, sizeof(etag));
	snprintf(resp->extra, sizeof(resp->extra), "ETag: %s\r\n", etag);
	if (call->if_match == NULL)
		return api_error(resp, 428, "If-Match with GET /v1/parameters's ETag is required");
	if (!if_match_ok(call->if_match, etag))
		return api_error(resp, 412, "a parameter changed since the list was read (ETag)");
	json_t *body = json_loadb(call->body ? call->body : "", call->body_len, 0, &jerr);
	memset(items, 0, sizeof(items));
	json_t *bad = patch_items(ctx, json_object_get(body, "parameters"), items, &n, resp);
	json_decref(body);
	if (bad != NULL)
		return bad;
	for (size_t i = 0; i < n; i++)
		if (!param_live(ctx, items[i].p)) {
			names[nd] = items[i].p->name;
			values[nd++] = items[i].value;
		}
	if (nd > 0) {
		if (ctx->chan == NULL)
			return api_error(resp, 503, "the dataplane is not attached");
		int rc = cp_chan_config_set_many(ctx->chan, names, values, nd, err, sizeof(err));
		if (rc == -EINVAL || rc == -ENOENT)
			return api_error(resp, 400, err);
		if (rc == -EMSGSIZE)
			return api_error(resp, 400, "the values are too long for one request");
		if (rc != 0)
			return api_error(resp, 503,
					 rc == -ETIMEDOUT ? "the dataplane did not answer"
							  : "the dataplane is not attached");
	}
	json_t *changed = json_array(), *audit = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct api_param *p = items[i].p;
		if (param_live(ctx, p)) {
			bool failures = strcmp(p->name, "redwire-mgmt-auth-failures") == 0;
			api_auth_limits_set(
			    ctx->auth, failures ? (uint32_t)items[i].live : ctx->auth->max_failures,
			    failures ? ctx->auth->window_s : (uint32_t)items[i].live);
		}
		bool secret = p->type == RW_CFG_SECRET;
		json_object_set_new(audit, p->name,
				    json_pack("{s:s, s:s}", "old",
					      secret ? API_PARAM_REDACTED : items[i].old, "new",
					      secret ? API_PARAM_REDACTED : items[i].value));
		json_array_append_new(changed, param_object(ctx, p));
	}
	resp->audit_detail = json_pack("{s:o}", "parameters", audit);
	list_etag(ctx, etag, sizeof(etag));
	snprintf(resp->extra, sizeof(resp->extra), "ETag: %s\r\n", etag);
	resp->status = 200;
	return json_pack("{s:o}", "parameters", changed);
}
