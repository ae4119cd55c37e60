/* TLS for the management API (see api_tls.h). */
#include "api_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rw_log.h"

/* Mozilla "intermediate" (v5.7): forward secrecy and AEAD only. TLS 1.3's
 * suites are OpenSSL's defaults, all of which qualify. */
#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define SELF_SIGNED_DAYS 825

struct api_tls {
	SSL_CTX *ctx;
	char *cert, *key, *client_ca;
	unsigned generation;
	char fingerprint[65];
};

static void ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
	char why[160];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, why, sizeof(why));
	ERR_clear_error();
	snprintf(err, errlen, "%s %s: %s", what, path, e ? why : "failed");
}

/* ---- the self-signed pair ---- */

static int pem_write(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -ENOMEM;
	}
	int ok =
	    key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static X509 *self_signed(EVP_PKEY *key, const char *name)
{
	X509 *x = X509_new();
	char cn[128], san[] = "IP:127.0.0.1,DNS:localhost";
	unsigned char serial[16];
	if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* RFC 5280 §4.1.2.2: a positive serial */
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	bool ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	snprintf(cn, sizeof(cn), "redwire-%s", name ? name : "rw");
	X509_NAME *subj = X509_get_subject_name(x);
	ok = ok && X509_set_version(x, 2) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 86400L * SELF_SIGNED_DAYS) != NULL &&
	     X509_set_pubkey(x, key) &&
	     X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (unsigned char *)cn, -1, -1, 0) &&
	     X509_set_issuer_name(x, subj);
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = ok ? X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san) : NULL;
	ok = ext != NULL && X509_add_ext(x, ext, -1) && X509_sign(x, key, EVP_sha256()) > 0;
	X509_EXTENSION_free(ext);
	if (ok)
		return x;
fail:
	X509_free(x);
	return NULL;
}

/* Neither file exists: make a P-256 key and a self-signed certificate. */
static int pair_generate(const struct api_tls_conf *c, char *err, size_t errlen)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? self_signed(key, c->name) : NULL;
	int rc = x ? pem_write(c->key, 0600, key, NULL) : -ENOMEM;
	if (rc == 0)
		rc = pem_write(c->cert, 0644, NULL, x);
	if (rc != 0)
		snprintf(err, errlen, "cannot make a self-signed certificate at %s: %s", c->cert,
			 strerror(-rc));
	else
		rw_log_kv(RW_LOG_INFO, "cp.api", "made a self-signed HTTPS certificate",
			  "cert=%s key=%s", c->cert, c->key);
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return rc;
}

/* ---- the context ---- */

static SSL_CTX *ctx_build(const struct api_tls *t, char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "redwire-mgmt";
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		ssl_err(err, errlen, "SSL_CTX_new", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
				     SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		ssl_err(err, errlen, "cipher list", "");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1) {
		ssl_err(err, errlen, "redwire-mgmt-cert", t->cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_err(err, errlen, "redwire-mgmt-key", t->key);
		goto fail;
	}
	if (t->client_ca != NULL) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(t->client_ca);
		if (names == NULL || SSL_CTX_load_verify_locations(ctx, t->client_ca, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			ssl_err(err, errlen, "redwire-mgmt-client-ca", t->client_ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		/* asked, not required: a token is the other way in */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void fingerprint_of(SSL_CTX *ctx, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	X509 *x = SSL_CTX_get0_certificate(ctx);
	out[0] = '\0';
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int api_tls_create(struct api_tls **out, const struct api_tls_conf *c, char *err, size_t errlen)
{
	struct api_tls *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	int rc = -ENOMEM;
	t->cert = strdup(c->cert);
	t->key = strdup(c->key);
	if (c->client_ca != NULL && c->client_ca[0] != '\0')
		t->client_ca = strdup(c->client_ca);
	if (t->cert == NULL || t->key == NULL)
		goto fail;
	if (c->generate && access(c->cert, F_OK) != 0 && access(c->key, F_OK) != 0 &&
	    (rc = pair_generate(c, err, errlen)) != 0)
		goto fail;
	rc = -EINVAL;
	t->ctx = ctx_build(t, err, errlen);
	if (t->ctx == NULL)
		goto fail;
	t->generation = 1;
	fingerprint_of(t->ctx, t->fingerprint);
	*out = t;
	return 0;
fail:
	api_tls_destroy(&t);
	return rc;
}

void api_tls_destroy(struct api_tls **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	struct api_tls *t = *tp;
	SSL_CTX_free(t->ctx);
	free(t->cert);
	free(t->key);
	free(t->client_ca);
	free(t);
	*tp = NULL;
}

int api_tls_reload(struct api_tls *t, char *err, size_t errlen)
{
	SSL_CTX *ctx = ctx_build(t, err, errlen);
	if (ctx == NULL)
		return -EINVAL;
	SSL_CTX_free(t->ctx); /* open connections hold their own reference */
	t->ctx = ctx;
	t->generation++;
	fingerprint_of(t->ctx, t->fingerprint);
	return 0;
}

unsigned api_tls_generation(const struct api_tls *t)
{
	return t->generation;
}

void api_tls_fingerprint(const struct api_tls *t, char *out, size_t len)
{
	snprintf(out, len, "%s", t->fingerprint);
}

SSL *api_tls_ssl_new(struct api_tls *t, int fd)
{
	SSL *ssl = SSL_new(t->ctx);
	if (ssl != NULL && SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		ssl = NULL;
	}
	ERR_clear_error();
	return ssl;
}

bool api_tls_peer_cn(SSL *ssl, char *cn, size_t len)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	if (peer == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return false;
	int n =
	    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, (int)len);
	return n > 0 && (size_t)n < len;
}
