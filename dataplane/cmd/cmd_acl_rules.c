/*
 * ACL rules of one user: parse, describe, match (see cmd_acl.h).
 *
 * Follows acl.c of redis-server 7.0.15 for the root selector:
 * ACLSetUser()/ACLSetSelector() for the modifiers, ACLDescribeUser() and
 * ACLDescribeSelectorCommandRules() for the text, ACLSelectorCheckCmd()
 * for the verdict. Command ids are rows of stock's table
 * (cmd_acl_cmds.inc, sorted by full name, a container's subcommands right
 * after it).
 *
 * DESCRIBING COMMANDS. Redis keeps only the bitmap and rebuilds a rule
 * string from it: start from +@all if the "future" bit is set, else
 * -@all; then, repeatedly, the category (in ACL CAT order) whose commands
 * agree with the bitmap more than they disagree, fewest disagreements
 * first, most agreements on a tie; then one +cmd/-cmd per command still
 * different, then the first arguments of denied commands. Stock walks its
 * command dict for that last pass, whose order is random per process, so
 * only the order of several single-command rules can differ from stock's
 * (Redwire's is the table's).
 *
 * Context: any thread; pure.
 */
#include "cmd_acl.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd_int.h"

struct acl_row {
	const char *name;
	uint32_t cats;
	uint32_t n_subs;
};

static const struct acl_row rows[] = {
#define CMD_ACL_ROW(n, c, s) {n, c, s},
#include "cmd_acl_cmds.inc"
#undef CMD_ACL_ROW
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))
_Static_assert(N_ROWS < CMD_ACL_FUTURE, "the future bit stays free");

const char *const cmd_acl_categories[] = {
    "keyspace", "read",	       "write",	     "set",	    "sortedset", "list",  "hash", "string",
    "bitmap",	"hyperloglog", "geo",	     "stream",	    "pubsub",	 "admin", "fast", "slow",
    "blocking", "dangerous",   "connection", "transaction", "scripting", NULL,
};

/* ---- rows ---- */

static int row_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct acl_row *)e)->name);
}

/* lookupCommandBySds(): "get", "config|get" (case-insensitive); -1 if none. */
static int row_find(const uint8_t *name, size_t len)
{
	char low[128];
	if (len == 0 || len >= sizeof(low))
		return -1;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	low[len] = '\0';
	const struct acl_row *r = bsearch(low, rows, N_ROWS, sizeof(rows[0]), row_cmp);
	return r != NULL ? (int)(r - rows) : -1;
}

static bool row_is_sub(int id)
{
	return strchr(rows[id].name, '|') != NULL;
}

static uint32_t cat_flag(const char *name, size_t len)
{
	for (uint32_t i = 0; cmd_acl_categories[i] != NULL; i++)
		if (strlen(cmd_acl_categories[i]) == len &&
		    strncasecmp(cmd_acl_categories[i], name, len) == 0)
			return 1u << i;
	return 0;
}

int cmd_acl_category_commands(const char *cat, size_t len, void (*fn)(void *arg, const char *name),
			      void *arg)
{
	uint32_t f = cat_flag(cat, len);
	if (f == 0)
		return -1;
	for (size_t i = 0; i < N_ROWS; i++)
		if (rows[i].cats & f)
			fn(arg, rows[i].name);
	return 0;
}

/* ---- bits ---- */

static bool bit_get(const uint64_t *a, uint32_t id)
{
	return (a[id / 64] >> (id % 64)) & 1;
}

static void bit_set(struct cmd_acl_rules *r, uint32_t id, bool v)
{
	if (v) {
		r->allowed[id / 64] |= UINT64_C(1) << (id % 64);
	} else {
		r->allowed[id / 64] &= ~(UINT64_C(1) << (id % 64));
		r->flags &= ~CMD_ACL_F_ALLCOMMANDS;
	}
}

static void firstargs_reset(struct cmd_acl_rules *r, uint32_t id)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < r->n_first; i++) {
		if (r->first[i].id == id)
			free(r->first[i].arg);
		else
			r->first[k++] = r->first[i];
	}
	r->n_first = k;
}

static void firstargs_clear(struct cmd_acl_rules *r)
{
	for (uint32_t i = 0; i < r->n_first; i++)
		free(r->first[i].arg);
	free(r->first);
	r->first = NULL;
	r->n_first = 0;
}

