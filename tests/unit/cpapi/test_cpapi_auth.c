/*
 * Unit tests for the management API's authentication (control/api):
 * bearer token hashing, verification, expiry, revocation and the token
 * file; roles; the failed-login rate limiter; the decision of
 * api_auth_request(); role checks and ETag/If-Match through the routes.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_auth.h"
#include "api_route.h"
#include "test_cpapi.h"

#define NOW 1800000000LL

static void hex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

/* ---- tokens ---- */

static void test_cpapi_auth_token_hash_is_sha256(void)
{
	uint8_t h[32];
	char s[65];
	api_token_hash("abc", h); /* FIPS 180-2 appendix B.1 */
	hex(h, 32, s);
	CU_ASSERT_STRING_EQUAL(s,
			       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_cpapi_auth_token_verifies_only_its_own_text(void)
{
	struct api_tokens t;
	char text[API_TOKEN_TEXT_SIZE], other[API_TOKEN_TEXT_SIZE];
	const struct api_token *k, *v;
	CU_ASSERT_EQUAL_FATAL(api_tokens_load(&t, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(api_tokens_create(&t, API_ROLE_OPERATOR, "ci", 0, NOW, text, &k), 0);
	CU_ASSERT_EQUAL(strlen(text), API_TOKEN_TEXT_SIZE - 1);
	CU_ASSERT_EQUAL(strncmp(text, "rwt_", 4), 0);
	CU_ASSERT_EQUAL(strncmp(text + 4, k->id, API_TOKEN_ID_LEN), 0);
	uint8_t h[32];
	api_token_hash(text, h);
	CU_ASSERT_EQUAL(memcmp(h, k->sha256, 32), 0); /* only the hash is kept */
	CU_ASSERT_EQUAL(api_tokens_verify(&t, text, NOW, &v), 0);
	CU_ASSERT_EQUAL(v->role, API_ROLE_OPERATOR);
	/* the same id with one secret digit changed */
	snprintf(other, sizeof(other), "%s", text);
	other[API_TOKEN_TEXT_SIZE - 2] = other[API_TOKEN_TEXT_SIZE - 2] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(api_tokens_verify(&t, other, NOW, &v), -ENOENT);
	CU_ASSERT_EQUAL(api_tokens_verify(&t, "rwt_", NOW, &v), -ENOENT);
	CU_ASSERT_EQUAL(api_tokens_verify(&t, "", NOW, &v), -ENOENT);
	other[API_TOKEN_TEXT_SIZE - 2] = '\0'; /* truncated */
	CU_ASSERT_EQUAL(api_tokens_verify(&t, other, NOW, &v), -ENOENT);
	api_tokens_fini(&t);
}

static void test_cpapi_auth_token_expires_and_revokes(void)
{
	struct api_tokens t;
	char a[API_TOKEN_TEXT_SIZE], b[API_TOKEN_TEXT_SIZE];
	const struct api_token *k, *v;
	CU_ASSERT_EQUAL_FATAL(api_tokens_load(&t, NULL), 0);
	CU_ASSERT_EQUAL(api_tokens_create(&t, API_ROLE_VIEWER, "short", 60, NOW, a, &k), 0);
	CU_ASSERT_EQUAL(k->expires_unix, NOW + 60);
	CU_ASSERT_EQUAL(api_tokens_create(&t, API_ROLE_ADMIN, "long", 0, NOW, b, &k), 0);
	char id_b[API_TOKEN_ID_LEN + 1];
	snprintf(id_b, sizeof(id_b), "%s", k->id);
	CU_ASSERT_EQUAL(api_tokens_verify(&t, a, NOW + 59, &v), 0);
	CU_ASSERT_EQUAL(api_tokens_verify(&t, a, NOW + 60, &v), -EKEYEXPIRED);
	CU_ASSERT_EQUAL(api_tokens_verify(&t, b, NOW + 100000000, &v), 0); /* ttl 0: never */
	CU_ASSERT_EQUAL(api_tokens_revoke(&t, id_b), 0);
	CU_ASSERT_EQUAL(api_tokens_verify(&t, b, NOW, &v), -ENOENT);
	CU_ASSERT_EQUAL(api_tokens_revoke(&t, id_b), -ENOENT);
	CU_ASSERT_EQUAL(api_tokens_verify(&t, a, NOW, &v), 0); /* the other one stays */
	api_tokens_fini(&t);
}

static void test_cpapi_auth_token_refuses_bad_requests(void)
{
	struct api_tokens t;
	char text[API_TOKEN_TEXT_SIZE];
	const struct api_token *k;
	CU_ASSERT_EQUAL_FATAL(api_tokens_load(&t, NULL), 0);
	CU_ASSERT_EQUAL(api_tokens_create(&t, API_ROLE_NONE, "x", 0, NOW, text, &k), -EINVAL);
	CU_ASSERT_EQUAL(api_tokens_create(&t, API_ROLE_VIEWER, "", 0, NOW, text, &k), -EINVAL);
	CU_ASSERT_EQUAL(api_tokens_create(&t, API_ROLE_VIEWER, "a\nb", 0, NOW, text, &k), -EINVAL);
	CU_ASSERT_EQUAL(api_tokens_create(&t, API_ROLE_VIEWER, "x", -1, NOW, text, &k), -EINVAL);
	CU_ASSERT_EQUAL(t.n, 0);
	api_tokens_fini(&t);
}

static void test_cpapi_auth_token_file_keeps_hashes_across_loads(void)
{
	char dir[] = "/tmp/rwtokXXXXXX", path[64], text[API_TOKEN_TEXT_SIZE], buf[8192];
	struct api_tokens t, u;
	const struct api_token *k, *v;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tokens.json", dir);
	CU_ASSERT_EQUAL_FATAL(api_tokens_load(&t, path), 0); /* no file: empty */
	CU_ASSERT_EQUAL(api_tokens_create(&t, API_ROLE_ADMIN, "root", 0, NOW, text, &k), 0);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CU_ASSERT_PTR_NULL(strstr(buf, text + 4 + API_TOKEN_ID_LEN + 1)); /* no secret */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"sha256\""));
	CU_ASSERT_EQUAL_FATAL(api_tokens_load(&u, path), 0);
	CU_ASSERT_EQUAL(api_tokens_verify(&u, text, NOW, &v), 0);
	CU_ASSERT_EQUAL(v->role, API_ROLE_ADMIN);
	CU_ASSERT_STRING_EQUAL(v->name, "root");
	CU_ASSERT_EQUAL(api_tokens_revoke(&u, v->id), 0);
	api_tokens_fini(&t);
	CU_ASSERT_EQUAL_FATAL(api_tokens_load(&t, path), 0);
	CU_ASSERT_EQUAL(t.n, 0); /* the revocation was saved */
	api_tokens_fini(&t);
	api_tokens_fini(&u);
	f = fopen(path, "w"); /* not a token file: refused, not read as empty */
	if (f) {
		fputs("{\"tokens\": 5}", f);
		fclose(f);
	}
	CU_ASSERT_EQUAL(api_tokens_load(&t, path), -EINVAL);
	unlink(path);
	rmdir(dir);
}

/* ---- roles ---- */

static void test_cpapi_auth_roles_order_and_methods(void)
{
	CU_ASSERT_EQUAL(api_role_needed("GET", false), API_ROLE_VIEWER);
	CU_ASSERT_EQUAL(api_role_needed("HEAD", false), API_ROLE_VIEWER);
	CU_ASSERT_EQUAL(api_role_needed("PATCH", false), API_ROLE_OPERATOR);
	CU_ASSERT_EQUAL(api_role_needed("POST", false), API_ROLE_OPERATOR);
	CU_ASSERT_EQUAL(api_role_needed("DELETE", false), API_ROLE_OPERATOR);
	CU_ASSERT_EQUAL(api_role_needed("GET", true), API_ROLE_ADMIN);
	CU_ASSERT(api_role_allows(API_ROLE_ADMIN, API_ROLE_VIEWER));
	CU_ASSERT(api_role_allows(API_ROLE_OPERATOR, API_ROLE_OPERATOR));
	CU_ASSERT(!api_role_allows(API_ROLE_OPERATOR, API_ROLE_ADMIN));
	CU_ASSERT(!api_role_allows(API_ROLE_VIEWER, API_ROLE_OPERATOR));
	CU_ASSERT(!api_role_allows(API_ROLE_NONE, API_ROLE_NONE));
	CU_ASSERT_EQUAL(api_role_parse("operator"), API_ROLE_OPERATOR);
	CU_ASSERT_EQUAL(api_role_parse("Admin"), API_ROLE_NONE); /* exact */
	CU_ASSERT_EQUAL(api_role_parse("root"), API_ROLE_NONE);
	CU_ASSERT_STRING_EQUAL(api_role_name(API_ROLE_VIEWER), "viewer");
}

/* ---- the rate limiter ---- */

static void test_cpapi_auth_ratelimit_locks_out_for_the_window(void)
{
	static struct api_ratelimit rl;
	api_rl_init(&rl, 3, 60);
	const uint64_t t0 = 1000000;
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "10.0.0.1", t0), 0);
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "10.0.0.1", t0 + 1000), 0);
	CU_ASSERT_EQUAL(api_rl_check(&rl, "10.0.0.1", t0 + 1000), 0);
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "10.0.0.1", t0 + 2000), 60); /* the limit */
	CU_ASSERT_EQUAL(api_rl_check(&rl, "10.0.0.1", t0 + 2000), 60);
	CU_ASSERT_EQUAL(api_rl_check(&rl, "10.0.0.1", t0 + 2000 + 59500), 1); /* rounded up */
	CU_ASSERT_EQUAL(api_rl_check(&rl, "10.0.0.1", t0 + 2000 + 60000), 0);
	CU_ASSERT_EQUAL(api_rl_check(&rl, "10.0.0.2", t0 + 2000), 0); /* per address */
	/* after the lock-out a new window opens: one failure does not lock again */
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "10.0.0.1", t0 + 70000), 0);
	CU_ASSERT_EQUAL(api_rl_check(&rl, "10.0.0.1", t0 + 70000), 0);
}

