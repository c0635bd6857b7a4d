/* Service levels (bot/sla.h): small parsers over one tokenizer, and the policies as plain
 * functions of their inputs. */
#include "bot/sla.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prio_names[BOT_PRIO_N] = {"low", "normal", "high", "urgent"};

const char *bot_priority_name(int p)
{
    return p >= 0 && p < BOT_PRIO_N ? prio_names[p] : "?";
}

int bot_priority_parse(const char *s)
{
    for (int i = 0; s && i < BOT_PRIO_N; i++)
        if (!strcmp(s, prio_names[i]))
            return i;
    return -1;
}

long bot_duration_parse(const char *s)
{
    static const struct {
        char unit;
        long mult;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    const long max = 365L * 86400;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    long n = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++) {
        n = n * 10 + (*p - '0');
        if (n > max)
            return -1;
    }
    long mult = 1;
    if (*p) {
        mult = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (*p == units[i].unit && !p[1])
                mult = units[i].mult;
        if (!mult)
            return -1;
    }
    if (n == 0 || n > max / mult)
        return -1;
    return n * mult;
}

/* Copies s[0..n) trimmed into out (cap bytes with the NUL); 0, or -1 when it does not fit. */
static int word(const char *s, size_t n, char *out, size_t cap)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= cap)
        return -1;
    memcpy(out, s, n);
    out[n] = 0;
    return 0;
}

/* src into dst[BOT_SLA_NAME_MAX + 1] when it fits (callers checked it with name_ok). */
static void copy_name(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > BOT_SLA_NAME_MAX)
        n = BOT_SLA_NAME_MAX;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* An id of a category or department: 1..64 of [a-z0-9_-] (what the config's lists use). */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= BOT_SLA_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Calls fn on each entry of s split at sep (trimmed, empty ones skipped); stops at the first
 * non-zero, which it returns. */
static int each(const char *s, char sep, int (*fn)(void *, const char *), void *ctx)
{
    char buf[512];
    while (s && *s) {
        const char *e = strchr(s, sep);
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (word(s, n, buf, sizeof buf))
            return -1;
        int rc = buf[0] ? fn(ctx, buf) : 0;
        if (rc)
            return rc;
        s = e ? e + 1 : s + n;
    }
    return 0;
}

static int none(const char *s)
{
    while (s && isspace((unsigned char)*s))
        s++;
    return !s || !*s || !strcmp(s, "none");
}

/* ---- priority rules ---- */

static int prio_entry(void *ctx, const char *e)
{
    struct bot_prio_rules *r = ctx;
    char lhs[BOT_SLA_NAME_MAX + 16], rhs[16];
    const char *eq = strchr(e, '=');
    if (!eq || r->n == BOT_PRIO_RULES_MAX || word(e, (size_t)(eq - e), lhs, sizeof lhs) ||
        word(eq + 1, strlen(eq + 1), rhs, sizeof rhs))
        return -1;
    struct bot_prio_rule *x = &r->v[r->n];
    memset(x, 0, sizeof *x);
    x->prio = strcmp(rhs, "raise") ? bot_priority_parse(rhs) : -1;
    if (x->prio < 0 && strcmp(rhs, "raise"))
        return -1;
    if (!strncmp(lhs, "category:", 9)) {
        x->when = BOT_PRIO_WHEN_CATEGORY;
        if (!name_ok(lhs + 9))
            return -1;
        copy_name(x->arg, lhs + 9);
    } else if (!strcmp(lhs, "repeat")) {
        x->when = BOT_PRIO_WHEN_REPEAT;
    } else if (!strcmp(lhs, "breach")) {
        x->when = BOT_PRIO_WHEN_BREACH;
    } else {
        return -1;
    }
    r->n++;
    return 0;
}

int bot_prio_rules_parse(const char *s, struct bot_prio_rules *out, struct sn_err *err)
{
    memset(out, 0, sizeof *out);
    if (none(s))
        return SN_OK;
    if (each(s, ',', prio_entry, out)) {
        int n = out->n;
        memset(out, 0, sizeof *out);
        return sn_err_set(
            err, SN_EINVAL,
            "priority_rules: entry %d: expected category:ID=PRIORITY, repeat=PRIORITY "
            "or breach=PRIORITY (PRIORITY: low, normal, high, urgent or raise; at "
            "most %d entries)",
            n + 1, BOT_PRIO_RULES_MAX);
    }
    return SN_OK;
}

static int holds(const struct bot_prio_rule *x, const struct bot_prio_facts *f)
{
    switch (x->when) {
    case BOT_PRIO_WHEN_CATEGORY:
        return f->category && !strcmp(f->category, x->arg);
    case BOT_PRIO_WHEN_REPEAT:
        return f->repeat;
    case BOT_PRIO_WHEN_BREACH:
        return f->breached;
    }
    return 0;
}

/* Priority p after rule x (which holds): its priority when higher, one step up for "raise". */
static int apply_rule(const struct bot_prio_rule *x, int p)
{
    if (x->prio < 0)
        return p < BOT_PRIO_URGENT ? p + 1 : p;
    return x->prio > p ? x->prio : p;
}

int bot_prio_decide(const struct bot_prio_rules *r, const struct bot_prio_facts *f)
{
    int p = BOT_PRIO_NORMAL;
    for (int i = 0; r && i < r->n; i++)
        if (holds(&r->v[i], f))
            p = apply_rule(&r->v[i], p);
    return p;
}

int bot_prio_breach(const struct bot_prio_rules *r, int current)
{
    int p = current < BOT_PRIO_LOW      ? BOT_PRIO_LOW
            : current > BOT_PRIO_URGENT ? BOT_PRIO_URGENT
                                        : current;
    for (int i = 0; r && i < r->n; i++)
        if (r->v[i].when == BOT_PRIO_WHEN_BREACH)
            p = apply_rule(&r->v[i], p);
    return p;
}

/* ---- SLA targets ---- */

static int sla_entry(void *ctx, const char *e)
{
    struct bot_sla *s = ctx;
    char head[BOT_SLA_NAME_MAX + 16];
    size_t n = strcspn(e, " \t");
    if (s->n == BOT_SLA_MAX || word(e, n, head, sizeof head))
        return -1;
    char *slash = strchr(head, '/');
    if (!slash)
        return -1;
    *slash = 0;
    struct bot_sla_rule x = {.prio = -1};
    if (strcmp(head, "*")) {
        if (!name_ok(head))
            return -1;
        copy_name(x.dept, head);
    }
    if (strcmp(slash + 1, "*") && (x.prio = bot_priority_parse(slash + 1)) < 0)
        return -1;
    const char *p = e + n;
    char kv[64];
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t k = strcspn(p, " \t");
        if (!k)
            break;
        if (word(p, k, kv, sizeof kv))
            return -1;
        long d;
        if (!strncmp(kv, "first=", 6) && !x.first_s && (d = bot_duration_parse(kv + 6)) > 0)
            x.first_s = d;
        else if (!strncmp(kv, "resolve=", 8) && !x.resolve_s &&
                 (d = bot_duration_parse(kv + 8)) > 0)
            x.resolve_s = d;
        else
            return -1;
        p += k;
    }
    if (!x.first_s && !x.resolve_s)
        return -1;
    for (int i = 0; i < s->n; i++) /* the same (department, priority) twice: a mistake */
        if (s->v[i].prio == x.prio && !strcmp(s->v[i].dept, x.dept))
            return -1;
    s->v[s->n++] = x;
    return 0;
}

