/* The case status table and references (see bot/case.h). */
#include "bot/case.h"

#include <string.h>

static const char *const status_names[BOT_CASE_NSTATUSES] = {
    [BOT_CASE_NEW] = "new",         [BOT_CASE_OPEN] = "open",
    [BOT_CASE_WAITING] = "waiting", [BOT_CASE_ESCALATED] = "escalated",
    [BOT_CASE_SOLVED] = "solved",   [BOT_CASE_CLOSED] = "closed",
};

static const char *const event_names[BOT_CASE_NEVENTS] = {
    [BOT_CASE_CREATED] = "created",
    [BOT_CASE_HANDOFF] = "handoff",
    [BOT_CASE_QUEUED] = "queued",
    [BOT_CASE_ASSIGNED] = "assigned",
    [BOT_CASE_TRANSFERRED] = "transferred",
    [BOT_CASE_AGENT_REPLIED] = "agent_replied",
    [BOT_CASE_VISITOR_WROTE] = "visitor_wrote",
    [BOT_CASE_NOTE] = "note",
    [BOT_CASE_MESSAGE_LEFT] = "message_left",
    [BOT_CASE_LEFT] = "left",
    [BOT_CASE_REQUEUED] = "requeued",
    [BOT_CASE_ESCALATED_EV] = "escalated",
    [BOT_CASE_SOLVED_EV] = "solved",
    [BOT_CASE_CLOSED_EV] = "closed",
    [BOT_CASE_REOPENED] = "reopened",
    [BOT_CASE_CSAT] = "csat",
    [BOT_CASE_EMAIL_SENT] = "email_sent",
    [BOT_CASE_EMAIL_FAILED] = "email_failed",
    [BOT_CASE_SLA_BREACHED] = "sla_breached",
};

/* next[status][event]: the new status + 1; 0 refuses. Who spoke last decides between open
 * (the visitor: an agent owes an answer) and waiting (an agent: the visitor does). A case
 * back in the queue (requeued, or left and queued again) is new: nobody has it. Solved and
 * closed take notes and ratings only; a solved case is reopened (new again, same reference),
 * a closed one (spam) never, and a solved one may still be closed as spam afterwards. An
 * agent may still answer a solved case by email (its visitor has gone: a follow-up, which
 * leaves it solved; only the visitor's return reopens it). The delivery of such an email
 * (email_sent, email_failed) changes no status. A missed SLA target is a fact about the case's past, never a move: every status keeps
 * itself (a late first response may be noticed after the case was solved).
 *
 * Columns, in enum order: created handoff queued assigned transferred agent_replied
 * visitor_wrote note message_left left requeued escalated solved closed reopened csat
 * email_sent email_failed sla_breached. */
#define TO(s) ((unsigned char)((s) + 1))
#define N     TO(BOT_CASE_NEW)
#define O     TO(BOT_CASE_OPEN)
#define W     TO(BOT_CASE_WAITING)
#define E     TO(BOT_CASE_ESCALATED)
#define S     TO(BOT_CASE_SOLVED)
#define C     TO(BOT_CASE_CLOSED)
#define X     0
static const unsigned char next[BOT_CASE_NSTATUSES][BOT_CASE_NEVENTS] = {
    [BOT_CASE_NEW] = {N, N, N, O, X, W, N, N, N, N, N, E, S, C, X, N, N, N, N},
    [BOT_CASE_OPEN] = {X, O, N, O, O, W, O, O, O, N, N, E, S, C, X, O, O, O, O},
    [BOT_CASE_WAITING] = {X, O, N, O, W, W, O, W, O, N, N, E, S, C, X, W, W, W, W},
    [BOT_CASE_ESCALATED] = {X, E, E, O, E, W, E, E, E, E, E, E, S, C, X, E, E, E, E},
    [BOT_CASE_SOLVED] = {X, X, X, X, X, S, X, S, X, X, X, X, X, C, N, S, S, S, S},
    [BOT_CASE_CLOSED] = {X, X, X, X, X, X, X, C, X, X, X, X, X, X, X, C, C, C, C},
};
#undef N
#undef O
#undef W
#undef E
#undef S
#undef C
#undef X
_Static_assert(BOT_CASE_NEVENTS == 19, "a new event needs its column in next[]");

