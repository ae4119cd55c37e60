/* Management API roles (see api_role.h). */
#include "api_role.h"

#include <string.h>

static const char *const role_names[] = {"none", "viewer", "operator", "admin"};

const char *api_role_name(enum api_role r)
{
	return (unsigned)r < sizeof(role_names) / sizeof(role_names[0]) ? role_names[r] : "none";
}

enum api_role api_role_parse(const char *s)
{
	for (int r = API_ROLE_VIEWER; r <= API_ROLE_ADMIN; r++)
		if (strcmp(s, role_names[r]) == 0)
			return (enum api_role)r;
	return API_ROLE_NONE;
}

enum api_role api_role_needed(const char *method, bool admin_route)
{
	if (admin_route)
		return API_ROLE_ADMIN;
	/* RFC 9110 §9.2.1: the safe methods only read */
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return API_ROLE_VIEWER;
	return API_ROLE_OPERATOR;
}

bool api_role_allows(enum api_role have, enum api_role need)
{
	return have != API_ROLE_NONE && have >= need;
}