/* ACLChangeSelectorPerm(): a container's subcommands follow it. */
static void change_perm(struct cmd_acl_rules *r, uint32_t id, bool allow)
{
	bit_set(r, id, allow);
	firstargs_reset(r, id);
	for (uint32_t s = 1; s <= rows[id].n_subs; s++)
		bit_set(r, id + s, allow);
}

static void category_set(struct cmd_acl_rules *r, uint32_t flag, bool allow)
{
	for (uint32_t i = 0; i < N_ROWS; i++)
		if (rows[i].cats & flag)
			change_perm(r, i, allow);
}

/* ---- lifecycle ---- */

void cmd_acl_rules_init(struct cmd_acl_rules *r)
{
	*r = (struct cmd_acl_rules){.flags = CMD_ACL_F_OFF};
}

int cmd_acl_rules_init_default(struct cmd_acl_rules *r)
{
	static const char *const ops[] = {"+@all", "~*", "&*", "on", "nopass"};
	cmd_acl_rules_init(r);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (cmd_acl_rules_apply(r, (const uint8_t *)ops[i], strlen(ops[i])) != 0)
			return -ENOMEM;
	return 0;
}

void cmd_acl_rules_fini(struct cmd_acl_rules *r)
{
	if (r == NULL)
		return;
	for (uint32_t i = 0; i < r->n_keys; i++)
		free(r->keys[i].s);
	for (uint32_t i = 0; i < r->n_chans; i++)
		free(r->chans[i].s);
	firstargs_clear(r);
	free(r->keys);
	free(r->chans);
	free(r->pass);
	cmd_acl_rules_init(r);
}

static int pats_copy(struct cmd_acl_pat **dst, const struct cmd_acl_pat *src, uint32_t n)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	if ((*dst = calloc(n, sizeof(**dst))) == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		(*dst)[i] = src[i];
		if (((*dst)[i].s = malloc(src[i].len + 1)) == NULL)
			return -ENOMEM;
		memcpy((*dst)[i].s, src[i].s, src[i].len + 1);
	}
	return 0;
}

