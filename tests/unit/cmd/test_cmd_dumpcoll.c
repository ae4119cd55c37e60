/* DUMP and RESTORE of lists, hashes, sets and sorted sets (cmd_rdb_*.c):
 * payloads equal to stock 7.0.15's, round trips keeping contents and
 * encodings, conversions under small limits, the snapshot's key path, and
 * malformed payloads refused without touching the key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"
#include "cmd_rdb.h"
#include "crc64.h"

/* Run a command whose arguments may hold any bytes (not copied). */
static const char *run_raw(struct harness *h, uint32_t argc, const void *const *args,
			   const size_t *lens)
{
	for (uint32_t i = 0; i < argc; i++)
		h->argv[i] = (struct resp_arg){(uint8_t *)(uintptr_t)args[i], (uint32_t)lens[i]};
	h->ctx.argc = argc;
	h->ctx.argv = h->argv;
	h->ctx.now_ms = h_unix_ms();
	h->ctx.now_us = h->ctx.now_ms * 1000;
	rw_buf_reset(&h->out);
	cmd_call(&h->ctx);
	rw_buf_append(&h->out, "", 1);
	return (const char *)h->out.data;
}

/* DUMP @p key into malloc'd *@p p. @return its length. */
static size_t dump(struct harness *h, const char *key, uint8_t **p)
{
	const void *args[] = {"DUMP", key};
	size_t lens[] = {4, strlen(key)};
	const char *r = run_raw(h, 2, args, lens);
	CU_ASSERT_FATAL(r[0] == '$');
	long n = strtol(r + 1, NULL, 10);
	CU_ASSERT_FATAL(n > 0);
	*p = malloc((size_t)n);
	memcpy(*p, strstr(r, "\r\n") + 2, (size_t)n);
	return (size_t)n;
}

static const char *restore(struct harness *h, const char *key, const void *p, size_t n)
{
	const void *args[] = {"RESTORE", key, "0", p, "REPLACE"};
	size_t lens[] = {7, strlen(key), 1, n, 7};
	return run_raw(h, 5, args, lens);
}

/* A payload of @p body (type byte + value) with a right footer, malloc'd. */
static uint8_t *payload_of(const void *body, size_t n, size_t *plen)
{
	uint8_t *out = malloc(n + 10);
	memcpy(out, body, n);
	out[n] = 10;
	out[n + 1] = 0;
	uint64_t crc = rw_crc64(0, out, n + 2);
	for (int i = 0; i < 8; i++)
		out[n + 2 + i] = (uint8_t)(crc >> (8 * i));
	*plen = n + 10;
	return out;
}

/* The reply of @p line, copied (h_run's buffer is reused). */
static char *reply(struct harness *h, const char *line)
{
	return strdup(h_run(h, line));
}

/* Stock 7.0.15's DUMP of the same data, byte for byte. */
static void test_dump_collections_give_stock_bytes(void)
{
	static const struct {
		const char *build, *key;
		const char *want;
		size_t n;
	} cases[] = {
	    {"RPUSH l a b 1 -300", "l",
	     "\x12\x01\x02\x12\x12\x00\x00\x00\x04\x00\x81\x61\x02\x81\x62\x02\x01\x01\xde\xd4"
	     "\x02\xff\x0a\x00\xc5\x2e\x2a\x38\x8f\x1b\x85\x63",
	     32},
	    {"HSET h f v n 12", "h",
	     "\x10\x12\x12\x00\x00\x00\x04\x00\x81\x66\x02\x81\x76\x02\x81\x6e\x02\x0c\x01\xff"
	     "\x0a\x00\x01\x36\x94\x81\xd3\x5b\x89\x74",
	     30},
	    {"SADD s 3 1 70000", "s",
	     "\x0b\x14\x04\x00\x00\x00\x03\x00\x00\x00\x01\x00\x00\x00\x03\x00\x00\x00\x70\x11"
	     "\x01\x00\x0a\x00\x49\x93\x40\xed\x54\xef\x4a\xfa",
	     32},
	    {"ZADD z 1 a 2.5 b", "z",
	     "\x11\x14\x14\x00\x00\x00\x04\x00\x81\x61\x02\x01\x01\x81\x62\x02\x83\x32\x2e\x35"
	     "\x04\xff\x0a\x00\xd4\x4c\x6e\xa4\xf6\x44\xd9\xd7",
	     32},
	};
	struct harness h;
	h_init(&h, 2, "", 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_run(&h, cases[i].build);
		uint8_t *p;
		size_t n = dump(&h, cases[i].key, &p);
		CU_ASSERT(n == cases[i].n && memcmp(p, cases[i].want, n) == 0);
		free(p);
	}
	h_fini(&h);
}

