/*
 * Values of directives whose syntax is more than a number or a word, parsed
 * the same way at boot (config.c) and by CONFIG SET (dataplane/cmd), so a
 * value the file accepts is one CONFIG SET accepts, with Redis's errors:
 *
 *   bind                              setConfigBindOption() + listenToPort()
 *   latency-tracking-info-percentiles setConfigLatencyTrackingInfoPercentiles...()
 *   maxmemory-clients                 PERCENT_CONFIG | MEMORY_CONFIG
 *
 * BIND ON THE APPLIANCE
 *
 * Stock Redis binds a listening socket per address and reports any failure
 * of bind(2). The dataplane has no sockets: its local addresses are the
 * NIC's (redwire-address) and, as on any host, the loopback ones (127.0.0.0/8
 * and ::1), which no NIC frame can reach. So each address of the list is
 * classified as the kernel would answer bind(2) on such a host:
 *
 *   "*", "0.0.0.0"      every IPv4 address: the NIC's included;
 *   "::*", "::"         every IPv6 address (the dataplane has none);
 *   redwire-address     the NIC's;
 *   127.x.x.x, ::1,     loopback: bound, but no client on the wire reaches it;
 *   a host name         resolved as listenToPort() does (getaddrinfo(),
 *                       IPv4, its first answer: localhost is 127.0.0.1),
 *                       then classified as that address;
 *   another literal     EADDRNOTAVAIL: an error, or skipped when written
 *                       with Redis's "-" prefix (optional address);
 *   a name that does    no address (getaddrinfo fails): an error even with
 *   not resolve         "-" (at boot, stock's log line names the reason).
 * A name is resolved when the list is checked: at boot, and by CONFIG SET
 * bind (the calling thread waits for the resolver, as stock's does).
 *
 * Two addresses of one family where one is a wildcard or both are equal
 * collide (EADDRINUSE: an error even with "-"), as stock's sockets do. An
 * empty list means Redis's default, "* -::*". The result the dataplane acts
 * on is one bit: does a kept address cover the NIC's? A SYN to the NIC's
 * address while it does not is answered with a RST (nothing listens there).
 *
 * Context: any thread; pure functions.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

#define BIND_ERR_FAIL "Failed to bind to specified addresses."
#define BIND_ERR_MANY "Too many bind addresses specified."

struct bind_addr {
	int family;
	bool wildcard;
	uint8_t a[16];
};

/* Is @p b one the host has? (The NIC's IPv4 is @p own, 0 if none.) */
static bool bind_local(const struct bind_addr *b, uint32_t own)
{
	static const uint8_t lo6[16] = {[15] = 1};
	if (b->wildcard)
		return true;
	if (b->family == AF_INET6)
		return memcmp(b->a, lo6, 16) == 0;
	uint32_t v;
	memcpy(&v, b->a, 4);
	return b->a[0] == 127 || (own != 0 && v == own);
}

/* anetTcpServer()'s getaddrinfo() of a host name (no ':', so IPv4): its
 * first answer. @return false if it does not resolve. */
static bool bind_resolve(const char *name, uint8_t a[4])
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE},
			*res = NULL;
	if (name[0] == '\0' || strchr(name, ':') != NULL ||
	    getaddrinfo(name, NULL, &hints, &res) != 0 || res == NULL)
		return false;
	memcpy(a, &((const struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
	freeaddrinfo(res);
	return true;
}

/* One address of the list, "-" stripped. @return false: no such address. */
static bool bind_parse_one(const char *s, struct bind_addr *b)
{
	memset(b, 0, sizeof(*b));
	if (strcmp(s, "*") == 0 || strcmp(s, "::*") == 0) {
		b->family = s[0] == '*' ? AF_INET : AF_INET6;
		b->wildcard = true;
		return true;
	}
	static const uint8_t zero[16];
	if (inet_pton(AF_INET, s, b->a) == 1 || bind_resolve(s, b->a))
		b->family = AF_INET;
	else if (inet_pton(AF_INET6, s, b->a) == 1)
		b->family = AF_INET6;
	else
		return false;
	b->wildcard = memcmp(b->a, zero, b->family == AF_INET ? 4 : 16) == 0;
	return true;
}

static bool bind_collide(const struct bind_addr *x, const struct bind_addr *y)
{
	if (x->family != y->family)
		return false;
	return x->wildcard || y->wildcard || memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16) == 0;
}

int rw_config_bind_check(const char *value, const char *own_addr, bool *accept_own,
			 const char **err)
{
	struct bind_addr kept[RW_CONFIG_BIND_MAX];
	uint32_t own = 0;
	size_t n_kept = 0, n_words = 0;
	if (own_addr == NULL || inet_pton(AF_INET, own_addr, &own) != 1)
		own = 0;
	*accept_own = false;
	if (value[0] == '\0') { /* Redis's default "* -::*" */
		*accept_own = true;
		return 0;
	}
	/* sdssplitlen(value, " "): two spaces make an empty address; the count
	 * is checked before any address (setConfigBindOption()) */
	for (const char *p = value; *p != '\0'; p++)
		n_words += *p == ' ';
	if (n_words + 1 > RW_CONFIG_BIND_MAX) {
		*err = BIND_ERR_MANY;
		return -EINVAL;
	}
	for (const char *p = value;; p++) {
		const char *sp = strchr(p, ' ');
		size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		char word[64];
		bool optional = len > 0 && p[0] == '-';
		struct bind_addr b;
		if (len >= sizeof(word))
			len = sizeof(word) - 1; /* longer than any address: fails below */
		memcpy(word, p + optional, len - optional);
		word[len - optional] = '\0';
		if (!bind_parse_one(word, &b)) {
			*err = BIND_ERR_FAIL;
			return -EINVAL;
		}
		if (!bind_local(&b, own)) {
			if (!optional) {
				*err = BIND_ERR_FAIL;
				return -EINVAL;
			}
		} else {
			for (size_t i = 0; i < n_kept; i++)
				if (bind_collide(&kept[i], &b)) {
					*err = BIND_ERR_FAIL;
					return -EINVAL;
				}
			kept[n_kept++] = b;
			uint32_t v;
			memcpy(&v, b.a, 4);
			if (b.family == AF_INET && (b.wildcard || v == own))
				*accept_own = true;
		}
		if (sp == NULL)
			break;
		p = sp;
	}
	return 0;
}

const char *rw_config_bind_unresolved(const char *value, char *name, size_t cap)
{
	for (const char *p = value; *p != '\0';) {
		size_t len = strcspn(p, " ");
		size_t skip = p[0] == '-';
		struct bind_addr b;
		if (len - skip < cap && len > skip) {
			memcpy(name, p + skip, len - skip);
			name[len - skip] = '\0';
			struct addrinfo hints = {.ai_family = AF_INET,
						 .ai_socktype = SOCK_STREAM,
						 .ai_flags = AI_PASSIVE},
					*res = NULL;
			int rc;
			if (!bind_parse_one(name, &b) && strchr(name, ':') == NULL &&
			    (rc = getaddrinfo(name, NULL, &hints, &res)) != 0)
				return gai_strerror(rc);
			if (res != NULL)
				freeaddrinfo(res);
		}
		p += len;
		p += *p == ' ';
	}
	return NULL;
}

/* string2d(): strtod over the whole token, no leading or trailing space,
 * no NaN. */
static bool string2d(const char *s, size_t len, double *out)
{
	char buf[64], *end;
	if (len == 0 || len >= sizeof(buf) || isspace((unsigned char)s[0]) ||
	    isspace((unsigned char)s[len - 1]))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	double v = strtod(buf, &end);
	if (*end != '\0' || isnan(v) || (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)))
		return false;
	*out = v;
	return true;
}

