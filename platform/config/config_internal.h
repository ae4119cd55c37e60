/*
 * Private to platform/config: the directive table as data, shared by the
 * loader (config.c) and the read side (config_show.c).
 */
#ifndef RW_CONFIG_INTERNAL_H
#define RW_CONFIG_INTERNAL_H

#include "config.h"

struct cfg_desc {
	const char *name;
	enum rw_cfg_type type;
	const char *def;
	int64_t min, max;
	const char *desc;
	size_t off; /* offset of the field in struct rw_config */
};

extern const struct cfg_desc cfg_table[];
extern const size_t cfg_table_len;

/** Case-insensitive lookup. @return the entry or NULL. */
const struct cfg_desc *cfg_find(const char *name);

static inline bool *cfg_bool(struct rw_config *cfg, const struct cfg_desc *d)
{
	return (bool *)((char *)cfg + d->off);
}

static inline int64_t *cfg_int(struct rw_config *cfg, const struct cfg_desc *d)
{
	return (int64_t *)((char *)cfg + d->off);
}

static inline char **cfg_str(struct rw_config *cfg, const struct cfg_desc *d)
{
	return (char **)((char *)cfg + d->off);
}

#endif
