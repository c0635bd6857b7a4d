/* The support figures (see bot/stats.h). */
#include "bot/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#define HOUR_MS     3600000LL
#define CONV_ROWS   64 /* rows of one conversation kept for its figures (turns are counted) */
#define CAL_LOCALE  "en_US@calendar=gregorian"
#define WEEKDAYS    7
#define DAY_HOURS   24
#define PERIODS_MAX (BOT_STATS_HOUR_DAYS_MAX * 25 + 1)

static const char *const group_names[] = {"hour", "day", "week", "month"};

int bot_stats_group_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, group_names[i]))
            return i;
    return -1;
}

const char *bot_stats_group_name(int group)
{
    return group >= 0 && group < 4 ? group_names[group] : "day";
}

/* ---- days and the calendar ---- */

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a Gregorian day (Howard Hinnant's days_from_civil). */
static long long day_number(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD", a real day of years 1970..9999. */
static int day_parse(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    *y = atoi(s), *m = atoi(s + 5), *d = atoi(s + 8);
    if (*y < 1970 || *m < 1 || *m > 12 || *d < 1 || *d > month_days(*y, *m))
        return -1;
    return 0;
}

/* A Gregorian calendar in zone tz, owned by the caller (ucal_close); NULL when ICU does not
 * know the zone (ucal_open would fall back to GMT: the name is checked first). */
static UCalendar *cal_open(const char *tz)
{
    UChar z[BOT_STATS_TZ_MAX], canon[BOT_STATS_TZ_MAX * 2];
    UBool sys = 0;
    UErrorCode e = U_ZERO_ERROR;
    size_t len = strlen(tz);
    if (!len || len >= BOT_STATS_TZ_MAX)
        return NULL;
    for (size_t i = 0; i < len; i++) /* the characters of IANA names, nothing else */
        if (!((tz[i] >= 'A' && tz[i] <= 'Z') || (tz[i] >= 'a' && tz[i] <= 'z') ||
              (tz[i] >= '0' && tz[i] <= '9') || strchr("/_+-", tz[i])))
            return NULL;
    u_uastrcpy(z, tz);
    ucal_getCanonicalTimeZoneID(z, -1, canon, BOT_STATS_TZ_MAX * 2, &sys, &e);
    if (U_FAILURE(e) || !sys)
        return NULL;
    UCalendar *c = ucal_open(z, -1, CAL_LOCALE, UCAL_GREGORIAN, &e);
    if (U_FAILURE(e)) {
        ucal_close(c);
        return NULL;
    }
    return c;
}

/* The local midnight starting day (y, m, d + k) (lenient: d + k may run past the month), and
 * that day's weekday (UCAL_SUNDAY..) and day of the month. A midnight a DST change skips is
 * the first instant of the day (ICU's lenient rule). */
static long long midnight(UCalendar *c, int y, int m, int d, int *wday, int *mday)
{
    UErrorCode e = U_ZERO_ERROR;
    ucal_clear(c);
    ucal_setDateTime(c, y, m - 1, d, 0, 0, 0, &e);
    long long t = (long long)ucal_getMillis(c, &e);
    if (wday)
        *wday = ucal_get(c, UCAL_DAY_OF_WEEK, &e);
    if (mday)
        *mday = ucal_get(c, UCAL_DATE, &e);
    return t;
}

/* The local weekday (0 Sunday) and hour of t. */
static void local_slot(UCalendar *c, long long t, int *wday, int *hour)
{
    UErrorCode e = U_ZERO_ERROR;
    ucal_setMillis(c, (UDate)t, &e);
    *wday = ucal_get(c, UCAL_DAY_OF_WEEK, &e) - UCAL_SUNDAY;
    *hour = ucal_get(c, UCAL_HOUR_OF_DAY, &e);
    if (U_FAILURE(e) || *wday < 0 || *wday >= WEEKDAYS || *hour < 0 || *hour >= DAY_HOURS)
        *wday = *hour = 0;
}

void bot_stats_local_label(const char *tz, long long t, char *out)
{
    UCalendar *c = cal_open(tz);
    UErrorCode e = U_ZERO_ERROR;
    snprintf(out, BOT_STATS_LABEL_MAX, "?");
    if (!c)
        return;
    ucal_setMillis(c, (UDate)t, &e);
    int y = ucal_get(c, UCAL_YEAR, &e), m = ucal_get(c, UCAL_MONTH, &e) + 1,
        d = ucal_get(c, UCAL_DATE, &e), h = ucal_get(c, UCAL_HOUR_OF_DAY, &e),
        mi = ucal_get(c, UCAL_MINUTE, &e);
    if (U_SUCCESS(e))
        snprintf(out, BOT_STATS_LABEL_MAX, "%04d-%02d-%02d %02d:%02d", y % 10000, m % 100, d % 100,
                 h % 100, mi % 100);
    ucal_close(c);
}

/* ---- the query ---- */

static int login_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n >= STORE_LOGIN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
            return 0;
    return 1;
}

enum { A_FROM, A_TO, A_GROUP, A_TZ, A_LANG, A_CHANNEL, A_AGENT, A_COUNT };
static const char *const arg_names[A_COUNT] = {"from", "to",      "group", "tz",
                                               "lang", "channel", "agent"};

int bot_stats_query_parse(const char *const *name,
                          const char *const *value,
                          int n,
                          long long now,
                          struct bot_stats_query *q,
                          struct sn_err *err)
{
    const char *v[A_COUNT] = {0};
    UCalendar *c = NULL;
    int rc = SN_OK;
    memset(q, 0, sizeof *q);
    for (int i = 0; i < n; i++) {
        int a = 0;
        while (a < A_COUNT && strcmp(name[i], arg_names[a]))
            a++;
        if (a == A_COUNT) {
            rc = sn_err_set(err, SN_EINVAL, "unknown argument '%.40s'", name[i]);
            goto out;
        }
        if (v[a]) {
            rc = sn_err_set(err, SN_EINVAL, "%s: given twice", arg_names[a]);
            goto out;
        }
        v[a] = value[i] ? value[i] : "";
    }
    q->group = BOT_STATS_DAY;
    if (v[A_GROUP] && *v[A_GROUP] && (q->group = bot_stats_group_parse(v[A_GROUP])) < 0) {
        rc = sn_err_set(err, SN_EINVAL, "group: hour, day, week or month");
        goto out;
    }
    snprintf(q->tz, sizeof q->tz, "%s", v[A_TZ] && *v[A_TZ] ? v[A_TZ] : "UTC");
    if (strlen(v[A_TZ] ? v[A_TZ] : "") >= sizeof q->tz || !(c = cal_open(q->tz))) {
        rc = sn_err_set(err, SN_EINVAL, "tz: not a time zone (an IANA name such as Asia/Riyadh)");
        goto out;
    }
    if (v[A_LANG] && *v[A_LANG]) {
        if (strcmp(v[A_LANG], "ar") && strcmp(v[A_LANG], "en")) {
            rc = sn_err_set(err, SN_EINVAL, "lang: ar or en");
            goto out;
        }
        snprintf(q->lang, sizeof q->lang, "%s", v[A_LANG]);
    }
    if (v[A_CHANNEL] && *v[A_CHANNEL]) {
        if (strcmp(v[A_CHANNEL], "widget")) {
            rc = sn_err_set(err, SN_EINVAL, "channel: widget");
            goto out;
        }
        snprintf(q->channel, sizeof q->channel, "%s", v[A_CHANNEL]);
    }
    if (v[A_AGENT] && *v[A_AGENT]) {
        if (!login_ok(v[A_AGENT])) {
            rc = sn_err_set(err, SN_EINVAL, "agent: a login ([A-Za-z0-9._-], 1 to 64)");
            goto out;
        }
        snprintf(q->agent, sizeof q->agent, "%s", v[A_AGENT]);
    }
    if (v[A_TO] && *v[A_TO]) {
        if (day_parse(v[A_TO], &q->to_y, &q->to_m, &q->to_d)) {
            rc = sn_err_set(err, SN_EINVAL, "to: a day, YYYY-MM-DD");
            goto out;
        }
    } else { /* today in tz */
        UErrorCode e = U_ZERO_ERROR;
        ucal_setMillis(c, (UDate)now, &e);
        q->to_y = ucal_get(c, UCAL_YEAR, &e);
        q->to_m = ucal_get(c, UCAL_MONTH, &e) + 1;
        q->to_d = ucal_get(c, UCAL_DATE, &e);
    }
    long long to_day = day_number(q->to_y, q->to_m, q->to_d), from_day;
    if (v[A_FROM] && *v[A_FROM]) {
        if (day_parse(v[A_FROM], &q->from_y, &q->from_m, &q->from_d)) {
            rc = sn_err_set(err, SN_EINVAL, "from: a day, YYYY-MM-DD");
            goto out;
        }
        from_day = day_number(q->from_y, q->from_m, q->from_d);
    } else {
        int wd, md;
        from_day = to_day - (BOT_STATS_DEFAULT_DAYS - 1);
        long long t =
            midnight(c, q->to_y, q->to_m, q->to_d - (BOT_STATS_DEFAULT_DAYS - 1), &wd, &md);
        UErrorCode e = U_ZERO_ERROR;
        ucal_setMillis(c, (UDate)t, &e);
        q->from_y = ucal_get(c, UCAL_YEAR, &e);
        q->from_m = ucal_get(c, UCAL_MONTH, &e) + 1;
        q->from_d = md;
    }
    if (from_day > to_day) {
        rc = sn_err_set(err, SN_EINVAL, "from: after to");
        goto out;
    }
    long long days = to_day - from_day + 1;
    int max = q->group == BOT_STATS_HOUR ? BOT_STATS_HOUR_DAYS_MAX : BOT_STATS_DAYS_MAX;
    if (days > max)
        rc = sn_err_set(err, SN_EINVAL, "to: at most %d days from from (by %s)", max,
                        bot_stats_group_name(q->group));
out:
    ucal_close(c);
    if (rc)
        memset(q, 0, sizeof *q);
    return rc;
}

int bot_stats_bounds(const struct bot_stats_query *q,
                     long long **bounds,
                     int *n,
                     struct sn_err *err)
{
    UCalendar *c = cal_open(q->tz);
    *bounds = NULL, *n = 0;
    if (!c)
        return sn_err_set(err, SN_EINVAL, "tz: not a time zone");
    long long days =
        day_number(q->to_y, q->to_m, q->to_d) - day_number(q->from_y, q->from_m, q->from_d) + 1;
    if (days < 1)
        days = 1;
    if (days > BOT_STATS_DAYS_MAX)
        days = BOT_STATS_DAYS_MAX;
    long long *b = sn_xmalloc(sizeof *b * (size_t)(PERIODS_MAX + BOT_STATS_DAYS_MAX + 2));
    int k = 0;
    long long end = midnight(c, q->from_y, q->from_m, q->from_d + (int)days, NULL, NULL);
    for (int day = 0; day < days; day++) {
        int wd, md;
        long long t = midnight(c, q->from_y, q->from_m, q->from_d + day, &wd, &md);
        int cut = day == 0 || q->group == BOT_STATS_DAY || q->group == BOT_STATS_HOUR ||
                  (q->group == BOT_STATS_WEEK && wd == UCAL_MONDAY) ||
                  (q->group == BOT_STATS_MONTH && md == 1);
        if (cut && (k == 0 || t > b[k - 1]))
            b[k++] = t;
        if (q->group == BOT_STATS_HOUR) { /* every hour of this day, in elapsed time */
            long long next = midnight(c, q->from_y, q->from_m, q->from_d + day + 1, NULL, NULL);
            for (long long h = t + HOUR_MS; h < next && k < PERIODS_MAX; h += HOUR_MS)
                b[k++] = h;
        }
    }
    b[k] = end > b[k - 1] ? end : b[k - 1] + 1;
    ucal_close(c);
    *bounds = b, *n = k;
    return SN_OK;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

long long bot_stats_rank(long long *v, size_t n, int pct)
{
    if (!n)
        return -1;
    qsort(v, n, sizeof *v, cmp_ll);
    size_t r = ((size_t)pct * n + 99) / 100; /* ceil(pct/100 × n), 1-based */
    return v[r < 1 ? 0 : r - 1];
}

/* ---- the figures ---- */

struct vec {
    long long *v;
    size_t n, cap;
};

static void vec_push(struct vec *x, long long v)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 16;
        x->v = sn_xrealloc(x->v, x->cap * sizeof *x->v);
    }
    x->v[x->n++] = v;
}