/* Each type and encoding DUMPs and RESTOREs to the same contents, encoding
 * and digest; a restored value DUMPs to the same bytes again. */
static void test_dump_restore_round_trip_every_type_and_encoding(void)
{
	static const struct {
		const char *build, *read;
	} cases[] = {
	    {"RPUSH k a b 1 2 -5 300 70000 5000000000", "LRANGE k 0 -1"},
	    {"HSET k f1 v1 f2 123 f3 -7", "HGETALL k"},
	    {"HSET k f vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv",
	     "HGET k f"},
	    {"SADD k 1 2 3 -5 70000 5000000000", "SMEMBERS k"},
	    {"SADD k a b c", "SCARD k"},
	    {"ZADD k 1 a 2.5 b -inf c inf d 0 e 1e20 f", "ZRANGE k 0 -1 WITHSCORES"},
	    {"ZADD k 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 2 "
	     "b",
	     "ZRANGE k 0 -1 WITHSCORES"},
	};
	struct harness h;
	h_init(&h, 2, "", 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_run(&h, "DEL k d");
		h_run(&h, cases[i].build);
		char *want = reply(&h, cases[i].read);
		char *enc = reply(&h, "OBJECT ENCODING k");
		char *dig = reply(&h, "DEBUG DIGEST-VALUE k");
		uint8_t *p, *p2;
		size_t n = dump(&h, "k", &p);
		CU_ASSERT_STRING_EQUAL(restore(&h, "d", p, n), "+OK\r\n");
		h_run(&h, "DEL k");
		CU_ASSERT_STRING_EQUAL(restore(&h, "k", p, n), "+OK\r\n");
		CU_ASSERT_STRING_EQUAL(h_run(&h, cases[i].read), want);
		CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING k"), enc);
		CU_ASSERT_STRING_EQUAL(h_run(&h, "DEBUG DIGEST-VALUE k"), dig);
		size_t n2 = dump(&h, "k", &p2);
		/* a hash table's order follows its insertion history */
		if (strcmp(enc, "$9\r\nhashtable\r\n") != 0 || strstr(cases[i].build, "HSET"))
			CU_ASSERT(n2 == n && memcmp(p, p2, n) == 0);
		free(p);
		free(p2);
		free(want);
		free(enc);
		free(dig);
	}
	h_fini(&h);
}

/* Loaded compact values over the configured bounds convert as Redis's
 * rdbLoadObject() converts them. */
static void test_restore_converts_over_configured_limits(void)
{
	struct harness h;
	h_init(&h, 2, "", 0);
	h_run(&h, "SADD s 1 2 3 4 5");
	h_run(&h, "HSET hs a 1 b 2 c 3");
	h_run(&h, "ZADD z 1 a 2 b 3 c");
	uint8_t *ps, *ph, *pz;
	size_t ns = dump(&h, "s", &ps), nh = dump(&h, "hs", &ph), nz = dump(&h, "z", &pz);
	h_run(&h, "CONFIG SET set-max-intset-entries 4");
	h_run(&h, "CONFIG SET hash-max-listpack-entries 2");
	h_run(&h, "CONFIG SET zset-max-listpack-entries 2");
	restore(&h, "s", ps, ns);
	restore(&h, "hs", ph, nh);
	restore(&h, "z", pz, nz);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING s"), "$9\r\nhashtable\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING hs"), "$9\r\nhashtable\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING z"), "$8\r\nskiplist\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "SCARD s"), ":5\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "HGET hs c"), "$1\r\n3\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "ZSCORE z b"), "$1\r\n2\r\n");
	free(ps);
	free(ph);
	free(pz);
	h_fini(&h);
}

