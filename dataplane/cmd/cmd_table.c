/*
 * The command table and its lookup, plus the errors the dispatcher replies
 * before a handler runs (unknown command, wrong arity, unknown subcommand).
 *
 * The table is data, sorted by name (COMMAND lists it in that order and
 * subcommand tables are binary-searched); top-level lookup goes through a
 * hash built once, on first use (see cmd_lookup()).
 * Flags, arity and key positions are Redis 7.0.15's (see COMMAND INFO);
 * cmd_meta.c holds the rest of what COMMAND INFO/DOCS print.
 *
 * Context: any lcore; the table is immutable.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cmd_acl_int.h"
#include "cmd_diag.h"
#include "cmd_int.h"
#include "cmd_table_hs.inc"

#define CMD_NAME_MAX 32 /* longer than any command name: a quick miss */

#define META(n) .meta_info = cmd_meta_info_##n, .meta_docs = cmd_meta_docs_##n
#include "cmd_table_pubsub.inc"
#include "cmd_table_srv.inc"
#include "cmd_table_acl.inc"

/* SAVE sorts inside the set commands' run (cmd_table_hs.inc) */
#define CMD_TABLE_SAVE                                                                             \
	{.name = "save",                                                                           \
	 .arity = 1,                                                                               \
	 .flags = CMD_NOSCRIPT | CMD_ADMIN | CMD_NOKEYS | CMD_SNAPSHOT,                            \
	 .fn = cmd_save,                                                                           \
	 .acl_categories = "@admin @slow @dangerous",                                              \
	 .group = "server",                                                                        \
	 .summary = "Synchronously save the dataset to disk",                                      \
	 .since = "1.0.0",                                                                         \
	 .complexity = "O(N) where N is the total number of keys in all databases",                \
	 META(save)},

/* Subcommands carry their parent's handler: the parent dispatches. The
 * metadata of a subcommand is nested inside its parent's. */
#define SUB_FLAGS_CMD	 (CMD_LOADING | CMD_STALE)
#define SUB_FLAGS_CONFIG (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define SUB_ACL_CMD	 "@slow @connection"
#define SUB_ACL_CONFIG	 "@admin @slow @dangerous"

