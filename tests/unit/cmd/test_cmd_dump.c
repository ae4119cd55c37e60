/* DUMP and RESTORE: payload bytes, round trips through the store, and
 * RESTORE's checks in Redis 7.0.15's order and wording. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"
#include "cmd_rdb.h"
#include "crc64.h"

/* Run a command whose arguments may hold any bytes. */
static const char *run_argv(struct harness *h, uint32_t argc, const void *const *args,
			    const size_t *lens)
{
	size_t used = 0;
	for (uint32_t i = 0; i < argc; i++) {
		CU_ASSERT_FATAL(used + lens[i] <= sizeof(h->argbuf));
		memcpy(h->argbuf + used, args[i], lens[i]);
		h->argv[i] = (struct resp_arg){h->argbuf + used, (uint32_t)lens[i]};
		used += lens[i];
	}
	h->ctx.argc = argc;
	h->ctx.argv = h->argv;
	h->ctx.now_ms = h_unix_ms();
	h->ctx.now_us = h->ctx.now_ms * 1000;
	rw_buf_reset(&h->out);
	cmd_call(&h->ctx);
	rw_buf_append(&h->out, "", 1);
	return (const char *)h->out.data;
}

/* DUMP @p key into @p payload (the bulk's bytes). @return its length. */
static size_t dump(struct harness *h, const char *key, uint8_t *payload, size_t cap)
{
	const void *args[] = {"DUMP", key};
	size_t lens[] = {4, strlen(key)};
	const char *r = run_argv(h, 2, args, lens);
	CU_ASSERT_FATAL(r[0] == '$');
	long n = strtol(r + 1, NULL, 10);
	CU_ASSERT_FATAL(n > 0 && (size_t)n <= cap);
	memcpy(payload, strstr(r, "\r\n") + 2, (size_t)n);
	return (size_t)n;
}

/* RESTORE @p key @p ttl payload [opts...] (opts: space-separated or ""). */
static const char *restore(struct harness *h, const char *key, const char *ttl, const void *p,
			   size_t n, const char *opts)
{
	const void *args[12] = {"RESTORE", key, ttl, p};
	size_t lens[12] = {7, strlen(key), strlen(ttl), n};
	uint32_t argc = 4;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", opts);
	for (char *t = strtok(buf, " "); t != NULL && argc < 12; t = strtok(NULL, " ")) {
		args[argc] = t;
		lens[argc++] = strlen(t);
	}
	return run_argv(h, argc, args, lens);
}

/* A payload of @p body (type byte + value) with a right footer. */
static size_t payload_of(const void *body, size_t n, uint8_t *out)
{
	memcpy(out, body, n);
	out[n] = 10;
	out[n + 1] = 0;
	uint64_t crc = rw_crc64(0, out, n + 2);
	for (int i = 0; i < 8; i++)
		out[n + 2 + i] = (uint8_t)(crc >> (8 * i));
	return n + 10;
}

static void test_dump_int_matches_redis_documentation(void)
{
	struct harness h;
	h_init(&h, 2, "", 0);
	h_run(&h, "SET mykey 10");
	static const char want[] =
	    "$13\r\n\x00\xc0\x0a\x0a\x00\x6e\x9f\x57\x45\x0e\xae\x63\xbb\r\n";
	h_run(&h, "DUMP mykey");
	/* the reply holds NULs: compare bytes (h_run appended one more) */
	CU_ASSERT(h.out.len == sizeof(want) && memcmp(h.out.data, want, sizeof(want)) == 0);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "DUMP nokey"), "$-1\r\n");
	h_fini(&h);
}

