/*
 * What redwirectl's tasks, snapshot and events commands share.
 *
 * Context: redwirectl, blocking.
 */
#ifndef CTL_JOBS_H
#define CTL_JOBS_H

#include <jansson.h>

/** The string at @p key of @p o, "" if absent. */
const char *ctl_jstr(json_t *o, const char *key);
/** An API answer other than @p want: print its error. @return CTL_EXIT_OK or CTL_EXIT_FAIL. */
int ctl_api_failed(int status, int want, json_t *j);
/** @p j on one line. */
void ctl_json_print(json_t *j);
/** One task as a table row. */
void ctl_task_line(json_t *t);

#endif