static const struct cmd_def command_subcmds[] = {
    {.name = "command|count",
     .arity = 2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|docs",
     .arity = -2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|getkeys",
     .arity = -4,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|getkeysandflags",
     .arity = -4,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|help",
     .arity = 2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|info",
     .arity = -2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
    {.name = "command|list",
     .arity = -2,
     .flags = SUB_FLAGS_CMD,
     .fn = cmd_command,
     .acl_categories = SUB_ACL_CMD},
};

static const struct cmd_def config_subcmds[] = {
    {.name = "config|get",
     .arity = -3,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
    {.name = "config|help",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .fn = cmd_config,
     .acl_categories = "@slow"},
    {.name = "config|resetstat",
     .arity = 2,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
    {.name = "config|rewrite",
     .arity = 2,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
    {.name = "config|set",
     .arity = -4,
     .flags = SUB_FLAGS_CONFIG,
     .fn = cmd_config,
     .acl_categories = SUB_ACL_CONFIG},
};

#define SUB_FLAGS_CLIENT     (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define SUB_ACL_CLIENT	     "@slow @connection"
#define SUB_ACL_CLIENT_ADMIN "@admin @slow @dangerous @connection"

/* Redwire implements these CLIENT subcommands; COMMAND INFO (stock's
 * metadata) lists all of 7.0.15's. SETINFO is 7.2's. */
static const struct cmd_def client_subcmds[] = {
    {.name = "client|getname",
     .arity = 2,
     .flags = SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT},
    {.name = "client|help",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT},
    {.name = "client|id",
     .arity = 2,
     .flags = SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT},
    {.name = "client|info",
     .arity = 2,
     .flags = SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT},
    {.name = "client|kill",
     .arity = -3,
     .flags = CMD_ADMIN | SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT_ADMIN},
    {.name = "client|list",
     .arity = -2,
     .flags = CMD_ADMIN | SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT_ADMIN},
    {.name = "client|no-evict",
     .arity = 3,
     .flags = CMD_ADMIN | SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT_ADMIN},
    {.name = "client|pause",
     .arity = -3,
     .flags = CMD_ADMIN | SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT_ADMIN},
    {.name = "client|reply",
     .arity = 3,
     .flags = SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT},
    {.name = "client|setinfo",
     .arity = 4,
     .flags = SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT},
    {.name = "client|setname",
     .arity = 3,
     .flags = SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT},
    {.name = "client|unblock",
     .arity = -3,
     .flags = CMD_ADMIN | SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT_ADMIN},
    {.name = "client|unpause",
     .arity = 2,
     .flags = CMD_ADMIN | SUB_FLAGS_CLIENT,
     .fn = cmd_client,
     .acl_categories = SUB_ACL_CLIENT_ADMIN},
};

/* sorted by name: subcommands are found by binary search */
static const struct cmd_def memory_subcmds[] = {
    {.name = "memory|doctor", .arity = 2, .fn = cmd_memory, .acl_categories = "@slow"},
    {.name = "memory|help",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .fn = cmd_memory,
     .acl_categories = "@slow"},
    {.name = "memory|malloc-stats", .arity = 2, .fn = cmd_memory, .acl_categories = "@slow"},
    {.name = "memory|purge", .arity = 2, .fn = cmd_memory, .acl_categories = "@slow"},
    {.name = "memory|stats", .arity = 2, .fn = cmd_memory, .acl_categories = "@slow"},
    {.name = "memory|usage",
     .arity = -3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_memory,
     .acl_categories = "@read @slow",
     .key_flags = "RO"},
};

static const struct cmd_def object_subcmds[] = {
    {.name = "object|encoding",
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_object,
     .acl_categories = "@keyspace @read @slow",
     .key_flags = "RO"},
    {.name = "object|freq",
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_object,
     .acl_categories = "@keyspace @read @slow",
     .key_flags = "RO"},
    {.name = "object|help",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .fn = cmd_object,
     .acl_categories = "@keyspace @slow"},
    {.name = "object|idletime",
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_object,
     .acl_categories = "@keyspace @read @slow",
     .key_flags = "RO"},
    {.name = "object|refcount",
     .arity = 3,
     .flags = CMD_READONLY,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_object,
     .acl_categories = "@keyspace @read @slow",
     .key_flags = "RO"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Sorted by name (a unit test checks). */
static const struct cmd_def cmd_defs[] = {
    CMD_ACL_TABLE{
	.name = "append",
	.arity = 3,
	.flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
	.first_key = 1,
	.last_key = 1,
	.key_step = 1,
	.fn = cmd_append,
	.acl_categories = "@write @string @fast",
	.group = "string",
	.summary = "Append a value to a key",
	.since = "2.0.0",
	.complexity =
	    "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
	    "the "
	    "already present value is of any size, since the dynamic string library used by Redis "
	    "will double the free space available on every reallocation.",
	.key_flags = "RW insert",
	META(append)},
    {.name = "auth",
     .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY |
	      CMD_NOKEYS,
     .fn = cmd_auth,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Authenticate to the server",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of passwords defined for the user",
     META(auth)},
    {.name = "bgrewriteaof",
     .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_ADMIN | CMD_NOKEYS | CMD_SNAPSHOT,
     .fn = cmd_bgrewriteaof,
     .acl_categories = "@admin @slow @dangerous",
     .group = "server",
     .summary = "Asynchronously rewrite the append-only file",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(bgrewriteaof)},
    {.name = "bgsave",
     .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_ADMIN | CMD_NOKEYS | CMD_SNAPSHOT,
     .fn = cmd_bgsave,
     .acl_categories = "@admin @slow @dangerous",
     .group = "server",
     .summary = "Asynchronously save the dataset to disk",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(bgsave)},
    {.name = "bitcount",
     .arity = -2,
     .flags = CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_bitcount,
     .acl_categories = "@read @bitmap @slow",
     .group = "bitmap",
     .summary = "Count set bits in a string",
     .since = "2.6.0",
     .complexity = "O(N)",
     .key_flags = "RO access",
     META(bitcount)},
    {.name = "bitfield",
     .arity = -2,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_bitfield,
     .acl_categories = "@write @bitmap @slow",
     .group = "bitmap",
     .summary = "Perform arbitrary bitfield integer operations on strings",
     .since = "3.2.0",
     .complexity = "O(1) for each subcommand specified",
     .key_flags = "RW access update variable_flags",
     META(bitfield)},
    {.name = "bitfield_ro",
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_bitfield_ro,
     .acl_categories = "@read @bitmap @fast",
     .group = "bitmap",
     .summary =
	 "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     .since = "6.0.0",
     .complexity = "O(1) for each subcommand specified",
     .key_flags = "RO access",
     META(bitfield_ro)},
    {.name = "bitop",
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 2,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_bitop,
     .acl_categories = "@write @bitmap @slow",
     .group = "bitmap",
     .summary = "Perform bitwise operations between strings",
     .since = "2.6.0",
     .complexity = "O(N)",
     .key_flags = "OW update|RO access",
     META(bitop)},
    {.name = "bitpos",
     .arity = -3,
     .flags = CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_bitpos,
     .acl_categories = "@read @bitmap @slow",
     .group = "bitmap",
     .summary = "Find first bit set or clear in a string",
     .since = "2.8.7",
     .complexity = "O(N)",
     .key_flags = "RO access",
     META(bitpos)},
#include "cmd_table_block.inc"
    {.name = "client",
     .arity = -2,
     .flags = CMD_NOKEYS,
     .fn = cmd_client,
     .acl_categories = "@slow",
     .group = "connection",
     .summary = "A container for client connection commands",
     .since = "2.4.0",
     .complexity = "Depends on subcommand.",
     META(client),
     .subcmds = client_subcmds,
     .n_subcmds = N_OF(client_subcmds)},
    {.name = "command",
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE | CMD_NOKEYS,
     .fn = cmd_command,
     .acl_categories = "@slow @connection",
     .group = "server",
     .summary = "Get array of Redis command details",
     .since = "2.8.13",
     .complexity = "O(N) where N is the total number of Redis commands",
     META(command),
     .subcmds = command_subcmds,
     .n_subcmds = N_OF(command_subcmds)},
    {.name = "config",
     .arity = -2,
     .flags = CMD_NOKEYS,
     .fn = cmd_config,
     .acl_categories = "@slow",
     .group = "server",
     .summary = "A container for server configuration commands",
     .since = "2.0.0",
     .complexity = "Depends on subcommand.",
     META(config),
     .subcmds = config_subcmds,
     .n_subcmds = N_OF(config_subcmds)},
    {.name = "copy",
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_copy,
     .acl_categories = "@keyspace @write @slow",
     .group = "generic",
     .summary = "Copy a key",
     .since = "6.2.0",
     .complexity = "O(N) worst case for collections, where N is the number of nested items. O(1) "
		   "for string values.",
     .key_flags = "RO access|OW update",
     META(copy)},
    {.name = "dbsize",
     .arity = 1,
     .flags = CMD_READONLY | CMD_FAST | CMD_ALL_SHARDS_SUM,
     .fn = cmd_dbsize,
     .acl_categories = "@keyspace @read @fast",
     .group = "server",
     .summary = "Return the number of keys in the selected database",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(dbsize)},
    {.name = "debug",
     .arity = -2,
     /* no keys, as stock declares none: the dispatcher routes OBJECT and
      * DIGEST-VALUE by theirs (dp_debug_route_def()) */
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .fn = cmd_debug,
     .acl_categories = "@admin @slow @dangerous",
     .group = "server",
     .summary = "A container for debugging commands",
     .since = "1.0.0",
     .complexity = "Depends on subcommand.",
     META(debug)},
    {.name = "decr",
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_decr,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Decrement the integer value of a key by one",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(decr)},
    {.name = "decrby",
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_decrby,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Decrement the integer value of a key by the given number",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(decrby)},
    {.name = "del",
     .arity = -2,
     .flags = CMD_WRITE | CMD_KEYS_SUM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_del,
     .acl_categories = "@keyspace @write @slow",
     .group = "generic",
     .summary = "Delete a key",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed.",
     .key_flags = "RM delete",
     META(del)},
    {.name = "discard",
     .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NOKEYS |
	      CMD_TX_DISPATCH,
     .fn = cmd_discard,
     .acl_categories = "@fast @transaction",
     .group = "transactions",
     .summary = "Discard all commands issued after MULTI",
     .since = "2.0.0",
     .complexity = "O(N), when N is the number of queued commands",
     META(discard)},
    {.name = "dump",
     .arity = 2,
     .flags = CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_dump,
     .acl_categories = "@keyspace @read @slow",
     .group = "generic",
     .summary = "Return a serialized version of the value stored at the specified key.",
     .since = "2.6.0",
     .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is "
		   "the number of Redis objects composing the value and M their average size. "
		   "For small string values the time complexity is thus O(1)+O(1*M) where M is "
		   "small, so simply O(1).",
     .key_flags = "RO access",
     META(dump)},
    {.name = "echo",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOKEYS,
     .fn = cmd_echo,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Echo the given string",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(echo)},
    {.name = "exec",
     .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_NOKEYS | CMD_TX_DISPATCH,
     .fn = cmd_exec,
     .acl_categories = "@slow @transaction",
     .group = "transactions",
     .summary = "Execute all commands issued after MULTI",
     .since = "1.2.0",
     .complexity = "Depends on commands in the transaction",
     META(exec)},
    {.name = "exists",
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST | CMD_KEYS_SUM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_exists,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary = "Determine if a key exists",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check.",
     .key_flags = "RO",
     META(exists)},
    {.name = "expire",
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_expire,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Set a key's time to live in seconds",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW update",
     META(expire)},
    {.name = "expireat",
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_expireat,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .since = "1.2.0",
     .complexity = "O(1)",
     .key_flags = "RW update",
     META(expireat)},
    {.name = "expiretime",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_expiretime,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key",
     .since = "7.0.0",
     .complexity = "O(1)",
     .key_flags = "RO access",
     META(expiretime)},
    {.name = "flushall",
     .arity = -1,
     .flags = CMD_WRITE | CMD_ALL_SHARDS_OK,
     .fn = cmd_flushall,
     .acl_categories = "@keyspace @write @slow @dangerous",
     .group = "server",
     .summary = "Remove all keys from all databases",
     .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases",
     META(flushall)},
    {.name = "flushdb",
     .arity = -1,
     .flags = CMD_WRITE | CMD_ALL_SHARDS_OK,
     .fn = cmd_flushdb,
     .acl_categories = "@keyspace @write @slow @dangerous",
     .group = "server",
     .summary = "Remove all keys from the current database",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys in the selected database",
     META(flushdb)},
    {.name = "get",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_get,
     .acl_categories = "@read @string @fast",
     .group = "string",
     .summary = "Get the value of a key",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RO access",
     META(get)},
    {.name = "getbit",
     .arity = 3,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_getbit,
     .acl_categories = "@read @bitmap @fast",
     .group = "bitmap",
     .summary = "Returns the bit value at offset in the string value stored at key",
     .since = "2.2.0",
     .complexity = "O(1)",
     .key_flags = "RO access",
     META(getbit)},
    {.name = "getdel",
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_getdel,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Get the value of a key and delete the key",
     .since = "6.2.0",
     .complexity = "O(1)",
     .key_flags = "RW access delete",
     META(getdel)},
    {.name = "getex",
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_getex,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Get the value of a key and optionally set its expiration",
     .since = "6.2.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(getex)},
    {.name = "getrange",
     .arity = 4,
     .flags = CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_getrange,
     .acl_categories = "@read @string @slow",
     .group = "string",
     .summary = "Get a substring of the string stored at a key",
     .since = "2.4.0",
     .complexity =
	 "O(N) where N is the length of the returned string. The complexity is ultimately "
	 "determined by the returned length, but because creating a substring from an existing "
	 "string is very cheap, it can be considered O(1) for small strings.",
     .key_flags = "RO access",
     META(getrange)},
    {.name = "getset",
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_getset,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Set the string value of a key and return its old value",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(getset)},
    CMD_HS_TABLE_HDEL,
    {.name = "hello",
     .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY |
	      CMD_NOKEYS,
     .fn = cmd_hello,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Handshake with Redis",
     .since = "6.0.0",
     .complexity = "O(1)",
     META(hello)},
    CMD_HS_TABLE_HASH,
    {.name = "incr",
     .arity = 2,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_incr,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Increment the integer value of a key by one",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(incr)},
    {.name = "incrby",
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_incrby,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Increment the integer value of a key by the given amount",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(incrby)},
    {.name = "incrbyfloat",
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_incrbyfloat,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Increment the float value of a key by the given amount",
     .since = "2.6.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(incrbyfloat)},
    {.name = "info",
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE | CMD_NOKEYS,
     .fn = cmd_info,
     .acl_categories = "@slow @dangerous",
     .group = "server",
     .summary = "Get information and statistics about the server",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(info)},
    {.name = "keys",
     .arity = 2,
     .flags = CMD_READONLY | CMD_ALL_SHARDS_CONCAT,
     .fn = cmd_keys,
     .acl_categories = "@keyspace @read @slow @dangerous",
     .group = "generic",
     .summary = "Find all keys matching the given pattern",
     .since = "1.0.0",
     .complexity = "O(N) with N being the number of keys in the database, under the assumption "
		   "that the key names in the database and the given pattern have limited length.",
     META(keys)},
    {.name = "lastsave",
     .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOKEYS,
     .fn = cmd_lastsave,
     .acl_categories = "@admin @fast @dangerous",
     .group = "server",
     .summary = "Get the UNIX time stamp of the last successful save to disk",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(lastsave)},
    CMD_SRV_TABLE_LATENCY,
    CMD_SRV_TABLE_L,
#include "cmd_table_list_l.inc"
    {.name = "memory",
     .arity = -2,
     .flags = 0,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_memory,
     .acl_categories = "@slow",
     .group = "server",
     .summary = "A container for memory diagnostics commands",
     .since = "4.0.0",
     .complexity = "Depends on subcommand.",
     META(memory),
     .subcmds = memory_subcmds,
     .n_subcmds = N_OF(memory_subcmds)},
    {.name = "mget",
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST | CMD_KEYS_MERGE,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_mget,
     .acl_categories = "@read @string @fast",
     .group = "string",
     .summary = "Get the values of all the given keys",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to retrieve.",
     .key_flags = "RO access",
     META(mget)},
    CMD_SRV_TABLE_MONITOR,
    {.name = "move",
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_move,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Move a key to another database",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(move)},
    {.name = "mset",
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_KEYS_ALL_OK,
     .first_key = 1,
     .last_key = -1,
     .key_step = 2,
     .fn = cmd_mset,
     .acl_categories = "@write @string @slow",
     .group = "string",
     .summary = "Set multiple keys to multiple values",
     .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set.",
     .key_flags = "OW update",
     META(mset)},
    {.name = "msetnx",
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_MULTI_KEYS_SAME_SHARD,
     .first_key = 1,
     .last_key = -1,
     .key_step = 2,
     .fn = cmd_msetnx,
     .acl_categories = "@write @string @slow",
     .group = "string",
     .summary = "Set multiple keys to multiple values, only if none of the keys exist",
     .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set.",
     .key_flags = "OW insert",
     META(msetnx)},
    {.name = "multi",
     .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NOKEYS |
	      CMD_TX_DISPATCH,
     .fn = cmd_multi,
     .acl_categories = "@fast @transaction",
     .group = "transactions",
     .summary = "Mark the start of a transaction block",
     .since = "1.2.0",
     .complexity = "O(1)",
     META(multi)},
    {.name = "object",
     .arity = -2,
     .flags = 0,
     .first_key = 2,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_object,
     .acl_categories = "@slow",
     .group = "generic",
     .summary = "A container for object introspection commands",
     .since = "2.2.3",
     .complexity = "Depends on subcommand.",
     META(object),
     .subcmds = object_subcmds,
     .n_subcmds = N_OF(object_subcmds)},
    {.name = "persist",
     .arity = 2,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_persist,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Remove the expiration from a key",
     .since = "2.2.0",
     .complexity = "O(1)",
     .key_flags = "RW update",
     META(persist)},
    {.name = "pexpire",
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_pexpire,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Set a key's time to live in milliseconds",
     .since = "2.6.0",
     .complexity = "O(1)",
     .key_flags = "RW update",
     META(pexpire)},
    {.name = "pexpireat",
     .arity = -3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_pexpireat,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
     .since = "2.6.0",
     .complexity = "O(1)",
     .key_flags = "RW update",
     META(pexpireat)},
    {.name = "pexpiretime",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_pexpiretime,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key in milliseconds",
     .since = "7.0.0",
     .complexity = "O(1)",
     .key_flags = "RO access",
     META(pexpiretime)},
    {.name = "ping",
     .arity = -1,
     .flags = CMD_FAST | CMD_NOKEYS,
     .fn = cmd_ping,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Ping the server",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(ping)},
    {.name = "psetex",
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_psetex,
     .acl_categories = "@write @string @slow",
     .group = "string",
     .summary = "Set the value and expiration in milliseconds of a key",
     .since = "2.6.0",
     .complexity = "O(1)",
     .key_flags = "OW update",
     META(psetex)},
    CMD_PS_PSUBSCRIBE,
    {.name = "pttl",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_pttl,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary = "Get the time to live for a key in milliseconds",
     .since = "2.6.0",
     .complexity = "O(1)",
     .key_flags = "RO access",
     META(pttl)},
    CMD_PS_PUBLISH,
    CMD_PS_PUBSUB,
    CMD_PS_PUNSUBSCRIBE,
    {.name = "quit",
     .arity = -1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY |
	      CMD_NOKEYS,
     .fn = cmd_quit,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Close the connection",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(quit)},
    {.name = "randomkey",
     .arity = 1,
     .flags = CMD_READONLY | CMD_NOKEYS | CMD_ROUTE_RANDOM,
     .fn = cmd_randomkey,
     .acl_categories = "@keyspace @read @slow",
     .group = "generic",
     .summary = "Return a random key from the keyspace",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(randomkey)},
    {.name = "rename",
     .arity = 3,
     .flags = CMD_WRITE,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_rename,
     .acl_categories = "@keyspace @write @slow",
     .group = "generic",
     .summary = "Rename a key",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access delete|OW update",
     META(rename)},
    {.name = "renamenx",
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST,
     .first_key = 1,
     .last_key = 2,
     .key_step = 1,
     .fn = cmd_renamenx,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Rename a key, only if the new key does not exist",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RW access delete|OW insert",
     META(renamenx)},
    {.name = "reset",
     .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY |
	      CMD_NOKEYS,
     .fn = cmd_reset,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Reset the connection",
     .since = "6.2.0",
     .complexity = "O(1)",
     META(reset)},
    {.name = "restore",
     .arity = -4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_restore,
     .acl_categories = "@keyspace @write @slow @dangerous",
     .group = "generic",
     .summary = "Create a key using the provided serialized value, previously obtained using "
		"DUMP.",
     .since = "2.6.0",
     .complexity = "O(1) to create the new key and additional O(N*M) to reconstruct the "
		   "serialized value, where N is the number of Redis objects composing the "
		   "value and M their average size. For small string values the time "
		   "complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However "
		   "for sorted set values the complexity is O(N*M*log(N)) because inserting "
		   "values into sorted sets is O(log(N)).",
     .key_flags = "OW update",
     META(restore)},
#include "cmd_table_list_r.inc"
    CMD_HS_TABLE_SET_A,
    {.name = "select",
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOKEYS,
     .fn = cmd_select,
     .acl_categories = "@fast @connection",
     .group = "connection",
     .summary = "Change the selected database for the current connection",
     .since = "1.0.0",
     .complexity = "O(1)",
     META(select)},
    {.name = "set",
     .arity = -3,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_set,
     .acl_categories = "@write @string @slow",
     .group = "string",
     .summary = "Set the string value of a key",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "OW update",
     META(set)},
    {.name = "setbit",
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_setbit,
     .acl_categories = "@write @bitmap @slow",
     .group = "bitmap",
     .summary = "Sets or clears the bit at offset in the string value stored at key",
     .since = "2.2.0",
     .complexity = "O(1)",
     .key_flags = "RW access update",
     META(setbit)},
    {.name = "setex",
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_setex,
     .acl_categories = "@write @string @slow",
     .group = "string",
     .summary = "Set the value and expiration of a key",
     .since = "2.0.0",
     .complexity = "O(1)",
     .key_flags = "OW update",
     META(setex)},
    {.name = "setnx",
     .arity = 3,
     .flags = CMD_WRITE | CMD_DENYOOM | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_setnx,
     .acl_categories = "@write @string @fast",
     .group = "string",
     .summary = "Set the value of a key, only if the key does not exist",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "OW insert",
     META(setnx)},
    {.name = "setrange",
     .arity = 4,
     .flags = CMD_WRITE | CMD_DENYOOM,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_setrange,
     .acl_categories = "@write @string @slow",
     .group = "string",
     .summary = "Overwrite part of a string at key starting at the specified offset",
     .since = "2.2.0",
     .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, "
		   "this string is very small so the amortized complexity is O(1). Otherwise, "
		   "complexity is O(M) with M being the length of the value argument.",
     .key_flags = "RW update",
     META(setrange)},
    {.name = "shutdown",
     .arity = -1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_ALLOW_BUSY | CMD_NOKEYS |
	      CMD_SNAPSHOT,
     .fn = cmd_shutdown,
     .acl_categories = "@admin @slow @dangerous",
     .group = "server",
     .summary = "Synchronously save the dataset to disk and then shut down the server",
     .since = "1.0.0",
     .complexity = "O(N) when saving, where N is the total number of keys in all databases when "
		   "saving data, otherwise O(1)",
     META(shutdown)},
    CMD_HS_TABLE_SET_B,
    CMD_PS_SSUBSCRIBE,
    {.name = "strlen",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_strlen,
     .acl_categories = "@read @string @fast",
     .group = "string",
     .summary = "Get the length of the value stored in a key",
     .since = "2.2.0",
     .complexity = "O(1)",
     .key_flags = "RO",
     META(strlen)},
    CMD_PS_SUBSCRIBE,
    {.name = "substr",
     .arity = 4,
     .flags = CMD_READONLY,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_getrange,
     .acl_categories = "@read @string @slow",
     .group = "string",
     .summary = "Get a substring of the string stored at a key",
     .since = "1.0.0",
     .complexity =
	 "O(N) where N is the length of the returned string. The complexity is ultimately "
	 "determined by the returned length, but because creating a substring from an existing "
	 "string is very cheap, it can be considered O(1) for small strings.",
     .key_flags = "RO access",
     META(substr)},
    CMD_HS_TABLE_SET_C,
    CMD_PS_SUNSUBSCRIBE,
    {.name = "swapdb",
     .arity = 3,
     .flags = CMD_WRITE | CMD_FAST | CMD_ALL_SHARDS_OK,
     .fn = cmd_swapdb,
     .acl_categories = "@keyspace @write @fast @dangerous",
     .group = "server",
     .summary = "Swaps two Redis databases",
     .since = "4.0.0",
     .complexity = "O(N) where N is the count of clients watching or blocking on keys from both "
		   "databases.",
     META(swapdb)},
    {.name = "time",
     .arity = 1,
     .flags = CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOKEYS,
     .fn = cmd_time,
     .acl_categories = "@fast",
     .group = "server",
     .summary = "Return the current server time",
     .since = "2.6.0",
     .complexity = "O(1)",
     META(time)},
    {.name = "touch",
     .arity = -2,
     .flags = CMD_READONLY | CMD_FAST | CMD_KEYS_SUM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_touch,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary =
	 "Alters the last access time of a key(s). Returns the number of existing keys specified.",
     .since = "3.2.1",
     .complexity = "O(N) where N is the number of keys that will be touched.",
     .key_flags = "RO",
     META(touch)},
    {.name = "ttl",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_ttl,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary = "Get the time to live for a key in seconds",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RO access",
     META(ttl)},
    {.name = "type",
     .arity = 2,
     .flags = CMD_READONLY | CMD_FAST,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .fn = cmd_type,
     .acl_categories = "@keyspace @read @fast",
     .group = "generic",
     .summary = "Determine the type stored at key",
     .since = "1.0.0",
     .complexity = "O(1)",
     .key_flags = "RO",
     META(type)},
    {.name = "unlink",
     .arity = -2,
     .flags = CMD_WRITE | CMD_FAST | CMD_KEYS_SUM,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_del,
     .acl_categories = "@keyspace @write @fast",
     .group = "generic",
     .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
		"non blocking.",
     .since = "4.0.0",
     .complexity = "O(1) for each key removed regardless of its size. Then the command does O(N) "
		   "work in a different thread in order to reclaim memory, where N is the number "
		   "of allocations the deleted objects where composed of.",
     .key_flags = "RM delete",
     META(unlink)},
    CMD_PS_UNSUBSCRIBE,
    {.name = "unwatch",
     .arity = 1,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NOKEYS |
	      CMD_TX_DISPATCH,
     .fn = cmd_unwatch,
     .acl_categories = "@fast @transaction",
     .group = "transactions",
     .summary = "Forget about all watched keys",
     .since = "2.2.0",
     .complexity = "O(1)",
     META(unwatch)},
    {.name = "watch",
     .arity = -2,
     .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_TX_DISPATCH,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .fn = cmd_watch,
     .acl_categories = "@fast @transaction",
     .group = "transactions",
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
     .since = "2.2.0",
     .complexity = "O(1) for every key.",
     .key_flags = "RO",
     META(watch)},
#include "cmd_table_zset.inc"
};

const struct cmd_def *cmd_table(size_t *n)
{
	*n = N_OF(cmd_defs);
	return cmd_defs;
}

/* Lower-case @p name into @p buf. @return false if it cannot be a name. */
static bool name_fold(const uint8_t *name, size_t len, char buf[CMD_NAME_MAX])
{
	if (len == 0 || len >= CMD_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = name[i];
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[len] = '\0';
	return true;
}

/* Binary search of a sorted table; @p skip bytes of each name are a
 * prefix ("config|") the key does not carry. */
static const struct cmd_def *table_search(const struct cmd_def *t, size_t n, size_t skip,
					  const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, t[mid].name + skip);
		if (c == 0)
			return &t[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Top-level lookup is on the hot path (once per command): an open-addressed
 * hash of the lower-cased name, built once on first use (pthread_once: the
 * table is immutable afterwards and read by every lcore). One FNV-1a pass
 * while folding the case, then usually one probe and one comparison.
 */
#define CMD_HASH_SLOTS 512 /* power of two, well above the command count */

static const struct cmd_def *cmd_hash[CMD_HASH_SLOTS];
static pthread_once_t cmd_hash_once = PTHREAD_ONCE_INIT;

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static void cmd_hash_build(void)
{
	_Static_assert(N_OF(cmd_defs) * 2 <= CMD_HASH_SLOTS, "command hash too full");
	for (size_t i = 0; i < N_OF(cmd_defs); i++) {
		uint32_t h = fnv1a(cmd_defs[i].name, strlen(cmd_defs[i].name));
		while (cmd_hash[h & (CMD_HASH_SLOTS - 1)] != NULL)
			h++;
		cmd_hash[h & (CMD_HASH_SLOTS - 1)] = &cmd_defs[i];
	}
}

const struct cmd_def *cmd_lookup(const uint8_t *name, size_t len)
{
	char key[CMD_NAME_MAX];
	if (!name_fold(name, len, key))
		return NULL;
	pthread_once(&cmd_hash_once, cmd_hash_build);
	for (uint32_t h = fnv1a(key, len);; h++) {
		const struct cmd_def *d = cmd_hash[h & (CMD_HASH_SLOTS - 1)];
		if (d == NULL)
			return NULL;
		/* strncmp stops at a shorter name's NUL before name[len] is read */
		if (strncmp(d->name, key, len) == 0 && d->name[len] == '\0')
			return d;
	}
}

const struct cmd_def *cmd_subcmd_lookup(const struct cmd_def *parent, const uint8_t *name,
					size_t len)
{
	char key[CMD_NAME_MAX];
	if (parent->n_subcmds == 0 || !name_fold(name, len, key))
		return NULL;
	return table_search(parent->subcmds, parent->n_subcmds, strlen(parent->name) + 1, key);
}

bool cmd_arity_ok(const struct cmd_def *d, uint32_t argc)
{
	if (d->arity >= 0)
		return argc == (uint32_t)d->arity;
	return argc >= (uint32_t)-d->arity;
}

/* ---- errors replied before a handler runs ---- */

/*
 * Redis formats arguments with "%.*s", so an argument stops at its first
 * NUL byte, and rejectCommandFormat() turns CR and LF into spaces so the
 * error stays one RESP line.
 */
static size_t arg_clip(const struct resp_arg *a, size_t max)
{
	size_t n = a->len < max ? a->len : max;
	const void *nul = memchr(a->ptr, '\0', n);
	return nul != NULL ? (size_t)((const uint8_t *)nul - a->ptr) : n;
}

static void append_clean(struct rw_buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i] == '\r' || p[i] == '\n' ? ' ' : p[i];
		rw_buf_append(b, &c, 1);
	}
}

void cmd_reply_unknown(struct rw_buf *out, const struct resp_arg *argv, uint32_t argc)
{
	/* server.c processCommand(): the name to 128 bytes, then quoted
	 * arguments while the list is under 128 bytes. */
	rw_buf_append(out, "-ERR unknown command '", 22);
	append_clean(out, argv[0].ptr, arg_clip(&argv[0], 128));
	rw_buf_append(out, "', with args beginning with: ", 29);
	size_t args_len = 0;
	for (uint32_t i = 1; i < argc && args_len < 128; i++) {
		size_t n = arg_clip(&argv[i], 128 - args_len);
		rw_buf_append(out, "'", 1);
		append_clean(out, argv[i].ptr, n);
		rw_buf_append(out, "' ", 2);
		args_len += n + 3;
	}
	rw_buf_append(out, "\r\n", 2);
}

void cmd_reply_arity(struct rw_buf *out, const struct cmd_def *d)
{
	resp_w_errorf(out, "ERR wrong number of arguments for '%s' command", cmd_fullname(d));
}

/* The subcommand of container @p parent named by argv[1], or NULL after
 * replying Redis's unknown-subcommand or arity error into @p out. */
static const struct cmd_def *subcmd_find(const struct cmd_def *parent, const struct resp_arg *argv,
					 uint32_t argc, struct rw_buf *out)
{
	const struct resp_arg *sub = &argv[1];
	const struct cmd_def *d = cmd_subcmd_lookup(parent, sub->ptr, sub->len);
	if (d == NULL) {
		/* "unknown subcommand '%.128s'. Try %s HELP." with the command
		 * name as typed, upper-cased. */
		rw_buf_append(out, "-ERR unknown subcommand '", 25);
		append_clean(out, sub->ptr, arg_clip(sub, 128));
		rw_buf_append(out, "'. Try ", 7);
		const struct resp_arg *a0 = &argv[0];
		for (size_t i = 0; i < arg_clip(a0, a0->len); i++) {
			uint8_t c = a0->ptr[i];
			c = c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
			append_clean(out, &c, 1);
		}
		rw_buf_append(out, " HELP.\r\n", 8);
		return NULL;
	}
	if (!cmd_arity_ok(d, argc)) {
		cmd_reply_arity(out, d);
		return NULL;
	}
	return d;
}

const struct cmd_def *cmd_subcmd_resolve(struct cmd_ctx *ctx, const struct cmd_def *parent)
{
	return subcmd_find(parent, ctx->argv, ctx->argc, ctx->out);
}

bool cmd_subcmd_check(const struct cmd_def *d, const struct resp_arg *argv, uint32_t argc,
		      struct rw_buf *out)
{
	if (d->n_subcmds == 0 || argc < 2)
		return true;
	return subcmd_find(d, argv, argc, out) != NULL;
}

/* The dirty count is the store's: every change goes through
 * store_write_commit(), which counts it, so handlers never count. */
void cmd_execute(const struct cmd_def *d, struct cmd_ctx *ctx)
{
	struct store_stats *st = ctx->shard != NULL ? store_shard_stats(ctx->shard) : NULL;
	uint64_t before = st != NULL ? st->dirty : 0;
	const struct cmd_def *sub = NULL;
	if (d->n_subcmds != 0 && ctx->argc >= 2)
		sub = cmd_subcmd_lookup(d, ctx->argv[1].ptr, ctx->argv[1].len);
	ctx->client->last_cmd = sub != NULL ? sub : d;
	ctx->client->last_ms = ctx->now_ms;
	if (ctx->shard != NULL)
		store_cmd_end(ctx->shard); /* (a caller outside a command may have left some) */
	d->fn(ctx);
	if (ctx->shard != NULL)
		store_cmd_end(ctx->shard); /* its write lookups: STORE_LOOKUP_WRITE */
	if (st != NULL)
		ctx->dirty += (uint32_t)(st->dirty - before);
}

/* The order is Redis's processCommand(): unknown command, arity, unknown
 * subcommand and its arity, NOAUTH, ACL, run;
 * then resetClient()'s CLIENT REPLY bookkeeping, whatever happened. */
/* rejectCommand()'s count, as the dispatcher's dp_reject() keeps it */
static void call_rejected(struct cmd_ctx *ctx, const struct cmd_def *d, bool sub_ok, size_t mark)
{
	const struct cmd_def *sub = sub_ok && d != NULL && d->n_subcmds != 0 && ctx->argc >= 2
					? cmd_subcmd_lookup(d, ctx->argv[1].ptr, ctx->argv[1].len)
					: NULL;
	cmd_diag_rejected(ctx->env, 0, sub != NULL ? sub : d, ctx->out->data + mark,
			  ctx->out->len - mark);
}

const struct cmd_def *cmd_call(struct cmd_ctx *ctx)
{
	size_t mark = ctx->out->len;
	const struct cmd_def *d = cmd_lookup(ctx->argv[0].ptr, ctx->argv[0].len);
	if (d == NULL) {
		cmd_reply_unknown(ctx->out, ctx->argv, ctx->argc);
		call_rejected(ctx, NULL, false, mark);
	} else if (!cmd_arity_ok(d, ctx->argc)) {
		cmd_reply_arity(ctx->out, d);
		call_rejected(ctx, d, false, mark); /* the container's arity */
		d = NULL;
	} else if (!cmd_subcmd_check(d, ctx->argv, ctx->argc, ctx->out)) {
		call_rejected(ctx,
			      cmd_subcmd_lookup(d, ctx->argv[1].ptr, ctx->argv[1].len) ? d : NULL,
			      true, mark);
		d = NULL;
	} else if (cmd_auth_required(d, ctx->client, ctx->env)) {
		rw_buf_append(ctx->out, CMD_ERR_NOAUTH, sizeof(CMD_ERR_NOAUTH) - 1);
		call_rejected(ctx, d, true, mark);
		d = NULL;
	} else if (ctx->client->user != NULL && !cmd_acl_unrestricted(ctx->client) &&
		   cmd_acl_refuses(ctx, d, false)) {
		call_rejected(ctx, d, true, mark);
		d = NULL;
	} else {
		cmd_execute(d, ctx);
		/* as the dispatcher records it, on "worker" 0, without a duration */
		bool err = ctx->out->len > mark && ctx->out->data[mark] == '-';
		cmd_diag_command(ctx, d, 0, 0, err ? ctx->out->data + mark : NULL,
				 ctx->out->len - mark);
	}
	if (cmd_client_reply_suppressed(ctx->client))
		ctx->out->len = mark;
	return d;
}

void cmd_reply_help(struct cmd_ctx *ctx, const char *const *lines, size_t n)
{
	resp_w_array(ctx->out, (int64_t)n);
	for (size_t i = 0; i < n; i++)
		resp_w_simple(ctx->out, lines[i]);
}
