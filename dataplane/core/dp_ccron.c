/*
 * The clients cron: idle timeout over a slice per run (see dp_ccron.h).
 */
#include "dp_ccron.h"

#include "dp_pubsub.h"
#include "worker.h"

/* Is @p cl past `timeout` (@p timeout_s > 0) at @p now_s? */
static bool client_idle_expired(const struct dp_client *cl, uint64_t now_s, uint64_t timeout_s)
{
	if (cl->tcp == NULL || cl->closing)
		return false;
	/* stock's exemptions: monitors, blocked and pub/sub clients */
	if (cl->cc.monitor || cl->blocking || cl->xblk != NULL || (cl->ps != NULL && cl->ps->flag))
		return false;
	/* not idle: a command still running, or waiting to run (CLIENT PAUSE,
	 * journal full: the connection is queued to be processed again) */
	if (cl->slot_head != cl->slot_tail || cl->tx_inflight != 0 || cl->save_wait != 0 ||
	    cl->on_ready)
		return false;
	uint64_t last_s = cl->cc.last_ms / 1000;
	return now_s > last_s && now_s - last_s > timeout_s;
}

void dp_clients_cron(struct worker *w, int64_t hz)
{
	int64_t timeout_s = cmd_cfg_timeout(&w->sh->env);
	uint32_t slots = w->tcp.max_conns;
	if (timeout_s <= 0 || slots == 0 || hz <= 0)
		return;
	uint32_t n = (uint32_t)((slots + (uint64_t)hz - 1) / (uint64_t)hz);
	uint64_t now_s = w->now_unix_ms / 1000;
	for (uint32_t i = 0; i < n; i++) {
		if (w->ccron_cursor >= slots)
			w->ccron_cursor = 0;
		struct dp_client *cl = &w->clients[w->ccron_cursor++];
		if (!client_idle_expired(cl, now_s, (uint64_t)timeout_s))
			continue;
		rw_logring_put(&w->log, RW_LOG_INFO, "dp.client",
			       "client=%llu closed: Closing idle client",
			       (unsigned long long)cl->cc.id);
		dp_client_close(w, cl);
	}
}
