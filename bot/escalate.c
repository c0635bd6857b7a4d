/* Escalation tiers (bot/escalate.h). */
#include "bot/escalate.h"

#include <string.h>

const char *bot_escalate_default(const struct bot_dept_map *m, const char *from)
{
    const char *const one[1] = {from};
    /* the map is category_departments' shape: the case's department in the category's place */
    const char *to = bot_dept_choose(m, NULL, one, from && *from ? 1 : 0);
    return to && from && !strcmp(to, from) ? NULL : to; /* "*=tier2" is not tier2's own */
}

int bot_escalate_target(const struct bot_dept_map *m,
                        const char *from,
                        const char *asked,
                        int tier,
                        const char **to,
                        int *next_tier,
                        struct sn_err *err)
{
    const char *t = asked && *asked ? asked : bot_escalate_default(m, from);
    int cur = tier < 1 ? 1 : tier;
    *to = NULL;
    *next_tier = cur;
    if (!t)
        return sn_err_set(err, SN_EINVAL,
                          "no second line for department '%s' (escalation): name a department",
                          from && *from ? from : "none");
    if (from && !strcmp(t, from))
        return sn_err_set(err, SN_EINVAL, "the case is in department '%s' already", t);
    if (cur >= BOT_ESCALATE_TIER_MAX)
        return sn_err_set(err, SN_EINVAL, "the case is at the last tier (%d) already",
                          BOT_ESCALATE_TIER_MAX);
    *to = t;
    *next_tier = cur + 1;
    return SN_OK;
}
