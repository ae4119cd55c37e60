/*
 * Admin routes: bearer tokens (POST/GET /v1/tokens, DELETE
 * /v1/tokens/{id}) and POST /v1/tls/reload. A token's text is in the
 * answer to its creation only; listings show ids, names, roles and times.
 * The audit line of a creation names the id, never the text.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "api_auth.h"
#include "api_internal.h"
#include "api_tls.h"

#define TOKEN_MAX_TTL_S (10LL * 366 * 86400)

static int64_t now_unix(void)
{
	return (int64_t)time(NULL);
}

static json_t *token_object(const struct api_token *k, int64_t now)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:b}", "id", k->id, "name", k->name, "role",
			 api_role_name(k->role), "created_unix", (json_int_t)k->created_unix,
			 "expires_unix", (json_int_t)k->expires_unix, "expired",
			 k->expires_unix != 0 && now >= k->expires_unix);
}

static json_t *no_store(int *status)
{
	*status = 503;
	return json_pack("{s:s}", "error", "no token store in this process");
}

json_t *api_tokens_route_list(const struct api_ctx *ctx, const char *arg, int *status)
{
	(void)arg;
	if (ctx->auth == NULL)
		return no_store(status);
	int64_t now = now_unix();
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < ctx->auth->tokens.n; i++)
		json_array_append_new(list, token_object(&ctx->auth->tokens.v[i], now));
	*status = 200;
	return json_pack("{s:o}", "tokens", list);
}

/* {"role": "viewer", "name": "ci", "ttl_seconds": 3600}; ttl 0 or absent: never expires. */
json_t *api_tokens_route_create(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp)
{
	(void)arg;
	if (ctx->auth == NULL)
		return no_store(&resp->status);
	json_error_t err;
	json_t *in = json_loadb(call->body ? call->body : "", call->body_len, 0, &err);
	const char *role = NULL, *name = NULL;
	json_int_t ttl = 0;
	int bad = json_unpack(in, "{s:s, s:s, s?:I}", "role", &role, "name", &name, "ttl_seconds",
			      &ttl) != 0 ||
		  api_role_parse(role) == API_ROLE_NONE || ttl < 0 || ttl > TOKEN_MAX_TTL_S;
	if (bad) {
		json_decref(in);
		return api_error(resp, 400,
				 "want {\"role\": \"admin|operator|viewer\", \"name\": NAME, "
				 "\"ttl_seconds\": N (optional, 0: never expires)}");
	}
	char text[API_TOKEN_TEXT_SIZE];
	const struct api_token *k;
	int64_t now = now_unix();
	int rc =
	    api_tokens_create(&ctx->auth->tokens, api_role_parse(role), name, ttl, now, text, &k);
	json_decref(in);
	if (rc == -EINVAL)
		return api_error(resp, 400, "name: 1-63 printable characters");
	if (rc == -ENOSPC)
		return api_error(resp, 409, "the token store is full: revoke some first");
	if (rc != 0)
		return api_error(resp, 500, "cannot save the token file");
	json_t *out = token_object(k, now);
	json_object_set_new(out, "token", json_string(text));
	memset(text, 0, sizeof(text));
	resp->audit_detail = json_pack("{s:s, s:s, s:s}", "token_id", k->id, "role",
				       api_role_name(k->role), "name", k->name);
	resp->status = 201;
	return out;
}

json_t *api_tokens_route_revoke(const struct api_ctx *ctx, const struct api_call *call,
				const char *arg, struct api_resp *resp)
{
	(void)call;
	if (ctx->auth == NULL)
		return no_store(&resp->status);
	int rc = api_tokens_revoke(&ctx->auth->tokens, arg);
	if (rc == -ENOENT)
		return api_error(resp, 404, "no such token");
	if (rc != 0)
		return api_error(resp, 500, "cannot save the token file");
	resp->audit_detail = json_pack("{s:s}", "token_id", arg);
	resp->status = 200;
	return json_pack("{s:s}", "revoked", arg);
}

json_t *api_tls_reload_route(const struct api_ctx *ctx, const struct api_call *call,
			     const char *arg, struct api_resp *resp)
{
	char err[256], fp[65];
	(void)call;
	(void)arg;
	if (ctx->tls == NULL)
		return api_error(resp, 409, "no HTTPS listener in this process");
	if (api_tls_reload(ctx->tls, err, sizeof(err)) != 0) {
		resp->audit_detail = json_pack("{s:s}", "error", err);
		resp->status = 500;
		return json_pack("{s:s, s:s}", "error", "reload failed; the old certificate stays",
				 "detail", err);
	}
	api_tls_fingerprint(ctx->tls, fp, sizeof(fp));
	resp->audit_detail = json_pack("{s:s}", "sha256", fp);
	resp->status = 200;
	return json_pack("{s:b, s:i, s:s}", "reloaded", 1, "generation",
			 (int)api_tls_generation(ctx->tls), "sha256", fp);
}