int rw_config_percentiles_parse(const char *value, double *out, size_t cap, size_t *n,
				const char **err)
{
	*n = 0;
	if (value[0] == '\0')
		return 0; /* none: INFO latencystats lists commands without figures */
	for (const char *p = value;; p++) {
		const char *sp = strchr(p, ' ');
		size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		double v;
		if (*n == cap || !string2d(p, len, &v)) {
			*err = "Invalid latency-tracking-info-percentiles parameters";
			return -EINVAL;
		}
		if (v < 0.0 || v > 100.0) {
			*err = "latency-tracking-info-percentiles parameters should sit between "
			       "[0.0,100.0]";
			return -EINVAL;
		}
		out[(*n)++] = v;
		if (sp == NULL)
			break;
		p = sp;
	}
	return 0;
}

size_t rw_config_double_fmt(double v, char *buf, size_t cap)
{
	/* "%f", then trimDoubleString(): no trailing zeros, no bare point */
	int n = snprintf(buf, cap, "%f", v);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	if (strchr(buf, '.') != NULL) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	return (size_t)n;
}

void rw_config_percentiles_fmt(const double *v, size_t n, char *buf, size_t cap)
{
	size_t w = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && w + 2 < cap; i++) {
		if (i > 0)
			buf[w++] = ' ';
		w += rw_config_double_fmt(v[i], buf + w, cap - w);
	}
	buf[w < cap ? w : cap - 1] = '\0';
}

/* util.c memtoull() */
static bool memtoull(const char *s, size_t len, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {{"", 1},	     {"b", 1},	      {"k", 1000},	 {"kb", 1024},
		     {"m", 1000000}, {"mb", 1048576}, {"g", 1000000000}, {"gb", 1073741824}};
	size_t d = 0;
	uint64_t mul = 0, v = 0;
	while (d < len && s[d] >= '0' && s[d] <= '9')
		d++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].unit) == len - d &&
		    strncasecmp(units[i].unit, s + d, len - d) == 0)
			mul = units[i].mul;
	if (mul == 0 || d == 0)
		return false;
	for (size_t i = 0; i < d; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

int rw_config_mempct_parse(const char *value, int64_t *out, const char **err)
{
	size_t len = strlen(value);
	if (len > 1 && value[len - 1] == '%') {
		/* string2ll(): digits only, no sign, no leading zero */
		uint64_t pct = 0;
		bool ok = len - 1 <= 18 && !(value[0] == '0' && len - 1 > 1);
		for (size_t i = 0; ok && i < len - 1; i++) {
			ok = value[i] >= '0' && value[i] <= '9';
			pct = pct * 10 + (uint64_t)(value[i] - '0');
		}
		if (!ok) {
			*err = "argument must be a memory or percent value";
			return -EINVAL;
		}
		if (pct > 100) {
			*err = "percentage argument must be less or equal to 100";
			return -EINVAL;
		}
		*out = -(int64_t)pct; /* Redis's encoding: a percent is negative */
		return 0;
	}
	uint64_t u;
	if (!memtoull(value, len, &u) || u > INT64_MAX) {
		*err = "argument must be a memory or percent value";
		return -EINVAL;
	}
	*out = (int64_t)u;
	return 0;
}
