/*
 * TLS for the management API's HTTPS listener (OpenSSL 3).
 *
 * TLS 1.2 and 1.3 only; in 1.2 only ECDHE with AEAD ciphers (Mozilla's
 * "intermediate" list), server preference, no renegotiation, no
 * compression. The certificate chain and key come from
 * redwire-mgmt-cert/-key; when neither is configured, a self-signed
 * P-256 pair is made at first start in the data directory
 * (DIR/mgmt-cert.pem, DIR/mgmt-key.pem, the key 0600) and reused after.
 * With redwire-mgmt-client-ca set, a client certificate is asked for and
 * verified against it (a client without one may still use a token; one
 * whose certificate does not verify fails the handshake).
 *
 * Reload (SIGHUP, POST /v1/tls/reload) builds a new SSL_CTX from the
 * files and swaps it in only if it loads; connections already open keep
 * the context they started with (each SSL holds a reference).
 *
 * Context: the control plane's event loop.
 */
#ifndef API_TLS_H
#define API_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct api_tls_conf {
	const char *cert;      /* PEM chain */
	const char *key;       /* PEM key */
	bool generate;	       /* make a self-signed pair there if neither file exists */
	const char *client_ca; /* NULL or "": no client certificates */
	const char *name;      /* instance name, for the self-signed CN */
};

struct api_tls;

/** @return 0, or -errno / -EINVAL with one line in @p err. */
int api_tls_create(struct api_tls **out, const struct api_tls_conf *conf, char *err, size_t errlen);
/** NULL-safe; clears the pointer. */
void api_tls_destroy(struct api_tls **t);

/**
 * Re-read the certificate, key and client CA; new connections use them.
 * @return 0, or -EINVAL with the cause in @p err (the old ones stay).
 */
int api_tls_reload(struct api_tls *t, char *err, size_t errlen);
/** Times the files were loaded (1 after create; +1 per successful reload). */
unsigned api_tls_generation(const struct api_tls *t);
/** The serving certificate's SHA-256 fingerprint, hex (65 bytes). */
void api_tls_fingerprint(const struct api_tls *t, char *out, size_t len);

/** A server-side SSL on accepted socket @p fd. @return NULL on failure. */
SSL *api_tls_ssl_new(struct api_tls *t, int fd);
/**
 * The CN of @p ssl's client certificate, if one was sent and verified.
 * @return true with @p cn filled.
 */
bool api_tls_peer_cn(SSL *ssl, char *cn, size_t len);

#endif
