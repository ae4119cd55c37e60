/* Cross-core message rings and the message pool (see shard.h). */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARD_RING_SIZE 4096

int shard_mesh_create(struct shard_mesh *mesh, uint32_t n_workers, int socket_id)
{
	memset(mesh, 0, sizeof(*mesh));
	if (n_workers == 0 || n_workers > SHARD_MAX_WORKERS)
		return -EINVAL;
	mesh->n = n_workers;
	for (uint32_t i = 0; i < n_workers; i++) {
		for (uint32_t j = 0; j < n_workers; j++) {
			if (i == j)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "shard_%u_%u", i, j);
			mesh->ring[i][j] = rte_ring_create(name, SHARD_RING_SIZE, socket_id,
							   RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (mesh->ring[i][j] == NULL) {
				shard_mesh_destroy(mesh);
				return -ENOMEM;
			}
		}
	}
	return 0;
}

void shard_mesh_destroy(struct shard_mesh *mesh)
{
	for (uint32_t i = 0; i < SHARD_MAX_WORKERS; i++)
		for (uint32_t j = 0; j < SHARD_MAX_WORKERS; j++) {
			rte_ring_free(mesh->ring[i][j]);
			mesh->ring[i][j] = NULL;
		}
}

void shard_port_init(struct shard_port *p, struct shard_mesh *mesh, uint32_t self)
{
	memset(p, 0, sizeof(*p));
	p->mesh = mesh;
	p->self = self;
}

void shard_port_fini(struct shard_port *p)
{
	while (p->free != NULL) {
		struct shard_msg *m = p->free;
		p->free = m->next;
		rw_buf_fini(&m->args);
		rw_buf_fini(&m->reply);
		free(m);
	}
}

struct shard_msg *shard_msg_get(struct shard_port *p)
{
	struct shard_msg *m = p->free;
	if (m != NULL) {
		p->free = m->next;
	} else {
		m = calloc(1, sizeof(*m));
		if (m == NULL)
			return NULL;
	}
	m->next = NULL;
	m->away = false;
	m->src = (uint16_t)p->self;
	rw_buf_reset(&m->args);
	rw_buf_reset(&m->reply);
	return m;
}

void shard_msg_put(struct shard_port *p, struct shard_msg *m)
{
	/* Large buffers go back to the allocator so one huge value does not pin
	 * memory in the pool for ever. */
	if (m->args.cap > 65536)
		rw_buf_fini(&m->args);
	if (m->reply.cap > 65536)
		rw_buf_fini(&m->reply);
	m->next = p->free;
	p->free = m;
}

int shard_msg_pack(struct shard_msg *m, const struct resp_arg *argv, uint32_t argc)
{
	size_t need = 0;
	for (uint32_t i = 0; i < argc; i++)
		need += sizeof(uint32_t) + argv[i].len;
	if (rw_buf_reserve(&m->args, need) != 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < argc; i++) {
		memcpy(m->args.data + m->args.len, &argv[i].len, sizeof(uint32_t));
		m->args.len += sizeof(uint32_t);
		memcpy(m->args.data + m->args.len, argv[i].ptr, argv[i].len);
		m->args.len += argv[i].len;
	}
	m->argc = argc;
	return 0;
}

void shard_msg_unpack(struct shard_msg *m, struct resp_arg *argv)
{
	uint8_t *p = m->args.data;
	for (uint32_t i = 0; i < m->argc; i++) {
		memcpy(&argv[i].len, p, sizeof(uint32_t));
		argv[i].ptr = p + sizeof(uint32_t);
		p += sizeof(uint32_t) + argv[i].len;
	}
}

static void backlog_push(struct shard_port *p, uint32_t to, struct shard_msg *m)
{
	struct shard_backlog *b = &p->backlog[to];
	m->next = NULL;
	if (b->tail != NULL)
		b->tail->next = m;
	else
		b->head = m;
	b->tail = m;
	p->backlogged++;
}

static uint32_t dest_of(const struct shard_msg *m)
{
	return m->kind == SHARD_REQ || m->kind == SHARD_TX || m->kind == SHARD_PUBSUB ? m->dst
										      : m->src;
}

void shard_send(struct shard_port *p, struct shard_msg *m)
{
	uint32_t to = dest_of(m);
	/* Order per destination is kept: nothing overtakes the backlog. */
	if (p->backlog[to].head == NULL && rte_ring_sp_enqueue(p->mesh->ring[p->self][to], m) == 0)
		return;
	backlog_push(p, to, m);
}

void shard_backlog_flush(struct shard_port *p)
{
	if (p->backlogged == 0)
		return;
	for (uint32_t to = 0; to < p->mesh->n; to++) {
		struct shard_backlog *b = &p->backlog[to];
		while (b->head != NULL &&
		       rte_ring_sp_enqueue(p->mesh->ring[p->self][to], b->head) == 0) {
			b->head = b->head->next;
			p->backlogged--;
		}
		if (b->head == NULL)
			b->tail = NULL;
	}
}

unsigned shard_poll(struct shard_port *p, shard_msg_fn *fn, void *arg, unsigned budget)
{
	unsigned total = 0;
	void *msgs[32];
	for (uint32_t from = 0; from < p->mesh->n; from++) {
		if (from == p->self)
			continue;
		unsigned want = budget - total < 32 ? budget - total : 32;
		if (want == 0)
			break;
		unsigned got =
		    rte_ring_sc_dequeue_burst(p->mesh->ring[from][p->self], msgs, want, NULL);
		for (unsigned i = 0; i < got; i++)
			fn(arg, msgs[i]);
		total += got;
	}
	return total;
}
