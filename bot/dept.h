/* Which department a case goes to, and who works in which (issue 15, docs/cases.md). The
 * departments themselves (ids and labels) are the config's `departments`; here are the two
 * maps over them: `category_departments` (a knowledge-base category to a department, "*" the
 * fallback) and `department_agents` (a department to its agents' logins). Pure: no I/O. */
#ifndef SANAD_BOT_DEPT_H
#define SANAD_BOT_DEPT_H

#include "kb/base.h"

#define BOT_DEPT_ID_MAX     64 /* bytes of a category or department id, or a login */
#define BOT_DEPT_MAP_MAX    64 /* entries of category_departments */
#define BOT_DEPT_AGENTS_MAX 16 /* departments in department_agents */
#define BOT_DEPT_LOGINS_MAX 32 /* logins per department */

struct bot_dept_map {
    struct {
        char category[BOT_DEPT_ID_MAX + 1];
        char dept[BOT_DEPT_ID_MAX + 1];
    } v[BOT_DEPT_MAP_MAX];
    int n;
    char fallback[BOT_DEPT_ID_MAX + 1]; /* "*=DEPT"; "" when none */
};
/* "billing=billing, orders=orders, *=general" (NULL or "none": empty). SN_OK, or SN_EINVAL
 * naming the bad entry (not ID=ID, a category twice), out then empty. */
int bot_dept_map_parse(const char *s, struct bot_dept_map *out, struct sn_err *err);

/* The department of a handed-off conversation: the visitor's choice (the pre-chat form),
 * when given; else the department of the first of categories[0..n) (the matched entries',
 * most relevant first) the map knows; else the fallback; NULL when there is none of these
 * (the case has no department). Borrowed from the arguments. */
const char *bot_dept_choose(const struct bot_dept_map *m,
                            const char *choice,
                            const char *const *categories,
                            int n);

struct bot_dept_agents {
    struct {
        char dept[BOT_DEPT_ID_MAX + 1];
        char login[BOT_DEPT_LOGINS_MAX][BOT_DEPT_ID_MAX + 1];
        int n;
    } v[BOT_DEPT_AGENTS_MAX];
    int n;
};
/* "billing: amal omar; tech: sara" (NULL or "none": empty). SN_OK, or SN_EINVAL naming the
 * bad entry, out then empty. */
int bot_dept_agents_parse(const char *s, struct bot_dept_agents *out, struct sn_err *err);

/* Whether login works in dept: listed there, or dept is NULL or unlisted (a department
 * nobody is assigned to is everyone's, so that no case waits for an agent who does not
 * exist). */
int bot_dept_agent_in(const struct bot_dept_agents *a, const char *dept, const char *login);

#endif