/* One period's counts (a P of the answer). */
struct acc {
    long long start, end;
    long long conversations, contained, handoffs, answers, helpful;
    long long abandoned, solved, rated_solved, csat_n, csat_sum, dist[5];
    long long cases, rep_visitor, rep_email, rep_any;
    struct vec first, resolution, wait;
};

struct agent {
    char login[STORE_LOGIN_MAX];
    long long chats, csat_n, csat_sum;
    struct vec handling;
};

enum row_kind { R_HANDOFF, R_TICKET, R_ASSIGNED, R_ABANDONED, R_FIRST, R_SOLVED, R_CSAT, R_CASE };
/* The stored kinds a conversation's figures keep (a turn and a rating are only counted). */
static const struct {
    const char *name;
    int kind;
} row_kinds[] = {{"handoff", R_HANDOFF},
                 {"ticket", R_TICKET},
                 {"assigned", R_ASSIGNED},
                 {"abandoned", R_ABANDONED},
                 {"first_response", R_FIRST},
                 {"solved", R_SOLVED},
                 {"csat", R_CSAT},
                 {"case", R_CASE}};

struct row {
    int kind;
    int solved; /* R_SOLVED: solved (1) or closed as spam (0) */
    long long value, value2;
    char agent[STORE_LOGIN_MAX];
};

