/*
 * rdb_tool: platform/codec's RDB writer and reader driven from a text
 * dataset, for the integration test that holds them against stock
 * redis-check-rdb and redis-server 7.0.15 (tests/integration/test_rdb_file.sh).
 *
 *   rdb_tool write FILE < dataset    write an RDB of the dataset
 *   rdb_tool read FILE > dataset     print every key of an RDB (string values)
 *
 * Dataset lines, grouped by DB in ascending order:
 *   db <TAB> expire_ms <TAB> idle_s <TAB> freq <TAB> hex(key) <TAB> hex(value)
 * with -1 for "none". `read` prints the same format (idle and freq as the
 * file has them), preceded by "aux <TAB> hex(key) <TAB> hex(value)" lines.
 * The writer hands the file to write(2) in the library's chunks.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rdb_file.h"

struct row {
	long long db, expire_ms, idle, freq;
	uint8_t *key, *val;
	size_t klen, vlen;
};

static int unhex(const char *s, size_t n, uint8_t **out, size_t *len)
{
	if (n % 2 != 0 || (*out = malloc(n / 2 + 1)) == NULL)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned b;
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		(*out)[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

static void put_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static int fd_sink(void *arg, const void *p, size_t n)
{
	int fd = *(int *)arg;
	const uint8_t *s = p;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t fd_source(void *arg, void *p, size_t n)
{
	ssize_t r = read(*(int *)arg, p, n);
	return r < 0 ? -errno : r;
}

/* Read the dataset from stdin. @return the row count or -1. */
static long load_rows(struct row **rows)
{
	size_t cap = 0, n = 0;
	char *line = NULL;
	size_t lcap = 0;
	*rows = NULL;
	while (getline(&line, &lcap, stdin) > 0) {
		struct row r;
		int kpos = 0, kend = 0, vpos = 0, vend = 0;
		if (sscanf(line, "%lld\t%lld\t%lld\t%lld\t%n%*[0-9a-f]%n\t%n%*[0-9a-f]%n", &r.db,
			   &r.expire_ms, &r.idle, &r.freq, &kpos, &kend, &vpos, &vend) < 4)
			return -1;
		if (vend == 0) /* empty value: the last field is absent */
			vpos = vend = kend + 1;
		if (unhex(line + kpos, (size_t)(kend - kpos), &r.key, &r.klen) != 0 ||
		    unhex(line + vpos, (size_t)(vend - vpos), &r.val, &r.vlen) != 0)
			return -1;
		if (n == cap &&
		    (*rows = realloc(*rows, (cap = cap ? cap * 2 : 64) * sizeof(r))) == NULL)
			return -1;
		(*rows)[n++] = r;
	}
	free(line);
	return (long)n;
}

static int cmd_write(const char *path)
{
	struct row *rows;
	long n = load_rows(&rows);
	if (n < 0) {
		fprintf(stderr, "rdb_tool: bad dataset line\n");
		return 2;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct rdb_out *o = malloc(sizeof(*o));
	if (fd < 0 || o == NULL)
		return 2;
	rdb_out_init(o, fd_sink, &fd);
	rdb_w_header(o);
	struct rdb_aux_std aux = {.redis_ver = "7.0.15", .ctime = time(NULL), .used_mem = 1 << 20};
	rdb_w_aux_std(o, &aux);
	rdb_w_aux_int(o, RDB_AUX_RW_EPOCH, 3);
	rdb_w_aux_offsets(o, (const uint64_t[]){123456789, 0, 42}, 3);
	for (long i = 0; i < n;) {
		long j = i;
		uint64_t expires = 0;
		for (; j < n && rows[j].db == rows[i].db; j++)
			expires += rows[j].expire_ms != -1;
		rdb_w_select_db(o, (uint64_t)rows[i].db);
		rdb_w_resize_db(o, (uint64_t)(j - i), expires);
		for (; i < j; i++) {
			struct rdb_key_meta m = {rows[i].expire_ms, rows[i].idle,
						 (int)rows[i].freq};
			rdb_w_key(o, &m, RDB_TYPE_STRING, rows[i].key, rows[i].klen);
			rdb_w_string(o, rows[i].val, rows[i].vlen, true);
		}
	}
	int rc = rdb_w_eof(o, true);
	free(o);
	for (long i = 0; i < n; i++) {
		free(rows[i].key);
		free(rows[i].val);
	}
	free(rows);
	if (rc != 0 || fsync(fd) != 0 || close(fd) != 0) {
		fprintf(stderr, "rdb_tool: write failed: %s\n", strerror(-rc));
		return 2;
	}
	return 0;
}

static int cmd_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct rdb_in in;
	if (fd < 0 || rdb_in_init_source(&in, fd_source, &fd) != 0)
		return 2;
	struct rdb_item it = {0};
	unsigned ver;
	uint64_t db = 0;
	int rc = rdb_r_header(&in, &ver);
	while (rc == 0) {
		if ((rc = rdb_r_next(&in, ver, &it)) != 0 || it.kind == RDB_ITEM_EOF)
			break;
		if (it.kind == RDB_ITEM_SELECTDB) {
			db = it.db;
		} else if (it.kind == RDB_ITEM_AUX) {
			printf("aux\t");
			put_hex(it.aux_key, it.aux_key_len);
			printf("\t");
			put_hex(it.aux_val, it.aux_val_len);
			printf("\n");
		} else if (it.kind == RDB_ITEM_KEY) {
			uint8_t *v;
			size_t vn;
			if (it.type != RDB_TYPE_STRING) {
				rc = -ENOTSUP;
				break;
			}
			if ((rc = rdb_r_string(&in, &v, &vn)) != 0)
				break;
			printf("%" PRIu64 "\t%" PRId64 "\t%" PRId64 "\t%d\t", db, it.meta.expire_ms,
			       it.meta.idle_s, it.meta.freq);
			put_hex(it.key, it.klen);
			printf("\t");
			put_hex(v, vn);
			printf("\n");
			free(v);
		}
	}
	if (rc != 0)
		fprintf(stderr, "rdb_tool: %s: %s at offset %" PRIu64 "\n", path, strerror(-rc),
			in.off);
	rdb_item_clear(&it);
	rdb_in_fini(&in);
	close(fd);
	return rc != 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return cmd_write(argv[2]);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return cmd_read(argv[2]);
	fprintf(stderr, "usage: rdb_tool write|read FILE\n");
	return 2;
}