static void test_cpapi_auth_ratelimit_window_forgets_old_failures(void)
{
	static struct api_ratelimit rl;
	api_rl_init(&rl, 2, 10);
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "::1", 0 + 5000), 0);
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "::1", 16000), 0); /* 11 s later: a new window */
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "::1", 17000), 10);
	api_rl_configure(&rl, 5, 2); /* PATCH at run time */
	CU_ASSERT_EQUAL(rl.max_failures, 5);
	CU_ASSERT_EQUAL(rl.window_ms, 2000);
}

static void test_cpapi_auth_ratelimit_table_full_evicts_oldest(void)
{
	static struct api_ratelimit rl;
	char addr[32];
	api_rl_init(&rl, 2, 60);
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "locked", 1000), 0);
	CU_ASSERT_EQUAL(api_rl_fail(&rl, "locked", 1001), 60);
	for (int i = 0; i < API_RL_SLOTS + 10; i++) {
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 256, i % 256);
		api_rl_fail(&rl, addr, 2000 + (uint64_t)i);
	}
	/* the locked-out address kept its slot while others could be reused */
	CU_ASSERT(api_rl_check(&rl, "locked", 3000) > 0);
	CU_ASSERT_EQUAL(api_rl_check(&rl, "10.1.0.0", 3000), 0);
}

