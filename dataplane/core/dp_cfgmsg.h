/*
 * CONFIG SET / CONFIG GET requests from the control plane (dp_cfgmsg.c).
 */
#ifndef RW_DP_CFGMSG_H
#define RW_DP_CFGMSG_H

#include "worker.h"

/** Answer a CHAN_MSG_CONFIG_SET or _GET. @return false if @p m is another type.
 * Context: the owning worker, from its control poll (not per packet). */
bool dp_cfg_msg(struct worker *w, const struct chan_msg *m);

#endif
