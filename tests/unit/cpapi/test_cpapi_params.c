/* GET /v1/parameters[/{name}] (control/api): the config table as typed JSON, secrets redacted. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api_route.h"
#include "test_cpapi.h"

#define COUNT_ONE(field, name, type, def, min, max, desc) +1
static const size_t n_directives = 0 RW_CONFIG_TABLE(COUNT_ONE);
#undef COUNT_ONE

static json_t *get(const struct api_ctx *ctx, const char *path, int *status, char **raw)
{
	struct api_resp resp;
	api_route(ctx, "GET", path, &resp);
	*status = resp.status;
	CU_ASSERT_STRING_EQUAL(resp.content_type, API_CT_JSON);
	json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(j);
	if (raw != NULL)
		*raw = strdup(resp.body);
	api_resp_fini(&resp);
	return j;
}

static json_t *find(json_t *list, const char *name)
{
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p) if (strcmp(json_string_value(json_object_get(p, "name")),
						  name) == 0) return p;
	return NULL;
}

static int load(struct rw_config *cfg)
{
	char *argv[] = {"--requirepass",  "s3cret-pw", "--maxmemory",  "1mb",
			"--redwire-name", "unitp",     "--appendonly", "yes"};
	char err[256];
	return rw_config_load(cfg, NULL, 8, argv, NULL, NULL, err, sizeof(err));
}

static void test_cpapi_params_list_has_every_directive_typed_and_redacted(void)
{
	struct rw_config cfg;
	CU_ASSERT_EQUAL_FATAL(load(&cfg), 0);
	struct api_ctx ctx = {.name = cfg.rw_name, .cfg = &cfg};
	int st;
	char *raw = NULL;
	json_t *j = get(&ctx, "/v1/parameters", &st, &raw);
	CU_ASSERT_EQUAL(st, 200);
	json_t *list = json_object_get(j, "parameters");
	CU_ASSERT_EQUAL(json_array_size(list), n_directives);
	size_t i;
	json_t *p;
	json_array_foreach(list, i, p)
	{
		CU_ASSERT(json_is_string(json_object_get(p, "name")));
		CU_ASSERT(json_is_string(json_object_get(p, "type")));
		CU_ASSERT(json_is_string(json_object_get(p, "description")));
		CU_ASSERT_PTR_NOT_NULL(json_object_get(p, "value"));
		CU_ASSERT_PTR_NOT_NULL(json_object_get(p, "default"));
		CU_ASSERT(json_is_boolean(json_object_get(p, "secret")));
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "apply")), "restart");
	}
	CU_ASSERT_PTR_NULL(strstr(raw, "s3cret-pw")); /* the secret never leaves */
	json_t *pw = find(list, "requirepass");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(pw, "value")), "(redacted)");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(pw, "type")), "secret");
	CU_ASSERT(json_is_true(json_object_get(pw, "secret")));
	json_t *mm = find(list, "maxmemory");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(mm, "type")), "memory");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(mm, "value")), 1024 * 1024);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(mm, "default")), 0);
	json_t *bulk = find(list, "proto-max-bulk-len");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(bulk, "default")), 512 * 1024 * 1024);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(bulk, "minimum")), 1024 * 1024);
	json_t *port = find(list, "port");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(port, "value")), 6379);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(port, "maximum")), 65535);
	CU_ASSERT(json_is_true(json_object_get(find(list, "appendonly"), "value")));
	CU_ASSERT(json_is_false(json_object_get(find(list, "appendonly"), "default")));
	CU_ASSERT_PTR_NULL(json_object_get(find(list, "dir"), "minimum"));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(find(list, "dir"), "default")),
			       "/var/lib/redwire/unitp"); /* %n expanded */
	free(raw);
	json_decref(j);
	rw_config_fini(&cfg);
}

static void test_cpapi_params_one_by_name_case_insensitive(void)
{
	struct rw_config cfg;
	CU_ASSERT_EQUAL_FATAL(load(&cfg), 0);
	struct api_ctx ctx = {.name = cfg.rw_name, .cfg = &cfg};
	int st;
	json_t *j = get(&ctx, "/v1/parameters/MaxMemory", &st, NULL);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "name")), "maxmemory");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "value")), 1024 * 1024);
	json_decref(j);
	j = get(&ctx, "/v1/parameters/redwire-name", &st, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "value")), "unitp");
	json_decref(j);
	rw_config_fini(&cfg);
}

static void test_cpapi_params_unknown_name_is_404(void)
{
	struct api_ctx ctx = {.name = "unit"};
	int st;
	json_t *j = get(&ctx, "/v1/parameters/no-such-directive", &st, NULL);
	CU_ASSERT_EQUAL(st, 404);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "error")), "no such parameter");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "name")), "no-such-directive");
	json_decref(j);
}

static void test_cpapi_params_without_config_values_are_null(void)
{
	struct api_ctx ctx = {.name = "unit"};
	int st;
	json_t *j = get(&ctx, "/v1/parameters/port", &st, NULL);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT(json_is_null(json_object_get(j, "value")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "default")), 6379);
	json_decref(j);
	j = get(&ctx, "/v1/parameters/requirepass", &st, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "default")), "");
	json_decref(j);
}

const struct rw_test_case test_cpapi_params_cases[] = {
    RW_TEST(test_cpapi_params_list_has_every_directive_typed_and_redacted),
    RW_TEST(test_cpapi_params_one_by_name_case_insensitive),
    RW_TEST(test_cpapi_params_unknown_name_is_404),
    RW_TEST(test_cpapi_params_without_config_values_are_null),
    {NULL, NULL},
};
