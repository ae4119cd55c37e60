/*
 * GET /metrics (control/api): every line of the exposition is parsed by a
 * checker of the Prometheus text format 0.0.4, which other tests reuse
 * (test_cpapi_chan.c checks the per-worker samples of a live channel).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_route.h"
#include "test_cpapi.h"

#define MAX_FAMILIES 256

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* {k="v",k2="v2"}: label names are names, values escaped (\\ \" \n only). */
static const char *labels_parse(const char *p, const char *eol)
{
	if (p >= eol || *p != '{')
		return p;
	p++;
	while (p < eol && *p != '}') {
		const char *k = p;
		while (p < eol && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		if (!name_ok(k, (size_t)(p - k)) || p + 1 >= eol || p[0] != '=' || p[1] != '"')
			return NULL;
		for (p += 2; p < eol && *p != '"'; p++)
			if (*p == '\\' && (++p >= eol || strchr("\\\"n", *p) == NULL))
				return NULL;
		if (p >= eol)
			return NULL;
		p++;
		if (p < eol && *p == ',')
			p++;
	}
	return p < eol ? p + 1 : NULL;
}

int test_cpapi_prom_check(const char *text, char *why, size_t whylen)
{
	char fam[MAX_FAMILIES][128] = {{0}};
	int nfam = 0, samples = 0, line = 0;
	char cur[128] = "", cur_type[16] = "";
	bool cur_help = false;
	for (const char *p = text; *p; line++) {
		const char *eol = strchr(p, '\n');
		if (eol == NULL) {
			snprintf(why, whylen, "line %d: no final line feed", line + 1);
			return -1;
		}
		char name[128], type[16];
		size_t n;
		if (strncmp(p, "# HELP ", 7) == 0) {
			n = strcspn(p + 7, " \n");
			if (!name_ok(p + 7, n) || n >= sizeof(name) || p[7 + n] != ' ')
				goto bad;
			memcpy(name, p + 7, n);
			name[n] = '\0';
			for (int i = 0; i < nfam; i++)
				if (strcmp(fam[i], name) == 0)
					goto bad; /* a family appears once, contiguously */
			if (nfam == MAX_FAMILIES)
				goto bad;
			snprintf(fam[nfam++], sizeof(fam[0]), "%s", name);
			snprintf(cur, sizeof(cur), "%s", name);
			cur_type[0] = '\0';
			cur_help = true;
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			if (sscanf(p + 7, "%127s %15s", name, type) != 2 ||
			    strcmp(name, cur) != 0 || !cur_help || cur_type[0] != '\0')
				goto bad;
			if (strcmp(type, "counter") != 0 && strcmp(type, "gauge") != 0)
				goto bad;
			if (strcmp(type, "counter") == 0 &&
			    !ends_with(name, strlen(name), "_total"))
				goto bad;
			snprintf(cur_type, sizeof(cur_type), "%s", type);
		} else if (*p == '#') {
			goto bad; /* we write no other comments */
		} else {
			n = strcspn(p, "{ \n");
			if (n != strlen(cur) || strncmp(p, cur, n) != 0 || cur_type[0] == '\0')
				goto bad; /* a sample of its family, after HELP and TYPE */
			const char *q = labels_parse(p + n, eol);
			if (q == NULL || *q != ' ')
				goto bad;
			char *end;
			double v = strtod(q + 1, &end);
			if (end == q + 1 || end != eol || v < 0)
				goto bad;
			samples++;
		}
		p = eol + 1;
		continue;
	bad:
		snprintf(why, whylen, "line %d: %.*s", line + 1, (int)(eol - p), p);
		return -1;
	}
	return samples;
}

bool test_cpapi_prom_sample(const char *text, const char *series, double *value)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			*value = strtod(p + n + 1, NULL);
			return true;
		}
	return false;
}

static void test_cpapi_metrics_checker_rejects_malformed_expositions(void)
{
	static const char *const bad[] = {
	    "x 1\n",						   /* sample without HELP/TYPE */
	    "# HELP a_total h\n# TYPE a_total counter\na_total 1", /* no final LF */
	    "# HELP a h\n# TYPE a counter\na 1\n",		   /* counter without _total */
	    "# HELP a h\n# TYPE a gauge\nb 1\n",		   /* sample of another family */
	    "# HELP a h\n# TYPE a gauge\na{w=\"0} 1\n",		   /* open label value */
	    "# HELP a h\n# TYPE a gauge\na 1\n# HELP a h\n",	   /* family twice */
	    "# HELP a h\n# TYPE a histogram\n",			   /* a type we do not write */
	    "# HELP a h\n# TYPE a gauge\na x\n",		   /* not a number */
	};
	char why[256];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(test_cpapi_prom_check(bad[i], why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(test_cpapi_prom_check("# HELP a h \\\\ x\n# TYPE a gauge\n"
					      "a{w=\"0\",v=\"\\\"q\\\"\"} 1.5\n",
					      why, sizeof(why)),
			1);
}

static void test_cpapi_metrics_without_dataplane_is_valid_and_down(void)
{
	struct api_ctx ctx = {.name = "unit\"q", .start_mono_ms = 0};
	struct api_resp resp;
	api_route(&ctx, "GET", "/metrics", &resp);
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_STRING_EQUAL(resp.content_type, API_CT_PROMETHEUS);
	CU_ASSERT_EQUAL(strlen(resp.body), resp.len);
	char why[256] = "";
	int n = test_cpapi_prom_check(resp.body, why, sizeof(why));
	if (n < 0)
		fprintf(stderr, "\n%s\n", why);
	CU_ASSERT(n >= 6);
	double v = -1;
	CU_ASSERT(test_cpapi_prom_sample(resp.body, "redwire_dataplane_up", &v) && v == 0);
	CU_ASSERT(test_cpapi_prom_sample(resp.body, "redwire_dataplane_workers", &v) && v == 0);
	CU_ASSERT(test_cpapi_prom_sample(
	    resp.body, "redwire_build_info{version=\"" RW_VERSION "\",name=\"unit\\\"q\"}", &v));
	CU_ASSERT_PTR_NULL(strstr(resp.body, "worker=")); /* no workers, no worker samples */
	api_resp_fini(&resp);
}

static void test_cpapi_metrics_wrong_method_is_405(void)
{
	struct api_ctx ctx = {.name = "unit"};
	struct api_resp resp;
	api_route(&ctx, "POST", "/metrics", &resp);
	CU_ASSERT_EQUAL(resp.status, 405);
	CU_ASSERT_STRING_EQUAL(resp.content_type, API_CT_JSON);
	api_resp_fini(&resp);
}

const struct rw_test_case test_cpapi_metrics_cases[] = {
    RW_TEST(test_cpapi_metrics_checker_rejects_malformed_expositions),
    RW_TEST(test_cpapi_metrics_without_dataplane_is_valid_and_down),
    RW_TEST(test_cpapi_metrics_wrong_method_is_405),
    {NULL, NULL},
};
