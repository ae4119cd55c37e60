/*
 * Unit tests of the ACL rules (dataplane/cmd/cmd_acl_rules.c): the parser of
 * ACL SETUSER's modifiers, the describer (ACL LIST's text, whose expected
 * strings below are stock redis-server 7.0.15's for the same modifiers) and
 * the matcher (commands, first arguments, key patterns with %R/%W, channels),
 * plus the shared user table (cmd_acl.c): all-or-nothing SETUSER, DELUSER,
 * AUTH and the hot-path flag.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cmd_acl.h"
#include "cmd_acl_int.h"
#include "cmd_int.h"
#include "rw_test.h"

static int apply(struct cmd_acl_rules *r, const char *op)
{
	return cmd_acl_rules_apply(r, (const uint8_t *)op, strlen(op));
}

/* Apply NULL-terminated modifiers to a new user and describe it. */
static void described(char *out, size_t cap, ...)
{
	struct cmd_acl_rules r;
	cmd_acl_rules_init(&r);
	va_list ap;
	va_start(ap, cap);
	for (const char *op; (op = va_arg(ap, const char *)) != NULL;)
		CU_ASSERT_EQUAL(apply(&r, op), 0);
	va_end(ap);
	struct rw_buf b = {0};
	cmd_acl_rules_describe(&r, &b);
	snprintf(out, cap, "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
	rw_buf_fini(&b);
	cmd_acl_rules_fini(&r);
}

static void test_cmd_acl_describe_matches_stock(void)
{
	char s[512];
	described(s, sizeof(s), NULL);
	CU_ASSERT_STRING_EQUAL(s, "off resetchannels -@all");
	described(s, sizeof(s), "on", "nopass", "~*", "&*", "+@all", NULL);
	CU_ASSERT_STRING_EQUAL(s, "on nopass ~* &* +@all");
	described(s, sizeof(s), "on", "~k*", "%R~r*", "%W~w*", "%RW~both", "~k*", "&ch*", "-@all",
		  "+@string", "-incr", NULL);
	CU_ASSERT_STRING_EQUAL(s,
			       "on ~k* %R~r* %W~w* ~both resetchannels &ch* -@all +@string -incr");
	described(s, sizeof(s), "+@all", "-debug", NULL);
	CU_ASSERT_STRING_EQUAL(s, "off resetchannels +@all -debug");
	described(s, sizeof(s), "allcommands", "-@write", "-@admin", NULL);
	CU_ASSERT_STRING_EQUAL(s, "off resetchannels +@all -@write -@admin");
	described(s, sizeof(s), "+@read", "-keys", NULL);
	CU_ASSERT_STRING_EQUAL(s, "off resetchannels -@all +@read -keys");
	described(s, sizeof(s), "nocommands", "+select|0", "+select|1", "+select|0", NULL);
	CU_ASSERT_STRING_EQUAL(s, "off resetchannels -@all +select|0 +select|1");
	described(s, sizeof(s), "+config|get", NULL);
	CU_ASSERT_STRING_EQUAL(s, "off resetchannels -@all +config|get");
	described(s, sizeof(s), "reset", NULL);
	CU_ASSERT_STRING_EQUAL(s, "off sanitize-payload resetchannels -@all");
	/* a later -@all forgets first arguments; +cmd forgets its own */
	described(s, sizeof(s), "+select|0", "+select", "-select", NULL);
	CU_ASSERT_STRING_EQUAL(s, "off resetchannels -@all");
}

static void test_cmd_acl_modifier_errors_as_redis(void)
{
	struct cmd_acl_rules r;
	cmd_acl_rules_init(&r);
	CU_ASSERT_EQUAL(apply(&r, "nosuch"), -EINVAL);
	CU_ASSERT_EQUAL(apply(&r, "+nosuchcmd"), -ENOENT);
	CU_ASSERT_EQUAL(apply(&r, "+@nosuch"), -ENOENT);
	CU_ASSERT_EQUAL(apply(&r, "+config|"), -EINVAL);
	CU_ASSERT_EQUAL(apply(&r, "+config|get|x"), -ECHILD);
	CU_ASSERT_EQUAL(apply(&r, "-get|x"), -ENOENT);
	CU_ASSERT_EQUAL(apply(&r, "#abc"), -EBADMSG);
	CU_ASSERT_EQUAL(apply(&r, "<nope"), -ENODEV);
	CU_ASSERT_EQUAL(apply(&r, "%X~a"), -EINVAL);
	CU_ASSERT_EQUAL(apply(&r, "%RR~a"), -EINVAL);
	CU_ASSERT_EQUAL(apply(&r, "(~a +get)"), -ENOTSUP);
	CU_ASSERT_EQUAL(apply(&r, "allkeys"), 0);
	CU_ASSERT_EQUAL(apply(&r, "~a"), -EEXIST);
	CU_ASSERT_EQUAL(apply(&r, "&*"), 0);
	CU_ASSERT_EQUAL(apply(&r, "&a"), -EISDIR);
	CU_ASSERT_EQUAL(apply(&r, ""), 0);	/* an empty modifier does nothing */
	CU_ASSERT_EQUAL(apply(&r, "+xadd"), 0); /* stock's commands, implemented or not */
	CU_ASSERT_EQUAL(apply(&r, "+CONFIG|GET"), 0);
	CU_ASSERT_STRING_EQUAL(
	    cmd_acl_strerror(-ENODEV),
	    "The password you are trying to remove from the user does not exist");
	cmd_acl_rules_fini(&r);
}

static void test_cmd_acl_passwords_hash_and_remove(void)
{
	struct cmd_acl_rules r;
	cmd_acl_rules_init(&r);
	const char *h = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
	char hex[65];
	cmd_acl_hash((const uint8_t *)"password", 8, hex);
	CU_ASSERT_STRING_EQUAL(hex, h);
	CU_ASSERT_FALSE(cmd_acl_rules_pass_ok(&r, (const uint8_t *)"x", 1)); /* no password */
	CU_ASSERT_EQUAL(apply(&r, ">password"), 0);
	CU_ASSERT_EQUAL(apply(&r, ">password"), 0); /* not added twice */
	CU_ASSERT_EQUAL(r.n_pass, 1);
	CU_ASSERT(cmd_acl_rules_pass_ok(&r, (const uint8_t *)"password", 8));
	CU_ASSERT_FALSE(cmd_acl_rules_pass_ok(&r, (const uint8_t *)"Password", 8));
	char op[80];
	snprintf(op, sizeof(op), "!%s", h);
	CU_ASSERT_EQUAL(apply(&r, op), 0);
	CU_ASSERT_EQUAL(r.n_pass, 0);
	snprintf(op, sizeof(op), "#%s", h);
	CU_ASSERT_EQUAL(apply(&r, op), 0);
	CU_ASSERT(cmd_acl_rules_pass_ok(&r, (const uint8_t *)"password", 8));
	CU_ASSERT_EQUAL(apply(&r, "nopass"), 0);
	CU_ASSERT_EQUAL(r.n_pass, 0);
	CU_ASSERT(cmd_acl_rules_pass_ok(&r, (const uint8_t *)"anything", 8));
	CU_ASSERT_EQUAL(apply(&r, "resetpass"), 0);
	CU_ASSERT_FALSE(cmd_acl_rules_pass_ok(&r, (const uint8_t *)"anything", 8));
	cmd_acl_rules_fini(&r);
}

static enum cmd_acl_verdict check(const struct cmd_acl_rules *r, uint32_t *pos, int argc, ...)
{
	struct resp_arg argv[8];
	va_list ap;
	va_start(ap, argc);
	for (int i = 0; i < argc; i++) {
		const char *s = va_arg(ap, const char *);
		argv[i] = (struct resp_arg){(uint8_t *)s, strlen(s)};
	}
	va_end(ap);
	const struct cmd_def *d = cmd_lookup(argv[0].ptr, argv[0].len);
	if (d->n_subcmds != 0 && argc >= 2)
		d = cmd_subcmd_lookup(d, argv[1].ptr, argv[1].len);
	return cmd_acl_rules_check(r, d, argv, (uint32_t)argc, pos);
}

static void test_cmd_acl_check_commands_keys_channels(void)
{
	struct cmd_acl_rules r;
	uint32_t pos;
	cmd_acl_rules_init(&r);
	const char *ops[] = {"~k*",	  "%R~r*",    "%W~w*",	    "&ch*",  "-@all",
			     "+@string",  "+mget",    "+copy",	    "-incr", "+config|get",
			     "+select|0", "+publish", "+psubscribe"};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		CU_ASSERT_EQUAL(apply(&r, ops[i]), 0);
	CU_ASSERT_FALSE(cmd_acl_rules_unrestricted(&r));
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "get", "k1"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "GET", "zz"), CMD_ACL_DENIED_KEY);
	CU_ASSERT_EQUAL(pos, 1);
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "incr", "k1"), CMD_ACL_DENIED_CMD);
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "config", "get", "x"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 4, "config", "set", "x", "y"), CMD_ACL_DENIED_CMD);
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "select", "0"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "select", "1"), CMD_ACL_DENIED_CMD);
	/* %R~ reads only, %W~ writes only: GET needs R, SET W, COPY R then W */
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "get", "r1"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "set", "r1", "v"), CMD_ACL_DENIED_KEY);
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "set", "w1", "v"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "get", "w1"), CMD_ACL_DENIED_KEY);
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "copy", "r1", "w2"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "copy", "w1", "r2"), CMD_ACL_DENIED_KEY);
	CU_ASSERT_EQUAL(pos, 1);
	CU_ASSERT_EQUAL(check(&r, &pos, 4, "mget", "k1", "r1", "zz"), CMD_ACL_DENIED_KEY);
	CU_ASSERT_EQUAL(pos, 3);
	/* channels: PUBLISH matches patterns, PSUBSCRIBE compares literally */
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "publish", "ch1", "m"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "publish", "zz", "m"), CMD_ACL_DENIED_CHANNEL);
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "psubscribe", "ch*"), CMD_ACL_OK);
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "psubscribe", "ch*", "ch1"), CMD_ACL_DENIED_CHANNEL);
	CU_ASSERT_EQUAL(pos, 2);
	/* AUTH has no-auth: never refused */
	CU_ASSERT_EQUAL(check(&r, &pos, 3, "auth", "u", "p"), CMD_ACL_OK);
	cmd_acl_rules_fini(&r);
	CU_ASSERT_EQUAL(cmd_acl_rules_init_default(&r), 0);
	CU_ASSERT(cmd_acl_rules_unrestricted(&r));
	CU_ASSERT_EQUAL(apply(&r, "-flushall"), 0);
	CU_ASSERT_FALSE(cmd_acl_rules_unrestricted(&r));
	CU_ASSERT_EQUAL(check(&r, &pos, 1, "flushall"), CMD_ACL_DENIED_CMD);
	CU_ASSERT_EQUAL(check(&r, &pos, 2, "get", "any"), CMD_ACL_OK);
	cmd_acl_rules_fini(&r);
}

