/* FIFO of blocked requests (dp_blockq.h). */
#include "dp_blockq.h"

#include <stdlib.h>

struct dp_waiter *dp_blockq_push(struct dp_blockq *q, void *req, uint64_t deadline_ms)
{
	struct dp_waiter *wt = calloc(1, sizeof(*wt));
	if (wt == NULL)
		return NULL;
	wt->req = req;
	wt->deadline_ms = deadline_ms;
	wt->seq = q->next_seq++;
	wt->prev = q->tail;
	if (q->tail != NULL)
		q->tail->next = wt;
	else
		q->head = wt;
	q->tail = wt;
	q->n++;
	return wt;
}

struct dp_waiter *dp_blockq_push_at(struct dp_blockq *q, void *req, uint64_t deadline_ms,
				    uint64_t seq)
{
	struct dp_waiter *wt = calloc(1, sizeof(*wt));
	if (wt == NULL)
		return NULL;
	wt->req = req;
	wt->deadline_ms = deadline_ms;
	wt->seq = seq;
	struct dp_waiter *after = q->tail; /* usually the tail: seqs grow */
	while (after != NULL && after->seq > seq)
		after = after->prev;
	wt->prev = after;
	wt->next = after != NULL ? after->next : q->head;
	if (wt->next != NULL)
		wt->next->prev = wt;
	else
		q->tail = wt;
	if (after != NULL)
		after->next = wt;
	else
		q->head = wt;
	q->n++;
	return wt;
}

void *dp_blockq_remove(struct dp_blockq *q, struct dp_waiter *wt)
{
	if (wt->prev != NULL)
		wt->prev->next = wt->next;
	else
		q->head = wt->next;
	if (wt->next != NULL)
		wt->next->prev = wt->prev;
	else
		q->tail = wt->prev;
	q->n--;
	void *req = wt->req;
	free(wt);
	return req;
}

struct dp_waiter *dp_blockq_expired(const struct dp_blockq *q, uint64_t now_ms)
{
	for (struct dp_waiter *wt = q->head; wt != NULL; wt = wt->next)
		if (wt->deadline_ms != 0 && wt->deadline_ms <= now_ms)
			return wt;
	return NULL;
}
