/*
 * Management API roles. Ordered: each role may do what the one below it
 * may, and more.
 *   viewer    GET on every route
 *   operator  + PATCH /v1/parameters and operational actions (POST/DELETE
 *             on snapshots, failover, ... as their issues land)
 *   admin     + tokens, users, TLS reload
 * The Unix socket is root-only and acts as admin.
 *
 * Context: the control plane's event loop; pure functions.
 */
#ifndef API_ROLE_H
#define API_ROLE_H

#include <stdbool.h>

enum api_role {
	API_ROLE_NONE = 0,
	API_ROLE_VIEWER,
	API_ROLE_OPERATOR,
	API_ROLE_ADMIN,
};

#define API_ACTOR_SIZE	96
#define API_SOURCE_SIZE 48

/* Who is calling: established by the listener before a route runs. */
struct api_caller {
	enum api_role role;
	char actor[API_ACTOR_SIZE];   /* "unix:uid=0", "token:<id>", "cert:<CN>" */
	char source[API_SOURCE_SIZE]; /* peer address, "unix" on the socket */
};

/** "viewer", "operator", "admin" ("none" for API_ROLE_NONE). */
const char *api_role_name(enum api_role r);
/** @return the role named @p s (exact, lower case), or API_ROLE_NONE. */
enum api_role api_role_parse(const char *s);
/** The least role that may call @p method on a route; @p admin_route: admin for all. */
enum api_role api_role_needed(const char *method, bool admin_route);
/** May a caller with role @p have do what needs @p need? */
bool api_role_allows(enum api_role have, enum api_role need);

#endif