/* Every truncation and every single-byte change of valid collection
 * payloads (CRC fixed up) is refused or loads cleanly: never a crash or a
 * leak, and a refused RESTORE leaves the key as it was. */
static void test_restore_malformed_collections_leaves_key(void)
{
	static const char *const builds[] = {
	    "RPUSH x a b 1 -300 70000",
	    "HSET x f v n 12",
	    "SADD x 3 1 70000",
	    "SADD x a b",
	    "ZADD x 1 a 2.5 b",
	    "ZADD x 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 2 b"};
	struct harness h;
	h_init(&h, 2, "", 0);
	for (size_t b = 0; b < sizeof(builds) / sizeof(builds[0]); b++) {
		h_run(&h, "DEL x");
		h_run(&h, builds[b]);
		uint8_t *p;
		size_t n = dump(&h, "x", &p) - 10; /* the value without its footer */
		for (size_t cut = 0; cut < n; cut++) {
			size_t pl;
			uint8_t *q = payload_of(p, cut, &pl);
			h_run(&h, "SET k keep");
			const char *r = restore(&h, "k", q, pl);
			/* as in Redis, a value may run on into the footer's bytes */
			CU_ASSERT(strcmp(r, "+OK\r\n") == 0 ||
				  strcmp(r, "-ERR Bad data format\r\n") == 0);
			if (r[0] == '-')
				CU_ASSERT_STRING_EQUAL(h_run(&h, "GET k"), "$4\r\nkeep\r\n");
			free(q);
		}
		for (size_t at = 1; at < n; at++) {
			for (int bit = 0; bit < 8; bit += 3) {
				uint8_t *body = malloc(n);
				memcpy(body, p, n);
				body[at] ^= (uint8_t)(1u << bit);
				size_t pl;
				uint8_t *q = payload_of(body, n, &pl);
				h_run(&h, "SET k keep");
				const char *r = restore(&h, "k", q, pl);
				CU_ASSERT(strcmp(r, "+OK\r\n") == 0 ||
					  strcmp(r, "-ERR Bad data format\r\n") == 0);
				if (r[0] == '-')
					CU_ASSERT_STRING_EQUAL(h_run(&h, "GET k"),
							       "$4\r\nkeep\r\n");
				free(q);
				free(body);
			}
		}
		free(p);
	}
	h_fini(&h);
}

/* The snapshot's path: collections written as RDB file keys by
 * cmd_rdb_save_key() load back with the same contents. */