static void test_dump_restore_round_trip_keeps_value_and_encoding(void)
{
	static const char *vals[] = {
	    "hello",
	    "-70000",
	    "12345678901234567890",
	    "",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "0123456789012345678901234567890123456789xyzxyz"};
	struct harness h;
	h_init(&h, 2, "", 0);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char want_get[200], want_enc[64];
		uint8_t p[256];
		const void *args[] = {"SET", "src", vals[i]};
		size_t lens[] = {3, 3, strlen(vals[i])};
		run_argv(&h, 3, args, lens);
		snprintf(want_get, sizeof(want_get), "%s", h_run(&h, "GET src"));
		snprintf(want_enc, sizeof(want_enc), "%s", h_run(&h, "OBJECT ENCODING src"));
		size_t n = dump(&h, "src", p, sizeof(p));
		h_run(&h, "DEL dst");
		CU_ASSERT_STRING_EQUAL(restore(&h, "dst", "0", p, n, ""), "+OK\r\n");
		CU_ASSERT_STRING_EQUAL(h_run(&h, "GET dst"), want_get);
		CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING dst"), want_enc);
		CU_ASSERT_STRING_EQUAL(h_run(&h, "PTTL dst"), ":-1\r\n");
	}
	h_fini(&h);
}

static void test_restore_errors_in_redis_order(void)
{
	struct harness h;
	uint8_t p[64], bad[64];
	h_init(&h, 2, "", 0);
	h_run(&h, "SET k v");
	size_t n = dump(&h, "k", p, sizeof(p));
	/* options first, then BUSYKEY, then TTL, then the payload */
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "-1", "x", 1, "bogus"), "-ERR syntax error\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", p, n, "FREQ 1 IDLETIME 1"),
			       "-ERR syntax error\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", p, n, "IDLETIME"), "-ERR syntax error\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", p, n, "IDLETIME -1"),
			       "-ERR Invalid IDLETIME value, must be >= 0\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", p, n, "FREQ 256"),
			       "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", p, n, "FREQ x"),
			       "-ERR value is not an integer or out of range\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "-1", "x", 1, ""),
			       "-BUSYKEY Target key name already exists.\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "-1", "x", 1, "REPLACE"),
			       "-ERR Invalid TTL value, must be >= 0\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "1.5", "x", 1, "REPLACE"),
			       "-ERR value is not an integer or out of range\r\n");
	memcpy(bad, p, n);
	bad[1] ^= 1;
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", bad, n, "REPLACE"),
			       "-ERR DUMP payload version or checksum are wrong\r\n");
	/* version 11, type 1 (a list: not loadable yet), type 8 (no such type),
	 * a length running past the payload: the key stays as it was */
	size_t m = payload_of("\x00\x01v", 3, bad);
	bad[m - 10] = 11;
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", bad, m, "REPLACE"),
			       "-ERR DUMP payload version or checksum are wrong\r\n");
	m = payload_of("\x08\x01v", 3, bad);
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", bad, m, "REPLACE"),
			       "-ERR Bad data format\r\n");
	m = payload_of("\x00\x3fv", 3, bad);
	CU_ASSERT_STRING_EQUAL(restore(&h, "k", "0", bad, m, "REPLACE"),
			       "-ERR Bad data format\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "GET k"), "$1\r\nv\r\n");
	/* the footer is in reach of the value, as in Redis: a 6-byte string
	 * whose bytes are the version and part of the CRC is accepted */
	m = payload_of("\x00\x06", 2, bad);
	CU_ASSERT_STRING_EQUAL(restore(&h, "k2", "0", bad, m, ""), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "STRLEN k2"), ":6\r\n");
	h_fini(&h);
}