int bot_sla_parse(const char *s, struct bot_sla *out, struct sn_err *err)
{
    memset(out, 0, sizeof *out);
    if (none(s))
        return SN_OK;
    if (each(s, ';', sla_entry, out)) {
        int n = out->n;
        memset(out, 0, sizeof *out);
        return sn_err_set(err, SN_EINVAL,
                          "sla: entry %d: expected DEPARTMENT/PRIORITY (either may be *) then "
                          "first=DURATION and/or resolve=DURATION (e.g. 15m, 4h, 2d), each "
                          "(department, priority) once, at most %d entries",
                          n + 1, BOT_SLA_MAX);
    }
    return SN_OK;
}

const struct bot_sla_rule *bot_sla_find(const struct bot_sla *s, const char *dept, int prio)
{
    const struct bot_sla_rule *best = NULL;
    int best_rank = -1;
    for (int i = 0; s && i < s->n; i++) {
        const struct bot_sla_rule *x = &s->v[i];
        int d = x->dept[0] ? (dept && !strcmp(x->dept, dept) ? 2 : -1) : 0;
        int p = x->prio >= 0 ? (x->prio == prio ? 1 : -1) : 0;
        if (d < 0 || p < 0)
            continue;
        if (d + p > best_rank) { /* department first, then priority: the ranks 3, 2, 1, 0 */
            best_rank = d + p;
            best = x;
        }
    }
    return best;
}

/* One target: running (not met yet) with the seconds left, or met; breached either way when
 * it passed before being met. */
static void target(long t,
                   long long created,
                   long long met,
                   long long now,
                   int *running,
                   long *left,
                   int *breached)
{
    *running = 0;
    *left = 0;
    *breached = 0;
    if (t <= 0)
        return;
    long long due = created + (long long)t * 1000;
    if (met > 0) {
        *breached = met > due;
        return;
    }
    *running = 1;
    long long l = (due - now) / 1000;
    *left = l < LONG_MIN / 2 ? LONG_MIN / 2 : l > LONG_MAX / 2 ? LONG_MAX / 2 : (long)l;
    *breached = now > due;
}

void bot_sla_check(const struct bot_sla_rule *r,
                   long long created,
                   long long first_response,
                   long long solved,
                   long long now,
                   struct bot_sla_state *out)
{
    memset(out, 0, sizeof *out);
    if (!r)
        return;
    target(r->first_s, created, first_response ? first_response : solved, now, &out->first_running,
           &out->first_left_s, &out->first_breached);
    target(r->resolve_s, created, solved, now, &out->resolve_running, &out->resolve_left_s,
           &out->resolve_breached);
}

int bot_sla_due(const struct bot_sla_rule *r,
                long long created,
                long long first_response,
                long long now,
                int already)
{
    struct bot_sla_state st;
    if (!r || created <= 0)
        return 0;
    bot_sla_check(r, created, first_response, 0, now, &st);
    int missed =
        (st.first_breached ? BOT_SLA_FIRST : 0) | (st.resolve_breached ? BOT_SLA_RESOLVE : 0);
    return missed & ~already;
}
