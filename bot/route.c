/* Routing policy (see bot/route.h). */
#include "bot/route.h"

#include <stddef.h>

int bot_route_better(const struct bot_route_agent *a,
                     const struct bot_route_agent *best,
                     int capacity)
{
    if (!a->available || a->nchats >= capacity)
        return 0;
    return !best || a->nchats < best->nchats ||
           (a->nchats == best->nchats && a->last_assigned < best->last_assigned);
}

int bot_route_eta_minutes(const long long *handled_ms, int n, int online, int position)
{
    double per = BOT_ROUTE_ETA_DEFAULT_MIN;
    if (n > 0) {
        long long sum = 0;
        for (int i = 0; i < n; i++)
            sum += handled_ms[i];
        per = (double)sum / n / 60000.0;
    }
    double eta = position * per / (online > 0 ? online : 1);
    int m = (int)(eta + 0.999);
    return m < 1 ? 1 : m;
}

int bot_route_visitor_gone(long long *gone_at, int present, long long now, long long grace_ms)
{
    if (present) {
        *gone_at = 0;
        return 0;
    }
    if (!*gone_at) {
        *gone_at = now ? now : 1; /* 0 means present */
        return 0;
    }
    return now - *gone_at >= grace_ms;
}

int bot_route_agent_due(long long deadline, long long now)
{
    return deadline <= now;
}
