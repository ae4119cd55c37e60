/* Bearer tokens: create, verify, revoke, persist (see api_token.h). */
#include "api_token.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOKEN_PREFIX "rwt_"

void api_token_hash(const char *text, uint8_t out[32])
{
	unsigned int n = 32;
	EVP_Digest(text, strlen(text), out, &n, EVP_sha256(), NULL);
}

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_decode(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < 2 * n; i++) {
		char ch = s[i];
		int v = ch >= '0' && ch <= '9'	 ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
						 : -1;
		if (v < 0)
			return -EINVAL; /* lower-case hex only, as store_json writes it */
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
	}
	return 0;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= API_TOKEN_NAME_SIZE)
		return false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* ---- the file ---- */

static json_t *store_json(const struct api_tokens *t)
{
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < t->n; i++) {
		const struct api_token *k = &t->v[i];
		char hash[65];
		hex_encode(k->sha256, 32, hash);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "id", k->id,
						      "sha256", hash, "role",
						      api_role_name(k->role), "name", k->name,
						      "created", (json_int_t)k->created_unix,
						      "expires", (json_int_t)k->expires_unix));
	}
	return json_pack("{s:i, s:o}", "version", 1, "tokens", list);
}

static int fsync_dir(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* tmp + fsync + rename + fsync(dir): the old set or the new, never a torn file */
static int store_save(const struct api_tokens *t)
{
	if (t->path == NULL)
		return 0;
	json_t *j = store_json(t);
	char *text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	json_decref(j);
	if (text == NULL)
		return -ENOMEM;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->path);
	int rc = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = -errno;
	size_t len = strlen(text);
	for (size_t off = 0; rc == 0 && off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, t->path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = fsync_dir(t->path);
	else
		unlink(tmp);
	free(text);
	return rc;
}

static int entry_parse(json_t *o, struct api_token *k)
{
	const char *id, *hash, *role, *name;
	json_int_t created, expires;
	if (json_unpack(o, "{s:s, s:s, s:s, s:s, s:I, s:I}", "id", &id, "sha256", &hash, "role",
			&role, "name", &name, "created", &created, "expires", &expires) != 0)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	if (strlen(id) != API_TOKEN_ID_LEN || hex_decode(hash, k->sha256, 32) != 0 ||
	    !name_ok(name) || (k->role = api_role_parse(role)) == API_ROLE_NONE)
		return -EINVAL;
	snprintf(k->id, sizeof(k->id), "%s", id);
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->created_unix = created;
	k->expires_unix = expires;
	return 0;
}

int api_tokens_load(struct api_tokens *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->v = calloc(API_TOKEN_MAX, sizeof(*t->v));
	if (t->v == NULL || (path != NULL && (t->path = strdup(path)) == NULL)) {
		api_tokens_fini(t);
		return -ENOMEM;
	}
	if (path == NULL || access(path, F_OK) != 0)
		return 0;
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	json_t *list = json_object_get(j, "tokens");
	int rc = json_is_array(list) && json_array_size(list) <= API_TOKEN_MAX ? 0 : -EINVAL;
	for (size_t i = 0; rc == 0 && i < json_array_size(list); i++)
		rc = entry_parse(json_array_get(list, i), &t->v[t->n++]);
	json_decref(j);
	if (rc != 0)
		api_tokens_fini(t);
	return rc;
}

void api_tokens_fini(struct api_tokens *t)
{
	if (t->v != NULL)
		OPENSSL_cleanse(t->v, API_TOKEN_MAX * sizeof(*t->v));
	free(t->v);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

/* ---- operations ---- */

static struct api_token *find_id(const struct api_tokens *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].id, id) == 0)
			return &t->v[i];
	return NULL;
}

int api_tokens_create(struct api_tokens *t, enum api_role role, const char *name, int64_t ttl_s,
		      int64_t now_unix, char *text, const struct api_token **out)
{
	uint8_t rnd[8 + 32];
	if (role == API_ROLE_NONE || !name_ok(name) || ttl_s < 0)
		return -EINVAL;
	if (t->n >= API_TOKEN_MAX)
		return -ENOSPC;
	struct api_token *k = &t->v[t->n];
	memset(k, 0, sizeof(*k));
	do {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return -EIO;
		hex_encode(rnd, 8, k->id);
	} while (find_id(t, k->id) != NULL);
	char secret[65];
	hex_encode(rnd + 8, 32, secret);
	snprintf(text, API_TOKEN_TEXT_SIZE, TOKEN_PREFIX "%s_%s", k->id, secret);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	OPENSSL_cleanse(secret, sizeof(secret));
	api_token_hash(text, k->sha256);
	k->role = role;
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->created_unix = now_unix;
	k->expires_unix = ttl_s > 0 ? now_unix + ttl_s : 0;
	t->n++;
	int rc = store_save(t);
	if (rc != 0) {
		t->n--; /* not saved: it never existed */
		OPENSSL_cleanse(text, API_TOKEN_TEXT_SIZE);
		return rc;
	}
	*out = k;
	return 0;
}

int api_tokens_verify(const struct api_tokens *t, const char *text, int64_t now_unix,
		      const struct api_token **out)
{
	const size_t plen = strlen(TOKEN_PREFIX);
	if (strlen(text) != API_TOKEN_TEXT_SIZE - 1 || strncmp(text, TOKEN_PREFIX, plen) != 0 ||
	    text[plen + API_TOKEN_ID_LEN] != '_')
		return -ENOENT;
	char id[API_TOKEN_ID_LEN + 1];
	memcpy(id, text + plen, API_TOKEN_ID_LEN);
	id[API_TOKEN_ID_LEN] = '\0';
	const struct api_token *k = find_id(t, id);
	if (k == NULL)
		return -ENOENT;
	uint8_t h[32];
	api_token_hash(text, h);
	/* constant time: the comparison must not tell how much of a guess was right */
	if (CRYPTO_memcmp(h, k->sha256, sizeof(h)) != 0)
		return -ENOENT;
	if (k->expires_unix != 0 && now_unix >= k->expires_unix)
		return -EKEYEXPIRED;
	*out = k;
	return 0;
}

int api_tokens_revoke(struct api_tokens *t, const char *id)
{
	struct api_token *k = find_id(t, id);
	if (k == NULL)
		return -ENOENT;
	struct api_token saved = *k;
	size_t i = (size_t)(k - t->v);
	memmove(k, k + 1, (t->n - i - 1) * sizeof(*k));
	t->n--;
	int rc = store_save(t);
	if (rc != 0) {
		memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(*k));
		t->v[i] = saved;
		t->n++;
	}
	return rc;
}
