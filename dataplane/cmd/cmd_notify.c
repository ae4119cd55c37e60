/*
 * Keyspace notifications: the notify-keyspace-events flags and the class
 * of each event (notify.c of redis-server 7.0.15).
 *
 * The store's write hook reports every committed write with the event name
 * the handler gave (store.h: "set", "lpush", "expired"...). This file says
 * which class letter each event belongs to, so the dispatcher's hook
 * (dataplane/core/dp_pubsub.c) can publish only what notify-keyspace-events
 * enables, and renames the few events whose store name differs from what
 * Redis notifies (DECR and DECRBY notify "incrby"; HMSET notifies "hset").
 *
 * Context: any worker lcore; pure functions over immutable tables.
 */
#include <string.h>

#include "cmd_int.h"

/* Event name -> class, as each Redis command calls notifyKeyspaceEvent(). */
static const struct {
	const char *event;
	uint32_t cls;
} classes[] = {
    {"del", CMD_NOTIFY_GENERIC},
    {"expire", CMD_NOTIFY_GENERIC},
    {"persist", CMD_NOTIFY_GENERIC},
    {"rename_from", CMD_NOTIFY_GENERIC},
    {"rename_to", CMD_NOTIFY_GENERIC},
    {"move_from", CMD_NOTIFY_GENERIC},
    {"move_to", CMD_NOTIFY_GENERIC},
    {"copy_to", CMD_NOTIFY_GENERIC},
    {"restore", CMD_NOTIFY_GENERIC},
    {"sortstore", CMD_NOTIFY_LIST},
    {"set", CMD_NOTIFY_STRING},
    {"setrange", CMD_NOTIFY_STRING},
    {"append", CMD_NOTIFY_STRING},
    {"incrby", CMD_NOTIFY_STRING},
    {"incrbyfloat", CMD_NOTIFY_STRING},
    {"setbit", CMD_NOTIFY_STRING},
    {"lpush", CMD_NOTIFY_LIST},
    {"rpush", CMD_NOTIFY_LIST},
    {"lpop", CMD_NOTIFY_LIST},
    {"rpop", CMD_NOTIFY_LIST},
    {"linsert", CMD_NOTIFY_LIST},
    {"lset", CMD_NOTIFY_LIST},
    {"lrem", CMD_NOTIFY_LIST},
    {"ltrim", CMD_NOTIFY_LIST},
    {"sadd", CMD_NOTIFY_SET},
    {"srem", CMD_NOTIFY_SET},
    {"spop", CMD_NOTIFY_SET},
    {"sinterstore", CMD_NOTIFY_SET},
    {"sunionstore", CMD_NOTIFY_SET},
    {"sdiffstore", CMD_NOTIFY_SET},
    {"hset", CMD_NOTIFY_HASH},
    {"hdel", CMD_NOTIFY_HASH},
    {"hincrby", CMD_NOTIFY_HASH},
    {"hincrbyfloat", CMD_NOTIFY_HASH},
    {"zadd", CMD_NOTIFY_ZSET},
    {"zincr", CMD_NOTIFY_ZSET},
    {"zrem", CMD_NOTIFY_ZSET},
    {"zremrangebyscore", CMD_NOTIFY_ZSET},
    {"zremrangebyrank", CMD_NOTIFY_ZSET},
    {"zremrangebylex", CMD_NOTIFY_ZSET},
    {"zpopmin", CMD_NOTIFY_ZSET},
    {"zpopmax", CMD_NOTIFY_ZSET},
    {"zunionstore", CMD_NOTIFY_ZSET},
    {"zinterstore", CMD_NOTIFY_ZSET},
    {"zdiffstore", CMD_NOTIFY_ZSET},
    {"zrangestore", CMD_NOTIFY_ZSET},
    {"expired", CMD_NOTIFY_EXPIRED},
    {"evicted", CMD_NOTIFY_EVICTED},
    {"new", CMD_NOTIFY_NEW},
};

/* Store event names that Redis notifies under another name. */
static const struct {
	const char *store, *redis;
} renames[] = {
    {"decrby", "incrby"},
    {"hmset", "hset"},
};

const char *cmd_notify_event(const char *event, uint32_t *cls)
{
	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++)
		if (strcmp(event, renames[i].store) == 0)
			event = renames[i].redis;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(event, classes[i].event) == 0) {
			*cls = classes[i].cls;
			return event;
		}
	*cls = 0;
	return NULL;
}

/* keyspaceEventsStringToFlags() */
int cmd_notify_parse(const uint8_t *p, size_t n, uint32_t *out)
{
	uint32_t f = 0;
	for (size_t i = 0; i < n; i++) {
		switch (p[i]) {
		case 'A':
			f |= CMD_NOTIFY_ALL;
			break;
		case 'g':
			f |= CMD_NOTIFY_GENERIC;
			break;
		case '$':
			f |= CMD_NOTIFY_STRING;
			break;
		case 'l':
			f |= CMD_NOTIFY_LIST;
			break;
		case 's':
			f |= CMD_NOTIFY_SET;
			break;
		case 'h':
			f |= CMD_NOTIFY_HASH;
			break;
		case 'z':
			f |= CMD_NOTIFY_ZSET;
			break;
		case 'x':
			f |= CMD_NOTIFY_EXPIRED;
			break;
		case 'e':
			f |= CMD_NOTIFY_EVICTED;
			break;
		case 'K':
			f |= CMD_NOTIFY_KEYSPACE;
			break;
		case 'E':
			f |= CMD_NOTIFY_KEYEVENT;
			break;
		case 't':
			f |= CMD_NOTIFY_STREAM;
			break;
		case 'm':
			f |= CMD_NOTIFY_KEY_MISS;
			break;
		case 'd':
			f |= CMD_NOTIFY_MODULE;
			break;
		case 'n':
			f |= CMD_NOTIFY_NEW;
			break;
		default:
			return -1;
		}
	}
	*out = f;
	return 0;
}

/* keyspaceEventsFlagsToString(): "A" hides n (it is not part of A). */
size_t cmd_notify_format(uint32_t f, char *buf, size_t cap)
{
	static const struct {
		uint32_t bit;
		char c;
	} order[] = {
	    {CMD_NOTIFY_GENERIC, 'g'}, {CMD_NOTIFY_STRING, '$'},  {CMD_NOTIFY_LIST, 'l'},
	    {CMD_NOTIFY_SET, 's'},     {CMD_NOTIFY_HASH, 'h'},	  {CMD_NOTIFY_ZSET, 'z'},
	    {CMD_NOTIFY_EXPIRED, 'x'}, {CMD_NOTIFY_EVICTED, 'e'}, {CMD_NOTIFY_STREAM, 't'},
	    {CMD_NOTIFY_MODULE, 'd'},  {CMD_NOTIFY_NEW, 'n'},
	};
	size_t n = 0;
	if (cap < 20)
		return 0;
	if ((f & CMD_NOTIFY_ALL) == CMD_NOTIFY_ALL) {
		buf[n++] = 'A';
	} else {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (f & order[i].bit)
				buf[n++] = order[i].c;
	}
	if (f & CMD_NOTIFY_KEYSPACE)
		buf[n++] = 'K';
	if (f & CMD_NOTIFY_KEYEVENT)
		buf[n++] = 'E';
	if (f & CMD_NOTIFY_KEY_MISS)
		buf[n++] = 'm';
	buf[n] = '\0';
	return n;
}
