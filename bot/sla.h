/* Service levels (issue 15, docs/cases.md): the priorities a case can have, the rules that
 * set them, and the time targets (first response, resolution) per department and priority.
 * Pure: no I/O and no clock (every time is passed in), so each policy is a table test. */
#ifndef SANAD_BOT_SLA_H
#define SANAD_BOT_SLA_H

#include "kb/base.h"

enum bot_priority { BOT_PRIO_LOW, BOT_PRIO_NORMAL, BOT_PRIO_HIGH, BOT_PRIO_URGENT, BOT_PRIO_N };

/* "low", "normal", "high", "urgent"; "?" out of range. */
const char *bot_priority_name(int p);
/* The priority named s, or -1. */
int bot_priority_parse(const char *s);

/* Seconds in s: "90", "90s", "15m", "4h", "2d" (a positive whole number and a unit); -1 for
 * anything else (signs, fractions, spaces inside, overflow past 365 days). */
long bot_duration_parse(const char *s);

/* ---- priority rules: `priority_rules category:billing=high, repeat=high, breach=raise` ---- */

#define BOT_PRIO_RULES_MAX 16
#define BOT_SLA_NAME_MAX   64 /* bytes of a category or department id in a rule */
enum bot_prio_when { BOT_PRIO_WHEN_CATEGORY, BOT_PRIO_WHEN_REPEAT, BOT_PRIO_WHEN_BREACH };
struct bot_prio_rule {
    enum bot_prio_when when;
    char arg[BOT_SLA_NAME_MAX + 1]; /* the category, for BOT_PRIO_WHEN_CATEGORY */
    int prio;                       /* the priority it sets, or -1: one step up ("raise") */
};
struct bot_prio_rules {
    struct bot_prio_rule v[BOT_PRIO_RULES_MAX];
    int n;
};
/* Parses s (NULL or "none": no rules) into out. SN_OK, or SN_EINVAL naming the bad entry,
 * out then empty. */
int bot_prio_rules_parse(const char *s, struct bot_prio_rules *out, struct sn_err *err);

/* What is known of a case when its priority is decided. */
struct bot_prio_facts {
    const char *category; /* of the entries the bot matched last, or NULL */
    int repeat;           /* the same visitor came back within the repeat window */
    int breached;         /* a target of its SLA has passed */
};
/* The priority: normal, then every rule that holds, in order: a set priority applies when it
 * is higher than the current one (rules never lower a priority), "raise" goes one step up
 * (at most urgent). */
int bot_prio_decide(const struct bot_prio_rules *r, const struct bot_prio_facts *f);
/* The priority of a case at current (clamped to low..urgent) once an SLA target of it was
 * missed: the breach rules alone (bot_prio_decide's breached), applied to where the case is
 * rather than to normal, so that "raise" raises it from there and a set priority never
 * lowers one that other rules made higher. current when there is no breach rule. */
int bot_prio_breach(const struct bot_prio_rules *r, int current);

/* ---- SLA targets: `sla billing/high first=5m resolve=4h; billing/any resolve=1d` ("any" is
 * written as an asterisk) ---- */

#define BOT_SLA_MAX 32
struct bot_sla_rule {
    char dept[BOT_SLA_NAME_MAX + 1]; /* "" : any department */
    int prio;                        /* -1: any priority */
    long first_s, resolve_s;         /* 0: no target */
};
struct bot_sla {
    struct bot_sla_rule v[BOT_SLA_MAX];
    int n;
};
/* Parses s (NULL or "none": no targets): entries separated by a semicolon, each DEPT/PRIO (either
 * may be "*", any) then "first=DURATION" and/or "resolve=DURATION". SN_OK, or SN_EINVAL naming the
 * bad entry (an unknown key or priority, a bad duration, an entry given twice), out empty. */
int bot_sla_parse(const char *s, struct bot_sla *out, struct sn_err *err);

/* The rule for (dept, prio): the most specific that exists, in this order: both named, the
 * department with any priority, any department with the priority, both any. NULL: none. */
const struct bot_sla_rule *bot_sla_find(const struct bot_sla *s, const char *dept, int prio);

/* Where a case stands against rule r (NULL: no targets), all times in ms since the epoch: it
 * was created at created, first answered by a person at first_response (0: not yet), solved
 * at solved (0: not yet); it is now. A target is running while it exists and is not met yet:
 * then *_left_s counts down to it (negative once passed). *_breached: missed, whether still
 * running or met late. */
struct bot_sla_state {
    int first_running, resolve_running;
    long first_left_s, resolve_left_s;
    int first_breached, resolve_breached;
};
void bot_sla_check(const struct bot_sla_rule *r,
                   long long created,
                   long long first_response,
                   long long solved,
                   long long now,
                   struct bot_sla_state *out);

/* The targets of rule r (NULL: none) an open case created at created (ms; 0: unknown, no
 * clock), first answered at first_response (0: not yet), has missed by now and that are not
 * in already: BOT_SLA_FIRST | BOT_SLA_RESOLVE bits (0: nothing new). Each target is due once:
 * the caller adds what it recorded to already. */
#define BOT_SLA_FIRST   1
#define BOT_SLA_RESOLVE 2
int bot_sla_due(const struct bot_sla_rule *r,
                long long created,
                long long first_response,
                long long now,
                int already);

#endif