static void test_restore_ttl_replace_absttl_idletime(void)
{
	struct harness h;
	uint8_t p[64];
	char ttl[32];
	h_init(&h, 2, "", 0);
	h_run(&h, "SET k v");
	size_t n = dump(&h, "k", p, sizeof(p));
	CU_ASSERT_STRING_EQUAL(restore(&h, "t", "100000", p, n, ""), "+OK\r\n");
	long pttl = strtol(h_run(&h, "PTTL t") + 1, NULL, 10);
	CU_ASSERT(pttl > 99000 && pttl <= 100000);
	snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long)(h_unix_ms() + 500000));
	CU_ASSERT_STRING_EQUAL(restore(&h, "t", ttl, p, n, "REPLACE ABSTTL"), "+OK\r\n");
	pttl = strtol(h_run(&h, "PTTL t") + 1, NULL, 10);
	CU_ASSERT(pttl > 499000 && pttl <= 500000);
	/* REPLACE without a TTL drops the old expiry */
	CU_ASSERT_STRING_EQUAL(restore(&h, "t", "0", p, n, "REPLACE"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "PTTL t"), ":-1\r\n");
	/* an absolute time in the past: OK, and a replaced key is gone */
	CU_ASSERT_STRING_EQUAL(restore(&h, "t", "1", p, n, "REPLACE ABSTTL"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "EXISTS t"), ":0\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "t", "1", p, n, "ABSTTL"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "EXISTS t"), ":0\r\n");
	CU_ASSERT_STRING_EQUAL(restore(&h, "i", "0", p, n, "IDLETIME 1000"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT IDLETIME i"), ":1000\r\n");
	h_fini(&h);
}

/* The snapshot's path: stored objects written as RDB keys, read back by
 * the file reader with the same values, types and metadata. */
static void test_rdb_save_key_writes_stored_objects_as_file_keys(void)
{
	struct harness h;
	h_init(&h, 2, "", 0);
	h_run(&h, "SET a 12345");
	h_run(&h, "SET b hello");
	h_run(&h, "APPEND c xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	static const char *keys[] = {"a", "b", "c"};
	struct rdb_buf b = {0};
	struct rdb_out *o = malloc(sizeof(*o));
	rdb_out_init(o, rdb_buf_sink, &b);
	rdb_w_header(o);
	rdb_w_select_db(o, 0);
	for (int i = 0; i < 3; i++) {
		struct store_obj *v = store_lookup(h.shard, 0, keys[i], 1, h_unix_ms(),
						   STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
		struct rdb_key_meta m = RDB_KEY_META_NONE;
		m.expire_ms = i == 1 ? 1900000000000 : -1;
		CU_ASSERT_FATAL(v != NULL);
		CU_ASSERT_EQUAL(cmd_rdb_save_key(o, &m, keys[i], 1, v, true), 0);
	}
	CU_ASSERT_EQUAL(rdb_w_eof(o, true), 0);
	free(o);

	static const char *vals[] = {
	    "12345", "hello", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
	struct rdb_in in;
	struct rdb_item it = {0};
	unsigned ver;
	rdb_in_init_mem(&in, b.p, b.len);
	CU_ASSERT_EQUAL_FATAL(rdb_r_header(&in, &ver), 0);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_SELECTDB);
	for (int i = 0; i < 3; i++) {
		struct cmd_rdb_val v;
		CU_ASSERT_EQUAL_FATAL(rdb_r_next(&in, ver, &it), 0);
		CU_ASSERT(it.kind == RDB_ITEM_KEY && it.klen == 1 && it.key[0] == keys[i][0]);
		CU_ASSERT_EQUAL(it.meta.expire_ms, i == 1 ? 1900000000000 : -1);
		CU_ASSERT_EQUAL_FATAL(cmd_rdb_load(&in, it.type, &v), 0);
		CU_ASSERT(v.len == strlen(vals[i]) && memcmp(v.str, vals[i], v.len) == 0);
		cmd_rdb_val_free(&v);
	}
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_EOF);
	rdb_item_clear(&it);
	rdb_buf_free(&b);
	h_fini(&h);
}

const struct rw_test_case cmd_dump_tests[] = {
    RW_TEST(test_rdb_save_key_writes_stored_objects_as_file_keys),
    RW_TEST(test_dump_int_matches_redis_documentation),
    RW_TEST(test_dump_restore_round_trip_keeps_value_and_encoding),
    RW_TEST(test_restore_errors_in_redis_order),
    RW_TEST(test_restore_ttl_replace_absttl_idletime),
    {NULL, NULL},
};