/* ---- api_auth_request ---- */

static struct api_auth *auth_make(const char *roles, uint32_t failures)
{
	struct api_auth *a = NULL;
	char err[256];
	const struct api_auth_conf conf = {
	    .client_roles = roles, .max_failures = failures, .window_s = 60};
	CU_ASSERT_EQUAL(api_auth_create(&a, &conf, err, sizeof(err)), 0);
	return a;
}

static int authn(struct api_auth *a, const char *src, const char *cn, const char *authz,
		 struct api_caller *c, char *extra)
{
	const struct api_peer peer = {.source = src, .cert_cn = cn};
	const char *body = NULL;
	int st =
	    api_auth_request(a, &peer, "GET", "/v1/status", authz, 5000, NOW, c, &body, extra, 160);
	if (st != 0) {
		json_t *j = json_loads(body, 0, NULL);
		CU_ASSERT(json_is_string(json_object_get(j, "error")));
		json_decref(j);
	}
	return st;
}

static void test_cpapi_auth_request_needs_credentials(void)
{
	struct api_auth *a = auth_make("", 10);
	struct api_caller c;
	char extra[160], text[API_TOKEN_TEXT_SIZE], authz[128];
	const struct api_token *k;
	CU_ASSERT_EQUAL(authn(a, "1.2.3.4", NULL, "", &c, extra), 401);
	CU_ASSERT_PTR_NOT_NULL(strstr(extra, "WWW-Authenticate: Bearer"));
	CU_ASSERT_EQUAL(authn(a, "1.2.3.4", NULL, "Basic YWRtaW46YWRtaW4=", &c, extra), 401);
	CU_ASSERT_EQUAL(api_tokens_create(&a->tokens, API_ROLE_OPERATOR, "t", 0, NOW, text, &k), 0);
	snprintf(authz, sizeof(authz), "bearer  %s", text); /* scheme case-insensitive */
	CU_ASSERT_EQUAL(authn(a, "1.2.3.4", NULL, authz, &c, extra), 0);
	CU_ASSERT_EQUAL(c.role, API_ROLE_OPERATOR);
	CU_ASSERT_EQUAL(strncmp(c.actor, "token:", 6), 0);
	CU_ASSERT_STRING_EQUAL(c.source, "1.2.3.4");
	api_auth_destroy(&a);
	CU_ASSERT_PTR_NULL(a);
}

