/* Shared harness of the command unit tests (see cmd_harness.h). */
#include "cmd_harness.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t h_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char save_default[] = "";

void h_init(struct harness *h, uint8_t proto, const char *requirepass, uint64_t started_ago_ms)
{
	memset(h, 0, sizeof(*h));
	h->shard = store_shard_create(0, 16);
	h->cfg.port = 6379;
	h->cfg.databases = 16;
	h->cfg.maxclients = 10000;
	h->cfg.tcp_keepalive = 300;
	h->cfg.proto_max_bulk_len = 512ll << 20;
	h->cfg.client_query_buffer_limit = 1ll << 30;
	h->cfg.requirepass = (char *)requirepass;
	h->cfg.save = save_default;
	h->cfg.list_max_listpack_size = -2; /* the collection encodings' defaults */
	h->cfg.zset_max_listpack_entries = 128;
	h->cfg.zset_max_listpack_value = 64;
	h->cfg.hash_max_listpack_entries = 512; /* 7.0.15's built-in defaults */
	h->cfg.hash_max_listpack_value = 64;
	h->cfg.set_max_intset_entries = 512;
	h->cfg.dynamic_hz = true; /* Redis's default */
	h->env.cfg = &h->cfg;
	h->env.start_unix_ms = h_unix_ms() - started_ago_ms;
	snprintf(h->env.run_id, sizeof(h->env.run_id), "%s",
		 "0123456789abcdef0123456789abcdef01234567");
	h->env.pid = 4242;
	h->env.executable = "/usr/bin/redwire-dataplane";
	h->env.config_file = "/etc/redwire/redwire.conf";
	cmd_env_init(&h->env);
	h->env.rt = cmd_rtcfg_create(&h->cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->env.rt);
	cmd_client_init(&h->client, 7, &h->env, h_unix_ms());
	h->client.proto = proto;
	h->ctx = (struct cmd_ctx){
	    .out = &h->out, .shard = h->shard, .client = &h->client, .env = &h->env, .conn = h};
}

void h_fini(struct harness *h)
{
	store_shard_destroy(&h->shard);
	cmd_rtcfg_destroy(&h->env.rt);
	rw_buf_fini(&h->out);
}

const char *h_run(struct harness *h, const char *line)
{
	size_t n = strlen(line);
	CU_ASSERT_FATAL(n < sizeof(h->argbuf));
	memcpy(h->argbuf, line, n + 1);
	h->ctx.argc = 0;
	uint8_t *p = h->argbuf, *end = h->argbuf + n;
	while (p <= end) {
		uint8_t *sp = memchr(p, ' ', (size_t)(end - p));
		uint8_t *e = sp ? sp : end;
		CU_ASSERT_FATAL(h->ctx.argc < sizeof(h->argv) / sizeof(h->argv[0]));
		h->argv[h->ctx.argc++] = (struct resp_arg){p, (uint32_t)(e - p)};
		p = e + 1;
	}
	h->ctx.argv = h->argv;
	h->ctx.now_ms = h_unix_ms();
	h->ctx.now_us = h->ctx.now_ms * 1000;
	rw_buf_reset(&h->out);
	cmd_call(&h->ctx);
	rw_buf_append(&h->out, "", 1);
	return (const char *)h->out.data;
}

void h_print_escaped(const char *tag, const char *s)
{
	fprintf(stderr, "    %s ", tag);
	for (int i = 0; s[i] != '\0' && i < 400; i++)
		fputs(s[i] == '\r' ? "\\r" : s[i] == '\n' ? "\\n" : (char[]){s[i], 0}, stderr);
	fputc('\n', stderr);
}

void h_run_cases(struct harness *h, const struct cmd_case *cases,
		 int (*skip)(const struct cmd_case *c))
{
	for (const struct cmd_case *c = cases; c->cmd != NULL; c++) {
		const char *got = h_run(h, c->cmd);
		if (skip != NULL && skip(c))
			continue;
		if (strcmp(got, c->reply) != 0) {
			fprintf(stderr, "\n  %s\n", c->cmd);
			h_print_escaped("want", c->reply);
			h_print_escaped("got ", got);
		}
		CU_ASSERT_STRING_EQUAL(got, c->reply);
	}
}