/* The conversation being fed. */
struct conv {
    int active;
    long long start;
    char lang[8], channel[16];
    long long answers, helpful;
    struct row rows[CONV_ROWS];
    int nrows;
};

struct bot_stats {
    struct bot_stats_query q;
    long long *bounds; /* [0..n] */
    int n;
    struct acc *periods, total, previous;
    long long busiest[WEEKDAYS][DAY_HOURS];
    struct agent *agents;
    int nagents;
    struct conv cur;
    UCalendar *cal;
};

struct bot_stats *bot_stats_new(const struct bot_stats_query *q, long long *bounds, int n)
{
    struct bot_stats *s = sn_xcalloc(1, sizeof *s);
    s->q = *q;
    s->bounds = bounds, s->n = n;
    s->periods = sn_xcalloc((size_t)n, sizeof *s->periods);
    for (int i = 0; i < n; i++)
        s->periods[i].start = bounds[i], s->periods[i].end = bounds[i + 1];
    s->total.start = bounds[0], s->total.end = bounds[n];
    s->previous.end = bounds[0];
    s->previous.start = bounds[0] - (bounds[n] - bounds[0]);
    s->cal = cal_open(q->tz);
    return s;
}

void bot_stats_span(const struct bot_stats *s, long long *from, long long *to)
{
    *from = s->previous.start, *to = s->bounds[s->n];
}

