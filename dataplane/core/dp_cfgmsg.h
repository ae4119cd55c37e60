/*
 * CONFIG SET / CONFIG GET requests from the control plane (dp_cfgmsg.c).
 */
#ifndef RW_DP_CFGMSG_H
#define RW_DP_CFGMSG_H

#include "worker.h"

/** Answer a CHAN_MSG_CONFIG_SET or _GET. @return false if @p m is another type.
 * Context: the owning worker, from its control poll (not per packet). */
bool dp_cfg_msg(struct worker *w, const struct chan_msg *m);

/**
 * cmd_config_note_fn: CHAN_MSG_CONFIG_NOTE to the control plane from the
 * worker running the CONFIG SET: "name\0value\0old\0source\0client\0"
 * (platform/chan/FORMAT.md). The source is "resp" for a client's command,
 * "api" for one the control plane sent (CHAN_MSG_CONFIG_SET, which runs as
 * client id 0). A full ring loses the note: logged.
 * Context: that worker.
 */
void dp_cfg_note(const struct cmd_ctx *ctx, const char *name, const char *old, const char *value,
		 uint64_t gen);

/**
 * A control plane attached: one CONFIG_NOTE per directive CONFIG GET names
 * (source "sync", no old value; secrets left out), then the users
 * (dp_acl_note_send): its copy of the values. Context: worker @p w (0).
 */
void dp_cfg_notes_all(struct worker *w);

/** CHAN_MSG_ACL_NOTE: ACL LIST's lines to the control plane, tagged with the
 * users' generation read before them. A full ring loses it: logged.
 * Context: worker @p w. */
void dp_acl_note_send(struct worker *w);

/** cmd_acl_note_fn: dp_acl_note_send() from the worker that ran the change. */
void dp_acl_note(const struct cmd_ctx *ctx);

/**
 * A CHAN_MSG_CONFIG_NOTE of two fields, "name\0value\0": a run-time value the
 * control plane acts on, re-sent when it attaches, or the AOF's state
 * ("appendonly" no|wait-rewrite|yes). Not an event. A full ring loses it:
 * logged. Context: worker @p w.
 */
void dp_cfg_note_state(struct worker *w, const char *name, const char *value);

#endif