static void test_cpapi_auth_request_rate_limits_bad_tokens(void)
{
	struct api_auth *a = auth_make("", 2);
	struct api_caller c;
	char extra[160], text[API_TOKEN_TEXT_SIZE], authz[128];
	const struct api_token *k;
	CU_ASSERT_EQUAL(api_tokens_create(&a->tokens, API_ROLE_ADMIN, "t", 0, NOW, text, &k), 0);
	snprintf(authz, sizeof(authz), "Bearer %s", text);
	CU_ASSERT_EQUAL(authn(a, "9.9.9.9", NULL, "", &c, extra), 401); /* not counted */
	CU_ASSERT_EQUAL(authn(a, "9.9.9.9", NULL, "Bearer rwt_x", &c, extra), 401);
	CU_ASSERT_EQUAL(authn(a, "9.9.9.9", NULL, "Bearer rwt_y", &c, extra), 401);
	CU_ASSERT_EQUAL(authn(a, "9.9.9.9", NULL, authz, &c, extra), 429); /* even a good one */
	CU_ASSERT_STRING_EQUAL(extra, "Retry-After: 60\r\n");
	CU_ASSERT_EQUAL(authn(a, "9.9.9.8", NULL, authz, &c, extra), 0);
	api_auth_destroy(&a);
}

