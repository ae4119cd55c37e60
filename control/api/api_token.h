/*
 * Bearer tokens of the management API: opaque, random, shown once.
 *
 *   rwt_<id: 16 hex>_<secret: 64 hex>
 *
 * The id is the public handle (listed, revoked by); the secret is 32 bytes
 * from RAND_bytes. Only SHA-256 of the whole token is kept, so the token
 * file gives nothing to log in with. A token has a role, an optional expiry
 * and a name; revoking deletes it.
 *
 * The file (JSON, mode 0600, in the data directory) is rewritten whole on
 * every change: written to FILE.tmp, fsync'd, renamed over FILE, and the
 * directory fsync'd, so a crash leaves the old or the new set, never a
 * torn one. A change that cannot be saved is undone in memory too.
 *
 * Context: the control plane's event loop; file writes block briefly (a
 * few hundred bytes, on an admin's request only).
 */
#ifndef API_TOKEN_H
#define API_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "api_role.h"

#define API_TOKEN_MAX	    1024 /* tokens in one store */
#define API_TOKEN_ID_LEN    16
#define API_TOKEN_TEXT_SIZE 86 /* "rwt_" + 16 + "_" + 64 + NUL */
#define API_TOKEN_NAME_SIZE 64

struct api_token {
	char id[API_TOKEN_ID_LEN + 1];
	uint8_t sha256[32]; /* of the whole token text */
	enum api_role role;
	char name[API_TOKEN_NAME_SIZE];
	int64_t created_unix;
	int64_t expires_unix; /* 0: never */
};

struct api_tokens {
	char *path; /* NULL: in memory only (tests) */
	struct api_token *v;
	size_t n;
};

/** SHA-256 of @p text. */
void api_token_hash(const char *text, uint8_t out[32]);

/**
 * Load the store from @p path (NULL: in memory only); a missing file is an
 * empty store. @return 0, -EINVAL (not a token file), -ENOMEM, -errno.
 */
int api_tokens_load(struct api_tokens *t, const char *path);
void api_tokens_fini(struct api_tokens *t);

/**
 * Make a token for @p role named @p name, expiring @p ttl_s seconds after
 * @p now_unix (0: never), and save the store. The token text goes to
 * @p text (API_TOKEN_TEXT_SIZE bytes) and is kept nowhere.
 * @return 0 (@p *out points at the new entry), -EINVAL (no role, bad name),
 *         -ENOSPC (store full), -ENOMEM, -errno (saving; nothing changed).
 */
int api_tokens_create(struct api_tokens *t, enum api_role role, const char *name, int64_t ttl_s,
		      int64_t now_unix, char *text, const struct api_token **out);
/**
 * Check the token text @p text at @p now_unix.
 * @return 0 (@p *out is its entry), -ENOENT (unknown, malformed or
 *         revoked), -EKEYEXPIRED (expired).
 */
int api_tokens_verify(const struct api_tokens *t, const char *text, int64_t now_unix,
		      const struct api_token **out);
/** Revoke token @p id and save. @return 0, -ENOENT, -errno (saving; nothing changed). */
int api_tokens_revoke(struct api_tokens *t, const char *id);

#endif