/* The period t falls in (bounds[i] <= t < bounds[i + 1]), -1 before the first. */
static int period_of(const struct bot_stats *s, long long t)
{
    if (t < s->bounds[0] || t >= s->bounds[s->n])
        return -1;
    int lo = 0, hi = s->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->bounds[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static struct agent *agent_of(struct bot_stats *s, const char *login)
{
    for (int i = 0; i < s->nagents; i++)
        if (!strcmp(s->agents[i].login, login))
            return &s->agents[i];
    if (s->nagents >= BOT_STATS_AGENTS_MAX)
        return NULL;
    s->agents = sn_xrealloc(s->agents, (size_t)(s->nagents + 1) * sizeof *s->agents);
    struct agent *a = &s->agents[s->nagents++];
    memset(a, 0, sizeof *a);
    snprintf(a->login, sizeof a->login, "%s", login);
    return a;
}

/* Whether the conversation passes the query's filters. */
static int conv_wanted(const struct bot_stats *s, const struct conv *c)
{
    if (s->q.lang[0] && strcmp(c->lang, s->q.lang))
        return 0;
    if (s->q.channel[0] && strcmp(c->channel, s->q.channel))
        return 0;
    if (!s->q.agent[0])
        return 1;
    for (int i = 0; i < c->nrows; i++)
        if (c->rows[i].kind == R_ASSIGNED && !strcmp(c->rows[i].agent, s->q.agent))
            return 1;
    return 0;
}

/* c's last rating (a new one replaces the one before), or NULL. */
static const struct row *last_csat(const struct conv *c)
{
    for (int i = c->nrows - 1; i >= 0; i--)
        if (c->rows[i].kind == R_CSAT)
            return &c->rows[i];
    return NULL;
}

/* Adds conversation c to period a. */
static void acc_add(struct acc *a, const struct conv *c)
{
    int handoff = 0, ticket = 0, assigned = 0, solved = 0, made = 0;
    long long bits = 0;
    const struct row *csat = last_csat(c);
    a->conversations++;
    a->answers += c->answers;
    a->helpful += c->helpful < c->answers ? c->helpful : c->answers;
    for (int i = 0; i < c->nrows; i++) {
        const struct row *r = &c->rows[i];
        switch (r->kind) {
        case R_HANDOFF:
            handoff = 1;
            break;
        case R_TICKET:
            ticket = made = 1;
            bits |= r->value > 0 ? r->value : 0;
            break;
        case R_ASSIGNED:
            assigned = 1;
            if (r->value >= 0)
                vec_push(&a->wait, r->value);
            break;
        case R_ABANDONED:
            a->abandoned++;
            break;
        case R_FIRST:
            if (r->value >= 0)
                vec_push(&a->first, r->value);
            break;
        case R_SOLVED:
            if (r->solved && r->value >= 0)
                vec_push(&a->resolution, r->value);
            solved |= r->solved;
            break;
        case R_CSAT:
            break;
        case R_CASE:
            made = 1;
            bits |= r->value > 0 ? r->value : 0;
            break;
        }
    }
    /* repeat contacts per conversation with a case: the bits of its cases and left messages */
    a->cases += made;
    a->rep_visitor += (bits & STORE_STATS_REPEAT_VISITOR) != 0;
    a->rep_email += (bits & STORE_STATS_REPEAT_EMAIL) != 0;
    a->rep_any += bits != 0;
    a->handoffs += handoff;
    a->contained += !handoff && !ticket && !assigned;
    a->solved += solved;
    if (csat) {
        a->csat_n++, a->csat_sum += csat->value, a->dist[csat->value - 1]++;
        a->rated_solved += solved;
    }
}

/* The per-agent figures of c (the query's span only). */
static void agents_add(struct bot_stats *s, const struct conv *c)
{
    for (int i = 0; i < c->nrows; i++) {
        const struct row *r = &c->rows[i];
        if (!r->agent[0] || (s->q.agent[0] && strcmp(r->agent, s->q.agent)))
            continue;
        int seen = 0; /* a chat counts once per agent, however often it was assigned */
        for (int j = 0; j < i && r->kind == R_ASSIGNED; j++)
            seen |= c->rows[j].kind == R_ASSIGNED && !strcmp(c->rows[j].agent, r->agent);
        struct agent *a = agent_of(s, r->agent);
        if (!a)
            continue;
        if (r->kind == R_ASSIGNED && !seen)
            a->chats++;
        else if (r->kind == R_SOLVED && r->solved && r->value2 >= 0)
            vec_push(&a->handling, r->value2);
        else if (r->kind == R_CSAT && r == last_csat(c))
            a->csat_n++, a->csat_sum += r->value;
    }
}

/* Ends the conversation being fed: counted in the period it started in (or the previous
 * span), with everything that happened in it. */
static void flush(struct bot_stats *s)
{
    struct conv *c = &s->cur;
    if (!c->active || !conv_wanted(s, c))
        goto out;
    if (c->start < s->bounds[0]) {
        acc_add(&s->previous, c);
        goto out;
    }
    int p = period_of(s, c->start);
    if (p < 0)
        goto out;
    acc_add(&s->periods[p], c);
    acc_add(&s->total, c);
    int wd, h;
    if (s->cal) {
        local_slot(s->cal, c->start, &wd, &h);
        s->busiest[wd][h]++;
    }
    agents_add(s, c);
out:
    c->active = 0;
}

int bot_stats_feed(void *ctx, const struct store_stats_event *ev)
{
    struct bot_stats *s = ctx;
    struct conv *c = &s->cur;
    if (!ev->kind)
        return 0;
    if (!strcmp(ev->kind, "conv")) {
        flush(s);
        memset(c, 0, sizeof *c);
        c->active = 1, c->start = ev->ts;
        snprintf(c->lang, sizeof c->lang, "%s", ev->lang ? ev->lang : "");
        snprintf(c->channel, sizeof c->channel, "%s", ev->channel ? ev->channel : "");
        return 0;
    }
    if (!c->active)
        return 0;
    if (!strcmp(ev->kind, "turn")) {
        c->answers += ev->sub && !strcmp(ev->sub, "answer");
        return 0;
    }
    if (!strcmp(ev->kind, "feedback")) {
        c->helpful += ev->value == 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof row_kinds / sizeof row_kinds[0]; i++)
        if (!strcmp(ev->kind, row_kinds[i].name) && c->nrows < CONV_ROWS) {
            struct row *r = &c->rows[c->nrows];
            if (row_kinds[i].kind == R_CSAT && (ev->value < 1 || ev->value > 5))
                return 0; /* not a rating */
            memset(r, 0, sizeof *r);
            r->kind = row_kinds[i].kind;
            r->solved = ev->sub && !strcmp(ev->sub, "solved");
            r->value = ev->value, r->value2 = ev->value2;
            snprintf(r->agent, sizeof r->agent, "%s", ev->agent ? ev->agent : "");
            c->nrows++;
        }
    return 0;
}

/* ---- the answer ---- */

static json_t *rate(long long num, long long den)
{
    return den > 0 ? json_real((double)(num > den ? den : num) / (double)den) : json_null();
}

static json_t *ms_or_null(long long v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

/* {"median", "p90", "n"} of x (sorted in place). */
static json_t *dist_json(struct vec *x)
{
    long long med = bot_stats_rank(x->v, x->n, 50), p90 = bot_stats_rank(x->v, x->n, 90);
    return json_pack("{s:o,s:o,s:I}", "median", ms_or_null(med), "p90", ms_or_null(p90), "n",
                     (json_int_t)x->n);
}

static json_t *acc_json(struct acc *a)
{
    json_t *wait = dist_json(&a->wait);
    json_object_set_new(wait, "abandoned", json_integer(a->abandoned));
    json_t *dist = json_object();
    for (int i = 0; i < 5; i++) {
        char k[2] = {(char)('1' + i), 0};
        json_object_set_new(dist, k, json_integer(a->dist[i]));
    }
    json_t *csat = json_pack(
        "{s:o,s:I,s:o,s:o}", "avg",
        a->csat_n ? json_real((double)a->csat_sum / (double)a->csat_n) : json_null(), "n",
        (json_int_t)a->csat_n, "dist", dist, "response_rate", rate(a->rated_solved, a->solved));
    json_t *rep = json_pack("{s:I,s:I,s:o}", "by_visitor", (json_int_t)a->rep_visitor, "by_email",
                            (json_int_t)a->rep_email, "rate", rate(a->rep_any, a->cases));
    return json_pack("{s:I,s:I,s:I,s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "start",
                     (json_int_t)a->start, "end", (json_int_t)a->end, "conversations",
                     (json_int_t)a->conversations, "contained", (json_int_t)a->contained,
                     "containment_rate", rate(a->contained, a->conversations), "handoffs",
                     (json_int_t)a->handoffs, "handoff_rate", rate(a->handoffs, a->conversations),
                     "helpful_rate", rate(a->helpful, a->answers), "first_response_ms",
                     dist_json(&a->first), "resolution_ms", dist_json(&a->resolution),
                     "queue_wait_ms", wait, "csat", csat, "repeat_contacts", rep);
}

struct cell {
    int wday, hour;
    long long n;
};

static int cmp_cell(const void *a, const void *b)
{
    const struct cell *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return x->wday != y->wday ? x->wday - y->wday : x->hour - y->hour;
}

static int cmp_agent(const void *a, const void *b)
{
    const struct agent *x = a, *y = b;
    if (x->chats != y->chats)
        return x->chats < y->chats ? 1 : -1;
    return strcmp(x->login, y->login);
}

json_t *bot_stats_json(struct bot_stats *s,
                       const struct bot_stats_gap *gaps,
                       int ngaps,
                       bot_stats_name_fn *name,
                       void *ctx)
{
    flush(s);
    json_t *periods = json_array(), *top = json_array(), *busy = json_array(),
           *agents = json_array();
    for (int i = 0; i < s->n; i++)
        json_array_append_new(periods, acc_json(&s->periods[i]));
    for (int i = 0; i < ngaps; i++)
        json_array_append_new(top,
                              json_pack("{s:s,s:I}", "query", gaps[i].query ? gaps[i].query : "",
                                        "count", (json_int_t)gaps[i].count));
    struct cell cells[WEEKDAYS * DAY_HOURS];
    int nc = 0;
    for (int d = 0; d < WEEKDAYS; d++)
        for (int h = 0; h < DAY_HOURS; h++)
            if (s->busiest[d][h])
                cells[nc++] = (struct cell){d, h, s->busiest[d][h]};
    qsort(cells, (size_t)nc, sizeof cells[0], cmp_cell);
    for (int i = 0; i < nc; i++)
        json_array_append_new(busy,
                              json_pack("{s:i,s:i,s:I}", "weekday", cells[i].wday, "hour",
                                        cells[i].hour, "conversations", (json_int_t)cells[i].n));
    if (s->nagents)
        qsort(s->agents, (size_t)s->nagents, sizeof *s->agents, cmp_agent);
    for (int i = 0; i < s->nagents; i++) {
        struct agent *a = &s->agents[i];
        const char *nm = name ? name(ctx, a->login) : NULL;
        json_array_append_new(
            agents,
            json_pack("{s:s,s:s,s:I,s:o,s:{s:o,s:I}}", "login", a->login, "name",
                      nm && *nm ? nm : a->login, "chats", (json_int_t)a->chats, "handling_ms",
                      json_pack("{s:o,s:o}", "median",
                                ms_or_null(bot_stats_rank(a->handling.v, a->handling.n, 50)), "p90",
                                ms_or_null(bot_stats_rank(a->handling.v, a->handling.n, 90))),
                      "csat", "avg",
                      a->csat_n ? json_real((double)a->csat_sum / (double)a->csat_n) : json_null(),
                      "n", (json_int_t)a->csat_n));
    }
    json_t *filters =
        json_pack("{s:o,s:o,s:o}", "lang", s->q.lang[0] ? json_string(s->q.lang) : json_null(),
                  "channel", s->q.channel[0] ? json_string(s->q.channel) : json_null(), "agent",
                  s->q.agent[0] ? json_string(s->q.agent) : json_null());
    return json_pack("{s:I,s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "from",
                     (json_int_t)s->bounds[0], "to", (json_int_t)s->bounds[s->n], "group",
                     bot_stats_group_name(s->q.group), "tz", s->q.tz, "filters", filters, "periods",
                     periods, "total", acc_json(&s->total), "previous", acc_json(&s->previous),
                     "top_gaps", top, "busiest", busy, "agents", agents);
}

static void acc_fini(struct acc *a)
{
    free(a->first.v);
    free(a->resolution.v);
    free(a->wait.v);
}

void bot_stats_free(struct bot_stats *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        acc_fini(&s->periods[i]);
    acc_fini(&s->total);
    acc_fini(&s->previous);
    for (int i = 0; i < s->nagents; i++)
        free(s->agents[i].handling.v);
    free(s->agents);
    free(s->periods);
    free(s->bounds);
    ucal_close(s->cal);
    free(s);
}