int cmd_acl_rules_copy(struct cmd_acl_rules *dst, const struct cmd_acl_rules *src)
{
	*dst = *src;
	dst->pass = NULL;
	dst->keys = dst->chans = NULL;
	dst->first = NULL;
	if (src->n_pass != 0) {
		if ((dst->pass = malloc(src->n_pass * sizeof(*dst->pass))) == NULL)
			goto fail;
		memcpy(dst->pass, src->pass, src->n_pass * sizeof(*dst->pass));
	}
	if (pats_copy(&dst->keys, src->keys, src->n_keys) != 0 ||
	    pats_copy(&dst->chans, src->chans, src->n_chans) != 0)
		goto fail;
	if (src->n_first != 0) {
		if ((dst->first = calloc(src->n_first, sizeof(*dst->first))) == NULL)
			goto fail;
		for (uint32_t i = 0; i < src->n_first; i++) {
			dst->first[i].id = src->first[i].id;
			if ((dst->first[i].arg = strdup(src->first[i].arg)) == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	cmd_acl_rules_fini(dst);
	return -ENOMEM;
}

/* ---- passwords ---- */

void cmd_acl_hash(const uint8_t *pass, size_t len, char hex[CMD_ACL_HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(pass, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		memset(md, 0, sizeof(md)); /* cannot happen: libcrypto's SHA-256 */
	for (unsigned int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* ACLCheckPasswordHash(): 64 lower-case hex digits. */
static bool hash_ok(const uint8_t *p, size_t n)
{
	if (n != CMD_ACL_HASH_HEX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static int pass_find(const struct cmd_acl_rules *r, const char *hex)
{
	for (uint32_t i = 0; i < r->n_pass; i++)
		if (memcmp(r->pass[i], hex, CMD_ACL_HASH_HEX) == 0)
			return (int)i;
	return -1;
}

static int pass_op(struct cmd_acl_rules *r, const uint8_t *op, size_t len)
{
	char hex[CMD_ACL_HASH_HEX + 1];
	if (op[0] == '>' || op[0] == '<') {
		cmd_acl_hash(op + 1, len - 1, hex);
	} else {
		if (!hash_ok(op + 1, len - 1))
			return -EBADMSG;
		memcpy(hex, op + 1, CMD_ACL_HASH_HEX);
		hex[CMD_ACL_HASH_HEX] = '\0';
	}
	int at = pass_find(r, hex);
	if (op[0] == '<' || op[0] == '!') {
		if (at < 0)
			return -ENODEV;
		memmove(&r->pass[at], &r->pass[at + 1],
			(r->n_pass - (uint32_t)at - 1) * sizeof(*r->pass));
		r->n_pass--;
		return 0;
	}
	if (at < 0) {
		void *p = realloc(r->pass, (r->n_pass + 1) * sizeof(*r->pass));
		if (p == NULL)
			return -ENOMEM;
		r->pass = p;
		memcpy(r->pass[r->n_pass++], hex, sizeof(hex));
	}
	r->flags &= ~CMD_ACL_F_NOPASS;
	return 0;
}

bool cmd_acl_rules_pass_ok(const struct cmd_acl_rules *r, const uint8_t *pass, size_t len)
{
	if (r->flags & CMD_ACL_F_NOPASS)
		return true;
	char hex[CMD_ACL_HASH_HEX + 1];
	cmd_acl_hash(pass, len, hex);
	bool ok = false;
	for (uint32_t i = 0; i < r->n_pass; i++) { /* time_independent_strcmp() */
		unsigned diff = 0;
		for (size_t k = 0; k < CMD_ACL_HASH_HEX; k++)
			diff |= (unsigned)(r->pass[i][k] ^ hex[k]);
		ok |= diff == 0;
	}
	return ok;
}

/* ---- patterns ---- */

/* ACLStringHasSpaces() */
static bool has_spaces(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == ' ' || p[i] == '\0')
			return true;
	return false;
}

static int pat_add(struct cmd_acl_pat **v, uint32_t *n, const uint8_t *p, size_t len, uint8_t flags)
{
	for (uint32_t i = 0; i < *n; i++)
		if ((*v)[i].len == len && memcmp((*v)[i].s, p, len) == 0) {
			(*v)[i].flags |= flags;
			return 0;
		}
	struct cmd_acl_pat *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	char *s = malloc(len + 1);
	if (s == NULL)
		return -ENOMEM;
	memcpy(s, p, len);
	s[len] = '\0';
	nv[(*n)++] = (struct cmd_acl_pat){.flags = flags, .len = (uint32_t)len, .s = s};
	return 0;
}

static void pats_clear(struct cmd_acl_pat **v, uint32_t *n)
{
	for (uint32_t i = 0; i < *n; i++)
		free((*v)[i].s);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* "~pat", "%R~pat", "%RW~pat" */
static int key_op(struct cmd_acl_rules *r, const uint8_t *op, size_t len)
{
	if (r->flags & CMD_ACL_F_ALLKEYS)
		return -EEXIST;
	uint8_t flags = 0;
	size_t off = 1;
	if (op[0] == '%') {
		for (; off < len; off++) {
			uint8_t c = (uint8_t)(op[off] & ~0x20);
			if (c == 'R' && !(flags & CMD_ACL_K_READ)) {
				flags |= CMD_ACL_K_READ;
			} else if (c == 'W' && !(flags & CMD_ACL_K_WRITE)) {
				flags |= CMD_ACL_K_WRITE;
			} else if (op[off] == '~') {
				off++;
				break;
			} else {
				return -EINVAL;
			}
		}
	} else {
		flags = CMD_ACL_K_ALL;
	}
	if (has_spaces(op + off, len - off))
		return -EINVAL;
	int rc = pat_add(&r->keys, &r->n_keys, op + off, len - off, flags);
	r->flags &= ~CMD_ACL_F_ALLKEYS;
	return rc;
}

/* ---- commands ---- */

static int firstarg_add(struct cmd_acl_rules *r, uint32_t id, const char *arg)
{
	for (uint32_t i = 0; i < r->n_first; i++)
		if (r->first[i].id == id && strcasecmp(r->first[i].arg, arg) == 0)
			return 0;
	struct cmd_acl_firstarg *f = realloc(r->first, (r->n_first + 1) * sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	r->first = f;
	char *a = strdup(arg);
	if (a == NULL)
		return -ENOMEM;
	f[r->n_first++] = (struct cmd_acl_firstarg){id, a};
	return 0;
}

/* "+cmd", "+cmd|sub", "+cmd|firstarg", "-cmd", "-cmd|sub" */
static int cmd_op(struct cmd_acl_rules *r, const uint8_t *op, size_t len)
{
	const uint8_t *name = op + 1;
	size_t nlen = len - 1;
	const uint8_t *bar = NULL;
	for (size_t i = 0; i < nlen; i++)
		if (name[i] == '|')
			bar = name + i; /* strrchr() */
	if (op[0] == '-' || bar == NULL) {
		int id = row_find(name, nlen);
		if (id < 0)
			return -ENOENT;
		change_perm(r, (uint32_t)id, op[0] == '+');
		return 0;
	}
	int id = row_find(name, (size_t)(bar - name));
	if (id < 0)
		return -ENOENT;
	if (row_is_sub(id))
		return -ECHILD;
	size_t slen = nlen - (size_t)(bar + 1 - name);
	if (slen == 0)
		return -EINVAL;
	if (rows[id].n_subs != 0) {
		int sid = row_find(name, nlen);
		if (sid < 0)
			return -ENOENT;
		change_perm(r, (uint32_t)sid, true);
		return 0;
	}
	char arg[256];
	if (slen >= sizeof(arg))
		return -EINVAL;
	memcpy(arg, bar + 1, slen);
	arg[slen] = '\0';
	return firstarg_add(r, (uint32_t)id, arg);
}

static bool op_is(const uint8_t *op, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp((const char *)op, lit, len) == 0;
}

/* ACLSetSelector() */
static int selector_op(struct cmd_acl_rules *r, const uint8_t *op, size_t len)
{
	if (op_is(op, len, "allkeys") || op_is(op, len, "~*")) {
		r->flags |= CMD_ACL_F_ALLKEYS;
		pats_clear(&r->keys, &r->n_keys);
	} else if (op_is(op, len, "resetkeys")) {
		r->flags &= ~CMD_ACL_F_ALLKEYS;
		pats_clear(&r->keys, &r->n_keys);
	} else if (op_is(op, len, "allchannels") || op_is(op, len, "&*")) {
		r->flags |= CMD_ACL_F_ALLCHANNELS;
		pats_clear(&r->chans, &r->n_chans);
	} else if (op_is(op, len, "resetchannels")) {
		r->flags &= ~CMD_ACL_F_ALLCHANNELS;
		pats_clear(&r->chans, &r->n_chans);
	} else if (op_is(op, len, "allcommands") || op_is(op, len, "+@all")) {
		memset(r->allowed, 0xff, sizeof(r->allowed));
		r->flags |= CMD_ACL_F_ALLCOMMANDS;
		firstargs_clear(r);
	} else if (op_is(op, len, "nocommands") || op_is(op, len, "-@all")) {
		memset(r->allowed, 0, sizeof(r->allowed));
		r->flags &= ~CMD_ACL_F_ALLCOMMANDS;
		firstargs_clear(r);
	} else if (op[0] == '~' || op[0] == '%') {
		return key_op(r, op, len);
	} else if (op[0] == '&') {
		if (r->flags & CMD_ACL_F_ALLCHANNELS)
			return -EISDIR;
		if (has_spaces(op + 1, len - 1))
			return -EINVAL;
		int rc = pat_add(&r->chans, &r->n_chans, op + 1, len - 1, 0);
		r->flags &= ~CMD_ACL_F_ALLCHANNELS;
		return rc;
	} else if ((op[0] == '+' || op[0] == '-') && (len < 2 || op[1] != '@')) {
		return cmd_op(r, op, len);
	} else if ((op[0] == '+' || op[0] == '-') && op[1] == '@') {
		uint32_t f = cat_flag((const char *)op + 2, len - 2);
		if (f == 0)
			return -ENOENT;
		category_set(r, f, op[0] == '+');
	} else {
		return -EINVAL;
	}
	return 0;
}

static void flag_set(struct cmd_acl_rules *r, uint32_t on, uint32_t off)
{
	r->flags = (r->flags | on) & ~off;
}

int cmd_acl_rules_apply(struct cmd_acl_rules *r, const uint8_t *op, size_t len)
{
	if (len == 0)
		return 0;
	if (op_is(op, len, "on")) {
		flag_set(r, CMD_ACL_F_ON, CMD_ACL_F_OFF);
	} else if (op_is(op, len, "off")) {
		flag_set(r, CMD_ACL_F_OFF, CMD_ACL_F_ON);
	} else if (op_is(op, len, "skip-sanitize-payload")) {
		flag_set(r, CMD_ACL_F_SKIP_SANITIZE, CMD_ACL_F_SANITIZE);
	} else if (op_is(op, len, "sanitize-payload")) {
		flag_set(r, CMD_ACL_F_SANITIZE, CMD_ACL_F_SKIP_SANITIZE);
	} else if (op_is(op, len, "nopass")) {
		r->flags |= CMD_ACL_F_NOPASS;
		r->n_pass = 0;
	} else if (op_is(op, len, "resetpass")) {
		r->flags &= ~CMD_ACL_F_NOPASS;
		r->n_pass = 0;
	} else if (op[0] == '>' || op[0] == '#' || op[0] == '<' || op[0] == '!') {
		return pass_op(r, op, len);
	} else if (op[0] == '(' && op[len - 1] == ')') {
		return -ENOTSUP; /* TODO(#8): selectors */
	} else if (op_is(op, len, "clearselectors")) {
		return 0; /* there are none */
	} else if (op_is(op, len, "reset")) {
		static const char *const ops[] = {"resetpass", "resetkeys",	   "resetchannels",
						  "off",       "sanitize-payload", "-@all"};
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			cmd_acl_rules_apply(r, (const uint8_t *)ops[i], strlen(ops[i]));
	} else {
		return selector_op(r, op, len);
	}
	return 0;
}

const char *cmd_acl_strerror(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "Unknown command or category name in ACL";
	case -EINVAL:
		return "Syntax error";
	case -EEXIST:
		return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid "
		       "and does not have any effect. Try 'resetkeys' to start with an empty list "
		       "of patterns";
	case -EISDIR:
		return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not "
		       "valid and does not have any effect. Try 'resetchannels' to start with an "
		       "empty list of channels";
	case -ENODEV:
		return "The password you are trying to remove from the user does not exist";
	case -EBADMSG:
		return "The password hash must be exactly 64 characters and contain only "
		       "lowercase hexadecimal characters";
	case -ECHILD:
		return "Allowing first-arg of a subcommand is not supported";
	case -ENOTSUP:
		return "Selectors are not supported by Redwire yet";
	default:
		return "Wrong format";
	}
}

/* ---- describe ---- */

static void cat_s(struct rw_buf *b, const char *s)
{
	rw_buf_append(b, s, strlen(s));
}

static void cat_pat(struct rw_buf *b, const struct cmd_acl_pat *p)
{
	cat_s(b, p->flags == CMD_ACL_K_ALL ? "~" : p->flags == CMD_ACL_K_READ ? "%R~" : "%W~");
	rw_buf_append(b, p->s, p->len);
}

static void count_cat(const uint64_t *bits, uint32_t flag, unsigned long *on, unsigned long *off)
{
	*on = *off = 0;
	for (uint32_t i = 0; i < N_ROWS; i++)
		if (rows[i].cats & flag) {
			if (bit_get(bits, i))
				(*on)++;
			else
				(*off)++;
		}
}

void cmd_acl_rules_describe_cmds(const struct cmd_acl_rules *r, struct rw_buf *out)
{
	struct cmd_acl_rules fake, temp;
	cmd_acl_rules_init(&fake);
	cmd_acl_rules_init(&temp);
	bool additive = !bit_get(r->allowed, CMD_ACL_FUTURE);
	size_t start = out->len;
	cat_s(out, additive ? "-@all " : "+@all ");
	if (!additive)
		memset(fake.allowed, 0xff, sizeof(fake.allowed));
	memcpy(temp.allowed, r->allowed, sizeof(temp.allowed));
	bool applied[32] = {false};
	for (;;) {
		int best = -1;
		unsigned long mindiff = 0x7fffffff, maxsame = 0;
		for (int j = 0; cmd_acl_categories[j] != NULL; j++) {
			if (applied[j])
				continue;
			unsigned long on, off;
			count_cat(temp.allowed, 1u << j, &on, &off);
			unsigned long diff = additive ? off : on, same = additive ? on : off;
			if (same > diff &&
			    (diff < mindiff || (diff == mindiff && same > maxsame))) {
				best = j;
				mindiff = diff;
				maxsame = same;
			}
		}
		if (best < 0)
			break;
		category_set(&fake, 1u << best, additive);
		category_set(&temp, 1u << best, !additive);
		cat_s(out, additive ? "+@" : "-@");
		cat_s(out, cmd_acl_categories[best]);
		cat_s(out, " ");
		applied[best] = true;
	}
	for (uint32_t i = 0; i < N_ROWS; i++) {
		bool ub = bit_get(r->allowed, i), fb = bit_get(fake.allowed, i);
		if (ub != fb) {
			cat_s(out, ub ? "+" : "-");
			cat_s(out, rows[i].name);
			cat_s(out, " ");
			change_perm(&fake, i, ub);
		}
		/* a container's first arguments come after its subcommands */
		uint32_t owner = i;
		while (owner > 0 && row_is_sub((int)owner))
			owner--;
		bool last_of_family = i + 1 >= N_ROWS || !row_is_sub((int)i + 1);
		if (!last_of_family || bit_get(r->allowed, owner))
			continue;
		for (uint32_t k = 0; k < r->n_first; k++)
			if (r->first[k].id == owner) {
				cat_s(out, "+");
				cat_s(out, rows[owner].name);
				cat_s(out, "|");
				cat_s(out, r->first[k].arg);
				cat_s(out, " ");
			}
	}
	if (out->len > start)
		out->len--; /* the last space */
	cmd_acl_rules_fini(&fake);
	cmd_acl_rules_fini(&temp);
}

void cmd_acl_rules_describe_keys(const struct cmd_acl_rules *r, struct rw_buf *out)
{
	if (r->flags & CMD_ACL_F_ALLKEYS) {
		cat_s(out, "~*");
		return;
	}
	for (uint32_t i = 0; i < r->n_keys; i++) {
		if (i)
			cat_s(out, " ");
		cat_pat(out, &r->keys[i]);
	}
}

void cmd_acl_rules_describe_chans(const struct cmd_acl_rules *r, struct rw_buf *out)
{
	if (r->flags & CMD_ACL_F_ALLCHANNELS) {
		cat_s(out, "&*");
		return;
	}
	for (uint32_t i = 0; i < r->n_chans; i++) {
		cat_s(out, i ? " &" : "&");
		rw_buf_append(out, r->chans[i].s, r->chans[i].len);
	}
}

void cmd_acl_rules_describe(const struct cmd_acl_rules *r, struct rw_buf *out)
{
	static const char *const flags[] = {"on", "off", "nopass", "skip-sanitize-payload",
					    "sanitize-payload"};
	for (uint32_t j = 0; j < 5; j++)
		if (r->flags & (1u << j)) {
			cat_s(out, flags[j]);
			cat_s(out, " ");
		}
	for (uint32_t i = 0; i < r->n_pass; i++) {
		cat_s(out, "#");
		rw_buf_append(out, r->pass[i], CMD_ACL_HASH_HEX);
		cat_s(out, " ");
	}
	if (r->flags & CMD_ACL_F_ALLKEYS) {
		cat_s(out, "~* ");
	} else {
		for (uint32_t i = 0; i < r->n_keys; i++) {
			cat_pat(out, &r->keys[i]);
			cat_s(out, " ");
		}
	}
	if (r->flags & CMD_ACL_F_ALLCHANNELS) {
		cat_s(out, "&* ");
	} else {
		cat_s(out, "resetchannels ");
		for (uint32_t i = 0; i < r->n_chans; i++) {
			cat_s(out, "&");
			rw_buf_append(out, r->chans[i].s, r->chans[i].len);
			cat_s(out, " ");
		}
	}
	cmd_acl_rules_describe_cmds(r, out);
}

/* ---- match ---- */

bool cmd_acl_rules_unrestricted(const struct cmd_acl_rules *r)
{
	uint32_t all = CMD_ACL_F_ALLCOMMANDS | CMD_ACL_F_ALLKEYS | CMD_ACL_F_ALLCHANNELS;
	return (r->flags & all) == all;
}

/* ACLSelectorCheckKey(): the key-spec flags as ACL permissions. */
static uint8_t spec_perm(const char *spec, size_t n)
{
	uint8_t f = 0;
	for (const char *w = spec, *e = spec + n; w < e;) {
		size_t wl = strcspn(w, " |");
		if (w + wl > e)
			wl = (size_t)(e - w);
		if (wl == 6 && strncmp(w, "access", 6) == 0)
			f |= CMD_ACL_K_READ;
		else if ((wl == 6 &&
			  (strncmp(w, "insert", 6) == 0 || strncmp(w, "delete", 6) == 0 ||
			   strncmp(w, "update", 6) == 0)))
			f |= CMD_ACL_K_WRITE;
		w += wl + 1;
	}
	return f;
}

static bool key_ok(const struct cmd_acl_rules *r, const struct resp_arg *k, uint8_t need)
{
	for (uint32_t i = 0; i < r->n_keys; i++) {
		const struct cmd_acl_pat *p = &r->keys[i];
		if ((p->flags & need) != need)
			continue;
		if (cmd_glob_match((const uint8_t *)p->s, p->len, k->ptr, k->len, false))
			return true;
	}
	return false;
}

/* ACLCheckChannelAgainstList() */
static bool chan_ok(const struct cmd_acl_rules *r, const struct resp_arg *c, bool is_pattern)
{
	for (uint32_t i = 0; i < r->n_chans; i++) {
		const struct cmd_acl_pat *p = &r->chans[i];
		if (is_pattern
			? (p->len == c->len && memcmp(p->s, c->ptr, c->len) == 0)
			: cmd_glob_match((const uint8_t *)p->s, p->len, c->ptr, c->len, false))
			return true;
	}
	return false;
}

/* getChannelsFromCommand(): the commands that name channels to publish or
 * subscribe to (unsubscribing is never refused). */
static bool chan_positions(const struct cmd_def *d, uint32_t *first, bool *all, bool *pattern)
{
	static const struct {
		const char *name;
		bool all, pattern;
	} cs[] = {{"publish", false, false},
		  {"spublish", false, false},
		  {"subscribe", true, false},
		  {"ssubscribe", true, false},
		  {"psubscribe", true, true}};
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		if (strcmp(d->name, cs[i].name) == 0) {
			*first = 1;
			*all = cs[i].all;
			*pattern = cs[i].pattern;
			return true;
		}
	return false;
}

enum cmd_acl_verdict cmd_acl_rules_check(const struct cmd_acl_rules *r, const struct cmd_def *d,
					 const struct resp_arg *argv, uint32_t argc,
					 uint32_t *errpos)
{
	*errpos = 0;
	if (!(r->flags & CMD_ACL_F_ALLCOMMANDS) && !(d->flags & CMD_NOAUTH)) {
		int id = row_find((const uint8_t *)d->name, strlen(d->name));
		if (id < 0)
			return CMD_ACL_DENIED_CMD;
		if (!bit_get(r->allowed, (uint32_t)id)) {
			uint32_t idx = row_is_sub(id) ? 2 : 1;
			bool ok = false;
			for (uint32_t k = 0; argc >= 2 && idx < argc && k < r->n_first; k++)
				if (r->first[k].id == (uint32_t)id &&
				    strlen(r->first[k].arg) == argv[idx].len &&
				    strncasecmp(r->first[k].arg, (const char *)argv[idx].ptr,
						argv[idx].len) == 0)
					ok = true;
			if (!ok)
				return CMD_ACL_DENIED_CMD;
		}
	}
	if (!(r->flags & CMD_ACL_F_ALLKEYS) && !(d->flags & CMD_PUBSUB) &&
	    (d->first_key > 0 || d->numkeys_arg > 0)) {
		struct cmd_key_ref small[16], *ks = small;
		int64_t n = cmd_keys_of(d, argv, argc, ks, 16);
		if (n > 16) {
			ks = malloc((size_t)n * sizeof(*ks));
			if (ks == NULL)
				return CMD_ACL_DENIED_KEY;
			n = cmd_keys_of(d, argv, argc, ks, (size_t)n);
		}
		enum cmd_acl_verdict v = CMD_ACL_OK;
		for (int64_t i = 0; i < n && v == CMD_ACL_OK; i++)
			if (!key_ok(r, &argv[ks[i].pos], spec_perm(ks[i].spec, ks[i].spec_len))) {
				v = CMD_ACL_DENIED_KEY;
				*errpos = ks[i].pos;
			}
		if (ks != small)
			free(ks);
		if (v != CMD_ACL_OK)
			return v;
	}
	uint32_t first;
	bool all, pattern;
	if (!(r->flags & CMD_ACL_F_ALLCHANNELS) && chan_positions(d, &first, &all, &pattern)) {
		uint32_t end = all ? argc : (first + 1 < argc ? first + 1 : argc);
		for (uint32_t i = first; i < end; i++)
			if (!chan_ok(r, &argv[i], pattern)) {
				*errpos = i;
				return CMD_ACL_DENIED_CHANNEL;
			}
	}
	return CMD_ACL_OK;
}
