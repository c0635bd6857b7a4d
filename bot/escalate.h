/* Escalation tiers (issue 15, docs/cases.md "Escalation tiers"): where an agent escalates a
 * case to, and the tier it then has. A case starts at tier 1 (the first line); each
 * escalation moves it to another department one tier up, to at most BOT_ESCALATE_TIER_MAX
 * (a third line). The target is the one the agent names, else the `escalation` map's entry
 * for the case's department (bot/dept.h's format: department=second line, "*" the
 * fallback). Pure: no I/O; whether a department is configured is the caller's check. */
#ifndef SANAD_BOT_ESCALATE_H
#define SANAD_BOT_ESCALATE_H

#include "bot/dept.h"
#include "kb/base.h"

#define BOT_ESCALATE_TIER_MAX 3 /* first, second and third line */

/* The department a case of department from (NULL or "": none) at tier goes to when an agent
 * escalates it, asking for asked (NULL or "": the map's choice), into *to (borrowed from m
 * or asked), and its tier then into *next_tier. SN_OK; SN_EINVAL with err naming why: no
 * department asked and the map has none for from (nor a fallback), the target is from
 * itself, or tier is BOT_ESCALATE_TIER_MAX already. A tier below 1 (a case from before
 * tiers) counts as 1. */
int bot_escalate_target(const struct bot_dept_map *m,
                        const char *from,
                        const char *asked,
                        int tier,
                        const char **to,
                        int *next_tier,
                        struct sn_err *err);

/* The map's second line for department from (its entry, else the fallback), or NULL (none,
 * or the fallback is from itself): what the console pre-selects. Borrowed from m. */
const char *bot_escalate_default(const struct bot_dept_map *m, const char *from);

#endif
