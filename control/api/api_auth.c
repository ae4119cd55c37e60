/* Authentication of the HTTPS listener (see api_auth.h). */
#include "api_auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WWW_AUTH "WWW-Authenticate: Bearer realm=\"redwire\"\r\n"

int api_auth_cn_roles_parse(struct api_auth *a, const char *spec)
{
	a->n_cn_roles = 0;
	for (const char *p = spec; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char pair[API_AUTH_CN_SIZE + 16];
		if (len >= sizeof(pair))
			return -EINVAL;
		memcpy(pair, p, len);
		pair[len] = '\0';
		p = end ? end + 1 : NULL;
		if (len == 0)
			continue;
		char *eq = strrchr(pair, '=');
		if (eq == NULL || eq == pair || (size_t)(eq - pair) >= API_AUTH_CN_SIZE)
			return -EINVAL;
		*eq = '\0';
		enum api_role r = api_role_parse(eq + 1);
		if (r == API_ROLE_NONE)
			return -EINVAL;
		if (a->n_cn_roles >= API_AUTH_MAX_CN_ROLES)
			return -ENOSPC;
		struct api_cn_role *m = &a->cn_roles[a->n_cn_roles++];
		memcpy(m->cn, pair, (size_t)(eq - pair) + 1); /* checked to fit above */
		m->role = r;
	}
	return 0;
}

enum api_role api_auth_cn_role(const struct api_auth *a, const char *cn)
{
	for (size_t i = 0; i < a->n_cn_roles; i++)
		if (strcmp(a->cn_roles[i].cn, cn) == 0)
			return a->cn_roles[i].role;
	return api_role_parse(cn); /* a CN that is a role's name */
}

void api_auth_limits_set(struct api_auth *a, uint32_t max_failures, uint32_t window_s)
{
	a->max_failures = max_failures;
	a->window_s = window_s;
	api_rl_configure(&a->rl, max_failures, window_s);
}

int api_auth_create(struct api_auth **out, const struct api_auth_conf *conf, char *err,
		    size_t errlen)
{
	struct api_auth *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->audit.fd = -1;
	api_rl_init(&a->rl, conf->max_failures, conf->window_s);
	api_auth_limits_set(a, conf->max_failures, conf->window_s);
	int rc = api_auth_cn_roles_parse(a, conf->client_roles);
	if (rc != 0) {
		snprintf(err, errlen,
			 "redwire-mgmt-client-roles: want CN=ROLE[,CN=ROLE...] with ROLE "
			 "admin|operator|viewer, at most %d",
			 API_AUTH_MAX_CN_ROLES);
		goto fail;
	}
	rc = api_tokens_load(&a->tokens, conf->tokens_path);
	if (rc != 0) {
		snprintf(err, errlen, "token file %s: %s", conf->tokens_path,
			 rc == -EINVAL ? "not a token file" : strerror(-rc));
		goto fail;
	}
	if (conf->audit_path != NULL && (rc = api_audit_open(&a->audit, conf->audit_path)) != 0) {
		snprintf(err, errlen, "audit log %s: %s", conf->audit_path, strerror(-rc));
		api_tokens_fini(&a->tokens);
		goto fail;
	}
	*out = a;
	return 0;
fail:
	free(a);
	return rc;
}

void api_auth_destroy(struct api_auth **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	api_tokens_fini(&(*ap)->tokens);
	api_audit_close(&(*ap)->audit);
	free(*ap);
	*ap = NULL;
}

/* RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive. */
static const char *bearer_token(const char *authorization)
{
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *t = authorization + 7;
	while (*t == ' ')
		t++;
	return *t ? t : NULL;
}

static int deny(struct api_auth *a, const struct api_peer *peer, const char *method,
		const char *path, int status, const char *reason, const char *actor)
{
	api_audit_write(&a->audit, "auth_failure", actor, peer->source, method, path, status,
			json_pack("{s:s}", "reason", reason));
	return status;
}

int api_auth_request(struct api_auth *a, const struct api_peer *peer, const char *method,
		     const char *path, const char *authorization, uint64_t now_ms, int64_t now_unix,
		     struct api_caller *caller, const char **body, char *extra, size_t extra_len)
{
	memset(caller, 0, sizeof(*caller));
	snprintf(caller->source, sizeof(caller->source), "%s", peer->source);
	extra[0] = '\0';
	uint32_t wait = api_rl_check(&a->rl, peer->source, now_ms);
	if (wait > 0) {
		snprintf(extra, extra_len, "Retry-After: %u\r\n", wait);
		*body = "{\"error\":\"too many failed logins from this address\"}";
		return deny(a, peer, method, path, 429, "rate limited", NULL);
	}
	const char *token = authorization[0] ? bearer_token(authorization) : NULL;
	if (authorization[0] != '\0') {
		const struct api_token *k = NULL;
		int rc = token ? api_tokens_verify(&a->tokens, token, now_unix, &k) : -ENOENT;
		if (rc == 0) {
			caller->role = k->role;
			snprintf(caller->actor, sizeof(caller->actor), "token:%s", k->id);
			return 0;
		}
		api_rl_fail(&a->rl, peer->source, now_ms);
		snprintf(extra, extra_len, WWW_AUTH);
		*body = rc == -EKEYEXPIRED ? "{\"error\":\"token expired\"}"
			: token		   ? "{\"error\":\"invalid or revoked token\"}"
					   : "{\"error\":\"want Authorization: Bearer TOKEN\"}";
		return deny(a, peer, method, path, 401,
			    rc == -EKEYEXPIRED ? "token expired"
			    : token	       ? "invalid or revoked token"
					       : "unsupported authorization scheme",
			    NULL);
	}
	if (peer->cert_cn != NULL) {
		char actor[API_ACTOR_SIZE];
		snprintf(actor, sizeof(actor), "cert:%s", peer->cert_cn);
		caller->role = api_auth_cn_role(a, peer->cert_cn);
		if (caller->role != API_ROLE_NONE) {
			snprintf(caller->actor, sizeof(caller->actor), "%s", actor);
			return 0;
		}
		*body = "{\"error\":\"the client certificate's CN maps to no role\"}";
		return deny(a, peer, method, path, 403, "certificate CN maps to no role", actor);
	}
	snprintf(extra, extra_len, WWW_AUTH);
	*body = "{\"error\":\"authentication required: a bearer token or a client certificate\"}";
	return deny(a, peer, method, path, 401, "no credentials", NULL);
}
