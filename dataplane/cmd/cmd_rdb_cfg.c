/*
 * The encoding limits a loaded RDB value is held to, from the
 * configuration in force (cmd_rdb.h: struct cmd_rdb_limits). Apart from
 * cmd_rdb.c so the value code links without the configuration (the RDB
 * fuzz target).
 *
 * Context: any worker lcore (reads the run-time config).
 */
#include "cmd_int.h"
#include "cmd_rdb.h"
#include "store_hash.h"

void cmd_rdb_limits_get(const struct cmd_env *env, struct cmd_rdb_limits *lim)
{
	struct store_hash_limits h;
	cmd_cfg_hash_limits(env, &h);
	int64_t ze = cmd_cfg_zset_max_listpack_entries(env);
	int64_t zv = cmd_cfg_zset_max_listpack_value(env);
	*lim = (struct cmd_rdb_limits){
	    .list_fill = (int32_t)cmd_cfg_list_max_listpack_size(env),
	    .list_compress = (int32_t)cmd_cfg_list_compress_depth(env),
	    .hash_max_entries = h.max_lp_entries,
	    .hash_max_value = h.max_lp_value,
	    .set_max_intset = cmd_cfg_set_max_intset_entries(env),
	    .zset_max_entries = ze > 0 ? (uint64_t)ze : 0,
	    .zset_max_value = zv > 0 ? (uint64_t)zv : 0,
	};
}