int bot_case_next(enum bot_case_status from, enum bot_case_event ev, enum bot_case_status *to)
{
    *to = from;
    if ((unsigned)from >= BOT_CASE_NSTATUSES || (unsigned)ev >= BOT_CASE_NEVENTS)
        return SN_EINVAL;
    if (!next[from][ev])
        return SN_ECONFLICT;
    *to = (enum bot_case_status)(next[from][ev] - 1);
    return SN_OK;
}

int bot_case_is_open(enum bot_case_status s)
{
    return (unsigned)s < BOT_CASE_NSTATUSES && s != BOT_CASE_SOLVED && s != BOT_CASE_CLOSED;
}

const char *bot_case_status_name(enum bot_case_status s)
{
    return (unsigned)s < BOT_CASE_NSTATUSES ? status_names[s] : NULL;
}

const char *bot_case_event_name(enum bot_case_event ev)
{
    return (unsigned)ev < BOT_CASE_NEVENTS ? event_names[ev] : NULL;
}

int bot_case_status_parse(const char *name, enum bot_case_status *out)
{
    *out = BOT_CASE_NEW;
    for (int i = 0; name && i < BOT_CASE_NSTATUSES; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (enum bot_case_status)i;
            return SN_OK;
        }
    return SN_EINVAL;
}

enum bot_case_event bot_case_close_event(const char *resolution)
{
    return resolution && !strcmp(resolution, "spam") ? BOT_CASE_CLOSED_EV : BOT_CASE_SOLVED_EV;
}

const char *bot_case_handoff_reason(const char *intent)
{
    if (!intent)
        return "button";
    return !strcmp(intent, "affirm") ? "accepted_offer" : "asked";
}

int bot_case_reopens(enum bot_case_status s, long long solved_at, long long now, int reopen_days)
{
    if (s != BOT_CASE_SOLVED || reopen_days <= 0 || solved_at <= 0 || solved_at > now)
        return 0;
    return now - solved_at < (long long)reopen_days * 86400000LL;
}

/* --- references --------------------------------------------------------------------------- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void bot_case_ref_make(const unsigned char rnd[BOT_CASE_REF_BYTES], char out[BOT_CASE_REF_MAX])
{
    unsigned long v = (unsigned long)rnd[0] << 24 | (unsigned long)rnd[1] << 16 |
                      (unsigned long)rnd[2] << 8 | rnd[3];
    out[0] = 'S';
    out[1] = '-';
    for (int i = BOT_CASE_REF_LEN - 1; i >= 2; i--, v >>= 5)
        out[i] = crockford[v & 31];
    out[BOT_CASE_REF_LEN] = '\0';
}

/* The Crockford digit a typed character reads as (upper-cased, O 0, I/L 1), or 0 for none. */
static char digit_of(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        c = (unsigned char)(c - 'a' + 'A');
    if (c == 'O')
        return '0';
    if (c == 'I' || c == 'L')
        return '1';
    return c && strchr(crockford, c) ? (char)c : 0;
}

int bot_case_ref_parse(const char *s, size_t n, char out[BOT_CASE_REF_MAX])
{
    char d[BOT_CASE_REF_INPUT];
    size_t k = 0, i = 0;
    int prefixed = 0;
    out[0] = '\0';
    if (!s || n > BOT_CASE_REF_INPUT)
        return SN_EINVAL;
    while (i < n && s[i] == ' ')
        i++;
    /* "S-…" or "S …": the prefix, then six digits; "S" glued to seven characters is the
     * prefix too; six alone are the digits (a reference whose first digit is S included) */
    if (i + 1 < n && (s[i] == 'S' || s[i] == 's') && (s[i + 1] == '-' || s[i + 1] == ' ')) {
        prefixed = 1;
        i++;
    }
    for (; i < n; i++) {
        if (s[i] == ' ' || s[i] == '-')
            continue;
        char c = digit_of((unsigned char)s[i]);
        if (!c)
            return SN_EINVAL;
        d[k++] = c;
    }
    const char *p = d;
    if (!prefixed && k == BOT_CASE_REF_LEN - 1 && d[0] == 'S') {
        p++;
        k--;
    }
    if (k != BOT_CASE_REF_LEN - 2)
        return SN_EINVAL;
    memcpy(out, "S-", 2);
    memcpy(out + 2, p, k);
    out[BOT_CASE_REF_LEN] = '\0';
    return SN_OK;
}