static void test_cpapi_auth_request_maps_certificates_to_roles(void)
{
	struct api_auth *a = auth_make("console=operator,grafana=viewer", 10);
	struct api_caller c;
	char extra[160];
	CU_ASSERT_EQUAL(authn(a, "1.1.1.1", "console", "", &c, extra), 0);
	CU_ASSERT_EQUAL(c.role, API_ROLE_OPERATOR);
	CU_ASSERT_STRING_EQUAL(c.actor, "cert:console");
	CU_ASSERT_EQUAL(authn(a, "1.1.1.1", "grafana", "", &c, extra), 0);
	CU_ASSERT_EQUAL(c.role, API_ROLE_VIEWER);
	CU_ASSERT_EQUAL(authn(a, "1.1.1.1", "admin", "", &c, extra), 0); /* a role's name */
	CU_ASSERT_EQUAL(c.role, API_ROLE_ADMIN);
	CU_ASSERT_EQUAL(authn(a, "1.1.1.1", "nobody", "", &c, extra), 403);
	/* a token, when sent, decides: a bad one is 401 despite the certificate */
	CU_ASSERT_EQUAL(authn(a, "1.1.1.1", "console", "Bearer rwt_bad", &c, extra), 401);
	CU_ASSERT_EQUAL(api_auth_cn_roles_parse(a, "x=root"), -EINVAL);
	CU_ASSERT_EQUAL(api_auth_cn_roles_parse(a, "noequals"), -EINVAL);
	CU_ASSERT_EQUAL(api_auth_cn_roles_parse(a, "a=admin,,b=viewer,"), 0);
	CU_ASSERT_EQUAL(a->n_cn_roles, 2);
	api_auth_destroy(&a);
}

/* ---- roles and ETags through the routes ---- */

struct routed {
	int status;
	char extra[384];
	json_t *j;
};

static struct routed call(const struct api_ctx *ctx, enum api_role role, const char *method,
			  const char *path, const char *if_match, const char *body)
{
	const struct api_caller c = {.role = role, .actor = "unit", .source = "-"};
	const struct api_call req = {.method = method,
				     .path = path,
				     .body = body,
				     .body_len = body ? strlen(body) : 0,
				     .if_match = if_match,
				     .caller = &c};
	struct api_resp resp;
	struct routed r;
	api_route_call(ctx, &req, &resp);
	r.status = resp.status;
	snprintf(r.extra, sizeof(r.extra), "%s", resp.extra);
	r.j = json_loadb(resp.body, resp.len, 0, NULL);
	api_resp_fini(&resp);
	return r;
}

static void etag_of(const char *extra, char *etag, size_t len)
{
	const char *p = strstr(extra, "ETag: ");
	etag[0] = '\0';
	if (p != NULL)
		snprintf(etag, len, "%.*s", (int)strcspn(p + 6, "\r"), p + 6);
}

static void test_cpapi_auth_routes_check_roles(void)
{
	struct api_auth *a = auth_make("", 10);
	const struct api_ctx ctx = {.name = "unit", .auth = a};
	const char *p = "/v1/parameters/redwire-mgmt-auth-failures";
	struct routed r = call(&ctx, API_ROLE_VIEWER, "PATCH", p, "*", "{\"value\":3}");
	CU_ASSERT_EQUAL(r.status, 403);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_OPERATOR, "GET", "/v1/tokens", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 403);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_OPERATOR, "GET", "/v1/users", NULL, NULL); /* admin route */
	CU_ASSERT_EQUAL(r.status, 403);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_ADMIN, "POST", "/v1/users", NULL, NULL); /* no POST: PUT /{name} */
	CU_ASSERT_EQUAL(r.status, 405);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_ADMIN, "GET", "/v1/tokens", NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_ADMIN, "POST", "/v1/tokens", NULL,
		 "{\"role\":\"viewer\",\"name\":\"n\",\"ttl_seconds\":5}");
	CU_ASSERT_EQUAL(r.status, 201);
	CU_ASSERT_EQUAL(strlen(json_string_value(json_object_get(r.j, "token"))),
			API_TOKEN_TEXT_SIZE - 1);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_ADMIN, "POST", "/v1/tokens", NULL,
		 "{\"role\":\"god\",\"name\":\"n\"}");
	CU_ASSERT_EQUAL(r.status, 400);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_ADMIN, "POST", "/v1/tls/reload", NULL, NULL); /* no TLS here */
	CU_ASSERT_EQUAL(r.status, 409);
	json_decref(r.j);
	api_auth_destroy(&a);
}

