/*
 * MONITOR's delivery on the worker hosting monitor clients: once per loop
 * iteration, move the lines every worker fed to this one (cmd_monitor.c)
 * into each monitor's send buffer. A monitor that still waits for replies
 * of its own gets the lines in a slot behind them (its reply order holds).
 *
 * Context: the owning worker lcore.
 */
#include "dp_int.h"
#include "worker.h"

unsigned dp_monitor_poll(struct worker *w)
{
	cmd_monitor_take(&w->sh->env, w->id, &w->mon_buf);
	if (w->mon_buf.len == 0)
		return 0;
	for (uint32_t i = 0; i < w->n_live; i++) {
		struct dp_client *cl = &w->clients[w->live[i]];
		if (!cl->cc.monitor || cl->closing)
			continue;
		/* the send buffer, or a slot behind replies still pending */
		rw_buf_append(dp_reply_target(w, cl), w->mon_buf.data, w->mon_buf.len);
	}
	w->mon_buf.len = 0;
	return 1;
}
