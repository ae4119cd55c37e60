/*
 * GET /v1/support-bundle (admin): what a support engineer asks for first,
 * in one JSON document: the appliance, status and per-worker stats, every
 * parameter (secrets redacted, as /v1/parameters shows them), the
 * Prometheus exposition, and the tails of the control plane's and the
 * dataplane's logs (redwire-run-dir/{control,dataplane}.log).
 *
 * No secret leaves: the parts are the API's own answers, which never carry
 * one, and every value of a secret directive (requirepass: its boot value
 * and the dataplane's live one) is replaced by "(redacted)" wherever it appears, in the log text
 * before it is encoded and in the finished document again (a secret that a log line quoted, or that
 * JSON escaping did not change). Tokens cannot leak: the server keeps only their SHA-256.
 *
 * Context: the control plane's event loop; reads two files (bounded:
 * API_SUPPORT_LOG_BYTES each) and asks the dataplane for parameter values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "api_internal.h"

#define API_SUPPORT_LOG_BYTES	(64 * 1024) /* the tail of each log */
#define API_SUPPORT_REDACTED	"(redacted)"
#define API_SUPPORT_MAX_SECRETS 16

struct secrets {
	char *v[API_SUPPORT_MAX_SECRETS];
	size_t n;
};

/* The non-empty values of every RW_CFG_SECRET directive. */
static void secrets_collect(const struct api_ctx *ctx, struct secrets *s)
{
	static const struct {
		const char *name;
		enum rw_cfg_type type;
	} table[] = {
#define API_SUPPORT_X(field, name, type, def, min, max, desc) {name, type},
	    RW_CONFIG_TABLE(API_SUPPORT_X)
#undef API_SUPPORT_X
	};
	char buf[1024];
	s->n = 0;
	for (size_t i = 0; ctx->cfg != NULL && i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].type == RW_CFG_SECRET && s->n < API_SUPPORT_MAX_SECRETS &&
		    rw_config_get(ctx->cfg, table[i].name, buf, sizeof(buf)) == 0 && buf[0] != '\0')
			s->v[s->n++] = strdup(buf);
	/* CONFIG SET may have changed requirepass since boot: the live value too */
	if (ctx->chan != NULL && s->n < API_SUPPORT_MAX_SECRETS &&
	    cp_chan_config(ctx->chan, false, "requirepass", "", buf, sizeof(buf)) == 0 &&
	    buf[0] != '\0' && (s->n == 0 || strcmp(s->v[0], buf) != 0))
		s->v[s->n++] = strdup(buf);
}

static void secrets_fini(struct secrets *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/*
 * Replace every occurrence of each secret in the malloc'd string *@p text.
 * @return occurrences replaced, or -ENOMEM (*@p text unchanged).
 */
static long redact(char **text, const struct secrets *s)
{
	long total = 0;
	size_t rl = strlen(API_SUPPORT_REDACTED);
	for (size_t i = 0; i < s->n; i++) {
		const char *sec = s->v[i];
		if (sec == NULL)
			continue;
		size_t sl = strlen(sec), count = 0;
		for (const char *p = *text; (p = strstr(p, sec)) != NULL; p += sl)
			count++;
		if (count == 0)
			continue;
		char *out = malloc(strlen(*text) - count * sl + count * rl + 1), *w = out;
		if (out == NULL)
			return -ENOMEM;
		const char *p = *text;
		for (const char *hit; (hit = strstr(p, sec)) != NULL; p = hit + sl) {
			memcpy(w, p, (size_t)(hit - p));
			w += hit - p;
			memcpy(w, API_SUPPORT_REDACTED, rl);
			w += rl;
		}
		strcpy(w, p);
		free(*text);
		*text = out;
		total += (long)count;
	}
	return total;
}

/* The last API_SUPPORT_LOG_BYTES of @p path, from a line start; NULL if unreadable. */
static char *log_tail(const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	long from = size > API_SUPPORT_LOG_BYTES ? size - API_SUPPORT_LOG_BYTES : 0;
	char *buf = size >= 0 ? malloc((size_t)(size - from) + 1) : NULL;
	size_t n = 0;
	if (buf != NULL && fseek(f, from, SEEK_SET) == 0)
		n = fread(buf, 1, (size_t)(size - from), f);
	fclose(f);
	if (buf == NULL)
		return NULL;
	buf[n] = '\0';
	char *start = buf;
	if (from > 0 && (start = strchr(buf, '\n')) != NULL) /* a cut first line is dropped */
		memmove(buf, start + 1, strlen(start + 1) + 1);
	return buf;
}

/* Another route's answer, as the bundle's part: parsed JSON, or its text. */
static json_t *part(const struct api_ctx *ctx, const char *path)
{
	struct api_resp r;
	api_route(ctx, "GET", path, &r);
	json_t *j = NULL;
	if (r.status == 200 && r.body != NULL) {
		if (strcmp(r.content_type ? r.content_type : API_CT_JSON, API_CT_JSON) == 0)
			j = json_loadb(r.body, r.len, 0, NULL);
		else
			j = json_stringn(r.body, r.len);
	}
	api_resp_fini(&r);
	return j != NULL ? j : json_null();
}

static json_t *logs_object(const struct api_ctx *ctx, const struct secrets *s, long *redacted)
{
	static const char *const names[] = {"control.log", "dataplane.log"};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[1024];
		const char *dir = ctx->cfg != NULL ? ctx->cfg->rw_run_dir : NULL;
		snprintf(path, sizeof(path), "%s/%s", dir ? dir : "", names[i]);
		char *text = dir != NULL ? log_tail(path) : NULL;
		long n = text != NULL ? redact(&text, s) : 0;
		if (n < 0) {
			free(text);
			text = NULL;
		}
		*redacted += n > 0 ? n : 0;
		json_object_set_new(o, names[i], text != NULL ? json_string(text) : json_null());
		free(text);
	}
	return o;
}

int api_support_bundle(const struct api_ctx *ctx, struct api_resp *resp)
{
	struct secrets s;
	struct timeval tv;
	long redacted = 0;
	gettimeofday(&tv, NULL);
	secrets_collect(ctx, &s);
	json_t *logs = logs_object(ctx, &s, &redacted);
	json_t *b =
	    json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "generated_unix_ms",
		      (json_int_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, "name",
		      ctx->name ? ctx->name : "", "appliance", part(ctx, "/v1/appliance"), "status",
		      part(ctx, "/v1/status"), "stats", part(ctx, "/v1/stats"), "parameters",
		      part(ctx, "/v1/parameters"), "metrics", part(ctx, "/metrics"), "logs", logs);
	char *text = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	long again = text != NULL ? redact(&text, &s) : 0; /* belt and braces */
	secrets_fini(&s);
	if (text == NULL || again < 0) {
		free(text);
		return -ENOMEM;
	}
	/* the count goes in last, so the redaction pass cannot touch it */
	char tail[64];
	int tl = snprintf(tail, sizeof(tail), ",\"redactions\":%ld}", redacted + again);
	size_t len = strlen(text);
	char *out = realloc(text, len + (size_t)tl + 1);
	if (out == NULL) {
		free(text);
		return -ENOMEM;
	}
	memcpy(out + len - 1, tail, (size_t)tl + 1); /* over the closing brace */
	resp->status = 200;
	resp->content_type = API_CT_JSON;
	resp->body = out;
	resp->len = len - 1 + (size_t)tl;
	return 0;
}