static void test_rdb_save_key_round_trips_collections(void)
{
	static const char *const builds[] = {"RPUSH a x 1 y", "HSET b f v", "SADD c 5 6",
					     "ZADD d 1.5 m"};
	static const char *const keys[] = {"a", "b", "c", "d"};
	static const uint8_t types[] = {STORE_TYPE_LIST, STORE_TYPE_HASH, STORE_TYPE_SET,
					STORE_TYPE_ZSET};
	struct harness h;
	h_init(&h, 2, "", 0);
	struct rdb_buf b = {0};
	struct rdb_out *o = malloc(sizeof(*o));
	rdb_out_init(o, rdb_buf_sink, &b);
	rdb_w_header(o);
	rdb_w_select_db(o, 0);
	for (int i = 0; i < 4; i++) {
		h_run(&h, builds[i]);
		struct store_obj *v = store_lookup(h.shard, 0, keys[i], 1, h_unix_ms(),
						   STORE_LOOKUP_NOTOUCH | STORE_LOOKUP_NOSTATS);
		struct rdb_key_meta m = RDB_KEY_META_NONE;
		CU_ASSERT_FATAL(v != NULL);
		CU_ASSERT_EQUAL(cmd_rdb_save_key(o, &m, keys[i], 1, v, true), 0);
	}
	CU_ASSERT_EQUAL(rdb_w_eof(o, true), 0);
	free(o);
	struct rdb_in in;
	struct rdb_item it = {0};
	unsigned ver;
	rdb_in_init_mem(&in, b.p, b.len);
	CU_ASSERT_EQUAL_FATAL(rdb_r_header(&in, &ver), 0);
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_SELECTDB);
	for (int i = 0; i < 4; i++) {
		struct cmd_rdb_val v;
		CU_ASSERT_EQUAL_FATAL(rdb_r_next(&in, ver, &it), 0);
		CU_ASSERT(it.kind == RDB_ITEM_KEY && it.key[0] == keys[i][0]);
		CU_ASSERT_EQUAL_FATAL(cmd_rdb_load(&in, it.type, &v), 0);
		CU_ASSERT_EQUAL(v.type, types[i]);
		CU_ASSERT(v.coll != NULL);
		cmd_rdb_val_free(&v);
	}
	CU_ASSERT(rdb_r_next(&in, ver, &it) == 0 && it.kind == RDB_ITEM_EOF);
	rdb_item_clear(&it);
	rdb_buf_free(&b);
	h_fini(&h);
}

/* RENAME and MOVE move the object (encoding, expiry, memory accounted
 * once); COPY duplicates it in its encoding, a shrunk hash table included. */
static void test_rename_copy_move_collections_keep_encoding_and_expiry(void)
{
	struct harness h;
	h_init(&h, 2, "", 0);
	h_run(
	    &h,
	    "HSET h f vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv g 1");
	h_run(&h, "HDEL h f");
	h_run(&h, "PEXPIREAT h 4102444800000");
	uint64_t used = store_shard_stats(h.shard)->used_bytes;
	CU_ASSERT_STRING_EQUAL(h_run(&h, "RENAME h x"), "+OK\r\n");
	CU_ASSERT_EQUAL(store_shard_stats(h.shard)->used_bytes, used);
	CU_ASSERT_STRING_EQUAL(h_run(&h, "RENAME x h2"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING h2"), "$9\r\nhashtable\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "PEXPIRETIME h2"), ":4102444800000\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "EXISTS h"), ":0\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "COPY h2 h3"), ":1\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING h3"), "$9\r\nhashtable\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "HGET h3 g"), "$1\r\n1\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "PEXPIRETIME h3"), ":4102444800000\r\n");
	h_run(
	    &h,
	    "ZADD z 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 2 b");
	h_run(&h, "ZREM z aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "COPY z z DB 3"), ":1\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "MOVE z 3"), ":0\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "MOVE z 4"), ":1\r\n");
	h_run(&h, "SELECT 3");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING z"), "$8\r\nskiplist\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "ZSCORE z b"), "$1\r\n2\r\n");
	h_run(&h, "SELECT 4");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING z"), "$8\r\nskiplist\r\n");
	h_run(&h, "SADD s 1 2 3");
	h_run(&h, "RPUSH l a b");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "RENAMENX s l"), ":0\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "COPY s l"), ":0\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "COPY s l REPLACE"), ":1\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "OBJECT ENCODING l"), "$6\r\nintset\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "RENAME l s"), "+OK\r\n");
	CU_ASSERT_STRING_EQUAL(h_run(&h, "SMEMBERS s"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
	h_fini(&h);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_dump_collections_give_stock_bytes),
	    RW_TEST(test_dump_restore_round_trip_every_type_and_encoding),
	    RW_TEST(test_restore_converts_over_configured_limits),
	    RW_TEST(test_restore_malformed_collections_leaves_key),
	    RW_TEST(test_rdb_save_key_round_trips_collections),
	    RW_TEST(test_rename_copy_move_collections_keep_encoding_and_expiry),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_dumpcoll", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