static void test_cpapi_auth_patch_needs_the_current_etag(void)
{
	struct api_auth *a = auth_make("", 10);
	const struct api_ctx ctx = {.name = "unit", .auth = a};
	const char *p = "/v1/parameters/redwire-mgmt-auth-failures";
	char e1[64], e2[64];
	struct routed r = call(&ctx, API_ROLE_VIEWER, "GET", p, NULL, NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	etag_of(r.extra, e1, sizeof(e1));
	CU_ASSERT_EQUAL(strlen(e1), 18); /* "<16 hex>" */
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r.j, "apply")), "immediate");
	json_decref(r.j);
	r = call(&ctx, API_ROLE_OPERATOR, "PATCH", p, NULL, "{\"value\":3}");
	CU_ASSERT_EQUAL(r.status, 428);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_OPERATOR, "PATCH", p, "\"0000000000000000\"", "{\"value\":3}");
	CU_ASSERT_EQUAL(r.status, 412);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_OPERATOR, "PATCH", p, e1, "{\"value\":\"x\"}");
	CU_ASSERT_EQUAL(r.status, 400);
	json_decref(r.j);
	r = call(&ctx, API_ROLE_OPERATOR, "PATCH", p, e1, "{\"value\":0}"); /* below minimum */
	CU_ASSERT_EQUAL(r.status, 400);
	json_decref(r.j);
	CU_ASSERT_EQUAL(a->max_failures, 10);
	char list[96];
	snprintf(list, sizeof(list), "\"1111111111111111\", %s", e1); /* a list matches too */
	r = call(&ctx, API_ROLE_OPERATOR, "PATCH", p, list, "{\"value\":3}");
	CU_ASSERT_EQUAL(r.status, 200);
	etag_of(r.extra, e2, sizeof(e2));
	CU_ASSERT_STRING_NOT_EQUAL(e1, e2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.j, "value")), 3);
	json_decref(r.j);
	CU_ASSERT_EQUAL(a->max_failures, 3);
	CU_ASSERT_EQUAL(a->rl.max_failures, 3);				    /* applied at once */
	r = call(&ctx, API_ROLE_OPERATOR, "PATCH", p, e1, "{\"value\":4}"); /* lost update */
	CU_ASSERT_EQUAL(r.status, 412);
	json_decref(r.j);
	CU_ASSERT_EQUAL(a->max_failures, 3);
	api_auth_destroy(&a);
}

const struct rw_test_case test_cpapi_auth_cases[] = {
    RW_TEST(test_cpapi_auth_token_hash_is_sha256),
    RW_TEST(test_cpapi_auth_token_verifies_only_its_own_text),
    RW_TEST(test_cpapi_auth_token_expires_and_revokes),
    RW_TEST(test_cpapi_auth_token_refuses_bad_requests),
    RW_TEST(test_cpapi_auth_token_file_keeps_hashes_across_loads),
    RW_TEST(test_cpapi_auth_roles_order_and_methods),
    RW_TEST(test_cpapi_auth_ratelimit_locks_out_for_the_window),
    RW_TEST(test_cpapi_auth_ratelimit_window_forgets_old_failures),
    RW_TEST(test_cpapi_auth_ratelimit_table_full_evicts_oldest),
    RW_TEST(test_cpapi_auth_request_needs_credentials),
    RW_TEST(test_cpapi_auth_request_rate_limits_bad_tokens),
    RW_TEST(test_cpapi_auth_request_maps_certificates_to_roles),
    RW_TEST(test_cpapi_auth_routes_check_roles),
    RW_TEST(test_cpapi_auth_patch_needs_the_current_etag),
    {NULL, NULL},
};