static void test_cmd_acl_table_setuser_all_or_nothing(void)
{
	struct cmd_acl *a = cmd_acl_create(2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	struct resp_arg ops[] = {{(uint8_t *)"on", 2},
				 {(uint8_t *)">pw", 3},
				 {(uint8_t *)"+get", 4},
				 {(uint8_t *)"bogus", 5}};
	uint32_t bad = 0;
	CU_ASSERT_EQUAL(cmd_acl_setuser(a, (const uint8_t *)"u", 1, ops, 4, &bad), -EINVAL);
	CU_ASSERT_EQUAL(bad, 3);
	CU_ASSERT_PTR_NULL(cmd_acl_user_find(a, (const uint8_t *)"u", 1));
	CU_ASSERT_EQUAL(cmd_acl_setuser(a, (const uint8_t *)"u", 1, ops, 3, &bad), 0);
	struct cmd_acl_user *u = cmd_acl_user_find(a, (const uint8_t *)"u", 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(atomic_load(&u->all), 0);
	CU_ASSERT_EQUAL(cmd_acl_users_count(a), 2);
	/* AUTH takes a reference; DELUSER keeps the handle for it */
	struct cmd_client c = {0};
	cmd_acl_client_init(a, &c);
	struct cmd_acl_user *got = NULL;
	struct resp_arg un = {(uint8_t *)"u", 1}, pw = {(uint8_t *)"pw", 2},
			bad_pw = {(uint8_t *)"x", 1};
	CU_ASSERT_EQUAL(cmd_acl_authenticate(a, &un, &bad_pw, &got), CMD_ACL_DENIED_AUTH);
	CU_ASSERT_EQUAL(cmd_acl_authenticate(a, &un, &pw, &got), CMD_ACL_OK);
	cmd_acl_client_switch(a, &c, got);
	uint64_t gen = 0;
	CU_ASSERT_FALSE(cmd_acl_tick_of(a, 0, &gen));
	CU_ASSERT_EQUAL(cmd_acl_deluser(a, (const uint8_t *)"u", 1), 1);
	CU_ASSERT_EQUAL(cmd_acl_deluser(a, (const uint8_t *)"u", 1), 0);
	CU_ASSERT(atomic_load(&c.user->deleted));
	CU_ASSERT(cmd_acl_tick_of(a, 0, &gen)); /* the workers close its connections */
	CU_ASSERT_EQUAL(cmd_acl_authenticate(a, &un, &pw, &got), CMD_ACL_DENIED_AUTH);
	cmd_acl_client_fini(a, &c);
	/* requirepass is the default user's password */
	CU_ASSERT_FALSE(cmd_acl_default_needs_auth(a));
	CU_ASSERT_EQUAL(cmd_acl_requirepass(a, "s", 1), 0);
	CU_ASSERT(cmd_acl_default_needs_auth(a));
	CU_ASSERT(atomic_load(&cmd_acl_default(a)->all)); /* still +@all ~* &* */
	CU_ASSERT_EQUAL(cmd_acl_requirepass(a, "", 0), 0);
	CU_ASSERT_FALSE(cmd_acl_default_needs_auth(a));
	cmd_acl_tick_of(a, 1, &gen);
	cmd_acl_destroy(&a);
	CU_ASSERT_PTR_NULL(a);
}

int main(void)
{
	static const struct rw_test_case tests[] = {
	    RW_TEST(test_cmd_acl_describe_matches_stock),
	    RW_TEST(test_cmd_acl_modifier_errors_as_redis),
	    RW_TEST(test_cmd_acl_passwords_hash_and_remove),
	    RW_TEST(test_cmd_acl_check_commands_keys_channels),
	    RW_TEST(test_cmd_acl_table_setuser_all_or_nothing),
	    {NULL, NULL},
	};
	if (rw_test_init() != 0 || rw_test_add_suite("cmd_acl", NULL, NULL, tests) != 0)
		return 1;
	return rw_test_run();
}
