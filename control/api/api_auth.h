/*
 * Authentication of the HTTPS listener: who is calling, with which role.
 *
 * Every request on HTTPS is authenticated before any route runs:
 *   1. a source address locked out by failed logins gets 429 + Retry-After;
 *   2. an Authorization: Bearer token (RFC 6750 §2.1) is checked against
 *      the token store: unknown, revoked or expired -> 401, counted as a
 *      failed login;
 *   3. else a client certificate verified against redwire-mgmt-client-ca
 *      (mTLS) gives the role its CN maps to (redwire-mgmt-client-roles, or
 *      a CN that is a role's name); a CN with no role -> 403;
 *   4. else 401 with WWW-Authenticate: Bearer.
 * Every failure is written to the audit log. The Unix socket skips all of
 * this: it is root-only and acts as admin.
 *
 * Context: the control plane's event loop.
 */
#ifndef API_AUTH_H
#define API_AUTH_H

#include <stdint.h>

#include "api_audit.h"
#include "api_ratelimit.h"
#include "api_role.h"
#include "api_token.h"

#define API_AUTH_MAX_CN_ROLES 32
#define API_AUTH_CN_SIZE      64

struct api_cn_role {
	char cn[API_AUTH_CN_SIZE];
	enum api_role role;
};

struct api_auth {
	struct api_tokens tokens;
	struct api_ratelimit rl;
	struct api_audit audit;
	struct api_cn_role cn_roles[API_AUTH_MAX_CN_ROLES];
	size_t n_cn_roles;
	uint32_t max_failures; /* the live limits (PATCH-able) */
	uint32_t window_s;
};

struct api_auth_conf {
	const char *tokens_path;  /* NULL: in memory (tests) */
	const char *audit_path;	  /* NULL: no audit log (tests) */
	const char *client_roles; /* "cn=role,cn=role"; NULL or "" for none */
	uint32_t max_failures;
	uint32_t window_s;
};

/* What the listener knows of the peer. */
struct api_peer {
	const char *source;  /* address text */
	const char *cert_cn; /* CN of a client certificate the CA verified; NULL: none */
};

/**
 * @return 0, -EINVAL (@p err names the directive: a bad role mapping, an
 *         unreadable token file), -ENOMEM, -errno (audit log).
 */
int api_auth_create(struct api_auth **out, const struct api_auth_conf *conf, char *err,
		    size_t errlen);
/** NULL-safe; clears the pointer. */
void api_auth_destroy(struct api_auth **a);

/**
 * Parse "cn=role,cn=role" into @p a's mapping.
 * @return 0, -EINVAL (a pair without '=', an unknown role, a CN too long),
 *         -ENOSPC (more than API_AUTH_MAX_CN_ROLES).
 */
int api_auth_cn_roles_parse(struct api_auth *a, const char *spec);
/** The role of a verified client certificate with common name @p cn. */
enum api_role api_auth_cn_role(const struct api_auth *a, const char *cn);

/** Change the failed-login limits at run time. */
void api_auth_limits_set(struct api_auth *a, uint32_t max_failures, uint32_t window_s);

/**
 * Authenticate one HTTPS request (steps 1-4 above) at @p now_ms (monotonic)
 * and @p now_unix.
 * @return 0 with @p caller filled, or the status to answer (401, 403,
 *         429): @p body (JSON, static) and @p extra (header lines, up to
 *         @p extra_len) are filled and the failure is audited.
 */
int api_auth_request(struct api_auth *a, const struct api_peer *peer, const char *method,
		     const char *path, const char *authorization, uint64_t now_ms, int64_t now_unix,
		     struct api_caller *caller, const char **body, char *extra, size_t extra_len);

#endif
