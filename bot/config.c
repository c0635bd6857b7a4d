/* The defaults table, the `key value` file reader and the flag parser (Redis config.c). */
#include "bot/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "bot/casemail.h"
#include "bot/email.h"
#include "bot/forwarded.h"
#include "bot/paths.h"
#include "bot/smtp.h"

enum {
    T_STR,
    T_INT,
    T_BOOL,
    T_DBL,
    T_ORIGINS,
    T_NAMES,
    T_ADDRS,
    T_LOG,
    T_ROUTING,
    T_HOURS,
    T_TZ,
    T_SMTPTLS,
    T_LABEL,
    T_PRECHAT,
    T_DEPTS,
    T_POLICY, /* text parsed by a policy module (policies[] below) */
    T_METRICS /* metrics_allow: addresses, CIDR ranges and bearer:FILE (bot/http_metrics.h) */
};

/* K_RESTART: read once at startup (sockets, files, the lws context, threads); a reload
 * that changes it says so and leaves it as it was. Every other key changes live. */
enum { K_RESTART = 1 };

struct key {
    const char *name;
    int type;
    unsigned flags;
    size_t off;
    const char *def; /* NULL: no default (derived or unset) */
    long min, max;   /* T_INT range; T_DBL uses them as [min/100, max/100] */
    const char *help;
};

#define OFF(f) offsetof(struct bot_config, f)
static const struct key keys[] = {
    {"bind", T_STR, K_RESTART, OFF(bind), "127.0.0.1", 0, 0, "listen address"},
    {"port", T_INT, K_RESTART, OFF(port), "8080", 0, 65535, "listen port; 0 picks a free one"},
    {"data", T_STR, K_RESTART, OFF(data), "data", 0, 0, "data directory"},
    {"kb_db", T_STR, K_RESTART, OFF(kb_db), NULL, 0, 0,
     "knowledge base file (default DATA/sanad.db)"},
    {"store_db", T_STR, K_RESTART, OFF(store_db), NULL, 0, 0,
     "conversation store (default DATA/store.db)"},
    {"store", T_STR, K_RESTART, OFF(store), "sqlite", 0, 0,
     "the conversation store's backend: sqlite (store_db, one node) or postgres (pg_dsn, "
     "any number of nodes: docs/scaling.md)"},
    {"pg_dsn", T_STR, K_RESTART, OFF(pg_dsn), NULL, 0, 0,
     "the PostgreSQL connection string or URI (store postgres), e.g. "
     "'host=db1 port=5432 dbname=sanad user=sanad'; no password here: pg_password_file"},
    {"pg_password_file", T_STR, K_RESTART, OFF(pg_password_file), NULL, 0, 0,
     "a file whose first line is the PostgreSQL password (store postgres)"},
    {"node_id", T_STR, K_RESTART, OFF(node_id), NULL, 0, 0,
     "this node's name among the nodes of one PostgreSQL store (unset: host name and port)"},
    {"node_lease", T_INT, K_RESTART, OFF(node_lease), "10", 2, 3600,
     "seconds after its last heartbeat a silent node is taken for dead (store postgres)"},
    {"attachments_dir", T_STR, K_RESTART, OFF(attachments_dir), NULL, 0, 0,
     "uploaded attachments, one file per content hash (default: attachments/ beside store_db)"},
    {"attachment_max_bytes", T_INT, 0, OFF(attachment_max_bytes), "5242880", 1, 64 << 20,
     "bytes of one uploaded attachment (image or PDF); larger gets 413"},
    {"attachments_per_conversation", T_INT, 0, OFF(attachments_per_conversation), "100", 1, 1000000,
     "uploads one conversation may make; the next gets 429"},
    {"widget_dir", T_STR, K_RESTART, OFF(widget_dir), NULL, 0, 0,
     "static files served over HTTP (default: the widget/ beside the binary)"},
    {"intents_dir", T_STR, 0, OFF(intents_dir), NULL, 0, 0,
     "intent rules (default: the intents/ beside the binary)"},
    {"texts_dir", T_STR, 0, OFF(texts_dir), NULL, 0, 0,
     "what the bot and the queue say, per language (default: the texts/ beside the binary)"},
    {"tls_cert", T_STR, K_RESTART, OFF(tls_cert), NULL, 0, 0, "PEM certificate (TLS with tls_key)"},
    {"tls_key", T_STR, K_RESTART, OFF(tls_key), NULL, 0, 0, "PEM private key"},
    {"bot_name", T_LABEL, 0, OFF(bot_name), NULL, 0, 0,
     "the bot's name in both languages (unset: سند in Arabic, Sanad in English)"},
    {"bot_name_ar", T_LABEL, 0, OFF(bot_name_ar), NULL, 0, 0,
     "the bot's name in Arabic conversations (unset: bot_name, else سند)"},
    {"bot_name_en", T_LABEL, 0, OFF(bot_name_en), NULL, 0, 0,
     "the bot's name in English conversations (unset: bot_name, else Sanad)"},
    {"prechat", T_PRECHAT, 0, OFF(prechat), "none", 0, 0,
     "the pre-chat form's fields: name, email, department (a trailing * makes one required), "
     "e.g. 'name* email department'; none: no form"},
    {"departments", T_DEPTS, 0, OFF(depts), "none", 0, 0,
     "the departments the pre-chat form offers, id:Arabic label:English label, comma-separated, "
     "e.g. 'billing:الفواتير:Billing, tech:الدعم الفني:Technical support'"},
    {"category_departments", T_POLICY, 0, OFF(category_departments_text), "none", 0, 0,
     "the department of a case from the category of the entries the bot matched, e.g. "
     "'billing=billing, orders=orders, *=general' (* the fallback)"},
    {"department_agents", T_POLICY, 0, OFF(department_agents_text), "none", 0, 0,
     "who works in which department, e.g. 'billing: amal omar; tech: sara'"},
    {"priority_rules", T_POLICY, 0, OFF(priority_rules_text), "none", 0, 0,
     "what raises a case's priority, e.g. 'category:billing=high, repeat=high, breach=raise'"},
    {"sla", T_POLICY, 0, OFF(sla_text), "none", 0, 0,
     "time targets per department and priority, e.g. 'billing/high first=5m resolve=4h; "
     "*/* first=30m resolve=1d'"},
    {"escalation", T_POLICY, 0, OFF(escalation_text), "none", 0, 0,
     "the second line of each department, where an agent escalates a case to, e.g. "
     "'billing=finance, tech=tech2, *=tier2' (* the fallback; tier2=tier3 a third line)"},
    {"help_contact", T_STR, 0, OFF(help_contact), NULL, 0, 0,
     "contact line at the end of every help center article (phone, email, hours)"},
    {"allowed_origins", T_ORIGINS, 0, OFF(origins), NULL, 0, 0,
     "extra Origins allowed on /ws, space-separated, repeatable"},
    {"server_names", T_NAMES, 0, OFF(server_names), NULL, 0, 0,
     "host names the server answers to (the Host header), space-separated; unset: any"},
    {"trusted_proxies", T_ADDRS, 0, OFF(trusted_proxies), NULL, 0, 0,
     "reverse proxies (addresses or CIDR ranges, e.g. 10.0.0.0/8 fd00::/8) whose Forwarded, "
     "X-Forwarded-For and X-Forwarded-Proto are believed"},
    {"metrics_allow", T_METRICS, 0, OFF(metrics_allow), NULL, 0, 0,
     "who may scrape /metrics: addresses, CIDR ranges and bearer:FILE (a token read from FILE); "
     "unset: only when bind is a loopback address"},
    {"allow_no_origin", T_BOOL, 0, OFF(allow_no_origin), "yes", 0, 1,
     "accept /ws without an Origin header (non-browser clients)"},
    {"max_frame", T_INT, K_RESTART, OFF(max_frame), "4096", 64, 1 << 20,
     "bytes per WebSocket message"},
    {"max_text", T_INT, 0, OFF(max_text), "1000", 1, 100000, "characters per visitor text"},
    {"rate", T_INT, 0, OFF(rate), "5", 1, 100000, "frames per second per connection (refill)"},
    {"burst", T_INT, 0, OFF(burst), "10", 1, 100000, "token bucket size"},
    {"max_conns_per_ip", T_INT, 0, OFF(max_conns_per_ip), "64", 1, 1000000,
     "open connections per client address"},
    {"abuse_limit", T_INT, 0, OFF(abuse_limit), "20", 1, 1000000,
     "refused frames before closing with 1008"},
    {"session_ttl", T_INT, 0, OFF(session_ttl), "86400", 1, INT_MAX,
     "seconds a session token stays valid after the last activity"},
    {"agent_session_ttl", T_INT, 0, OFF(agent_session_ttl), "43200", 1, 31536000,
     "seconds an agent/editor/admin login lasts"},
    {"login_max_failures", T_INT, 0, OFF(login_max_failures), "5", 1, 1000000,
     "failed logins per (account, address) before each further try waits, 1 s, 2 s, 4 s…"},
    {"login_max_failures_account", T_INT, 0, OFF(login_max_failures_account), "20", 1, 1000000,
     "failed logins per account from all addresses before addresses it was never used from "
     "wait"},
    {"login_max_failures_ip", T_INT, 0, OFF(login_max_failures_ip), "20", 1, 1000000,
     "failed logins per address before accounts never used from it wait"},
    {"login_window", T_INT, 0, OFF(login_window), "900", 1, 86400,
     "seconds over which failed logins are counted"},
    {"rx_buffer", T_INT, K_RESTART, OFF(rx_buffer), "512", 128, 65536,
     "lws rx buffer per connection"},
    {"send_queue", T_INT, K_RESTART, OFF(send_queue), "32", 4, 4096,
     "frames queued per connection before reading pauses"},
    {"answer_precision", T_DBL, 0, OFF(answer_precision), "0.90", 50, 100,
     "the bot answers when its answers at that confidence are right this share of the time "
     "on the base's calibration set (sanad kb calibrate)"},
    {"suggest_precision", T_DBL, 0, OFF(suggest_precision), "0.50", 1, 100,
     "\"did you mean\" is offered when the first suggestion is right this share of the time"},
    {"confidence_high", T_DBL, 0, OFF(high), "-1", -100, 100,
     "raw answer threshold on the calibrated probability; -1: from answer_precision"},
    {"confidence_medium", T_DBL, 0, OFF(medium), "-1", -100, 100,
     "raw suggestion threshold on the calibrated probability; -1: from suggest_precision"},
    {"agent_grace", T_INT, 0, OFF(agent_grace), "60", 1, 86400,
     "seconds a disconnected agent keeps its chats before they go back to the queue"},
    {"visitor_grace", T_INT, 0, OFF(visitor_grace), "120", 1, 86400,
     "seconds a queued visitor without a socket keeps its place"},
    {"agent_capacity", T_INT, 0, OFF(agent_capacity), "3", 1, 100,
     "chats an agent has at once before routing skips them"},
    {"routing", T_ROUTING, 0, OFF(routing_pick), "auto", 0, 0,
     "auto (assign to the least busy online agent) or pick (agents take from the queue)"},
    {"business_hours", T_HOURS, 0, OFF(hours_set), "none", 0, 0,
     "when agents answer, e.g. 'sun-thu 09:00-17:00; sat 10:00-14:00' (none: always)"},
    {"timezone", T_TZ, K_RESTART, OFF(timezone), NULL, 0, 0,
     "IANA time zone of business_hours, e.g. Asia/Riyadh (default: the system's)"},
    {"log_level", T_LOG, 0, OFF(log_level), "notice", 0, 0, "err, warn, notice, info or debug"},
    {"smtp_url", T_STR, K_RESTART, OFF(smtp_url), NULL, 0, 0,
     "outgoing mail server, smtp://host:587 (STARTTLS) or smtps://host:465; unset: no email"},
    {"smtp_user", T_STR, K_RESTART, OFF(smtp_user), NULL, 0, 0, "SMTP login (unset: no AUTH)"},
    {"smtp_password_file", T_STR, K_RESTART, OFF(smtp_password_file), NULL, 0, 0,
     "file whose first line is the SMTP password (not the password itself: configs get shared)"},
    {"smtp_from", T_STR, K_RESTART, OFF(smtp_from), NULL, 0, 0,
     "the sender address of Sanad's emails (required with smtp_url)"},
    {"smtp_from_name", T_STR, K_RESTART, OFF(smtp_from_name), NULL, 0, 0,
     "the sender's display name, e.g. 'Nojoom support'"},
    {"smtp_tls", T_SMTPTLS, K_RESTART, OFF(smtp_tls), "require", 0, 0,
     "require (STARTTLS or smtps, else no send), try (STARTTLS when offered) or none (plain: "
     "a relay on the loopback only)"},
    {"smtp_timeout", T_INT, K_RESTART, OFF(smtp_timeout), "60", 1, 3600,
     "seconds one delivery attempt may take"},
    {"smtp_max_attempts", T_INT, K_RESTART, OFF(smtp_max_attempts), "8", 1, 100,
     "attempts before an email is marked failed"},
    {"smtp_retry_base", T_INT, K_RESTART, OFF(smtp_retry_base), "60", 1, 86400,
     "seconds before the second attempt; doubled after each failure"},
    {"smtp_retry_cap", T_INT, K_RESTART, OFF(smtp_retry_cap), "3600", 1, 604800,
     "the longest wait between two attempts, seconds"},
    {"outbox_db", T_STR, K_RESTART, OFF(outbox_db), NULL, 0, 0,
     "the outgoing email queue (default DATA/outbox.db)"},
    {"outbox_poll", T_INT, K_RESTART, OFF(outbox_poll), "5", 1, 3600,
     "seconds between looks for emails queued by other processes (sanad outbox add)"},
    {"retention_days", T_INT, K_RESTART, OFF(retention_days), "0", 0, 36500,
     "days after its last activity a conversation, its messages, left messages, profile, "
     "attachments and mails are purged, in the background (docs/privacy.md); 0: kept"},
    {"retention_interval", T_INT, K_RESTART, OFF(retention_interval), "3600", 1, 604800,
     "seconds between two retention runs (the first a second after the start)"},
    {"reopen_days", T_INT, 0, OFF(reopen_days), "7", 0, 3650,
     "days after a case is solved during which the same visitor's next handoff reopens it "
     "(same reference); 0: never"},
    {"public_url", T_STR, 0, OFF(public_url), NULL, 0, 0,
     "the page where the widget lives, http(s)://…; case reply emails link to it with the "
     "case's reference (#sanad-case=S-…); unset: no link"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const struct key *find(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static int parse_int(const char *v, long min, long max, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return -1;
    *out = (int)n;
    return 0;
}

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int parse_day(const char *w, size_t n)
{
    for (int i = 0; i < 7; i++)
        if (n == 3 && !strncasecmp(w, day_names[i], 3))
            return i;
    return -1;
}

/* "HH:MM" (00:00..24:00) → minutes, or -1. */
static int parse_hhmm(const char *w, size_t n)
{
    if (n != 5 || w[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (w[i] < '0' || w[i] > '9'))
            return -1;
    int h = (w[0] - '0') * 10 + (w[1] - '0'), m = (w[3] - '0') * 10 + (w[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m))
        return -1;
    return h * 60 + m;
}

/* "sun-thu 09:00-17:00; sat 10:00-14:00 16:00-18:00" or "none". Days: a name, a range
 * (wrapping: fri-sun) or a comma list of those. */
static int parse_hours(struct bot_config *c, const char *v, const char *key, struct sn_err *err)
{
    int nwin[7] = {0};
    short win[7][BOT_CONFIG_MAX_WINDOWS][2];
    if (!strcmp(v, "none") || !*v) {
        c->hours_set = 0;
        memset(c->nwin, 0, sizeof c->nwin);
        return SN_OK;
    }
    char *dup = sn_xstrdup(v), *save = NULL;
    int rc = SN_OK;
    for (char *grp = strtok_r(dup, ";", &save); grp; grp = strtok_r(NULL, ";", &save)) {
        char *gs = NULL, *days = strtok_r(grp, " \t", &gs);
        if (!days)
            continue; /* "a; ; b" or a trailing ';' */
        int on[7] = {0};
        char *ds = NULL;
        for (char *d = strtok_r(days, ",", &ds); d; d = strtok_r(NULL, ",", &ds)) {
            char *dash = strchr(d, '-');
            int a = parse_day(d, dash ? (size_t)(dash - d) : strlen(d));
            int b = dash ? parse_day(dash + 1, strlen(dash + 1)) : a;
            if (a < 0 || b < 0) {
                rc = sn_err_set(err, SN_EINVAL, "%s: '%s' is not a day or day range (sun..sat)",
                                key, d);
                goto out;
            }
            for (int i = a;; i = (i + 1) % 7) {
                on[i] = 1;
                if (i == b)
                    break;
            }
        }
        int nw = 0;
        for (char *w = strtok_r(NULL, " \t,", &gs); w; w = strtok_r(NULL, " \t,", &gs)) {
            char *dash = strchr(w, '-');
            int from = dash ? parse_hhmm(w, (size_t)(dash - w)) : -1;
            int to = dash ? parse_hhmm(dash + 1, strlen(dash + 1)) : -1;
            if (from < 0 || to < 0 || to <= from) {
                rc = sn_err_set(err, SN_EINVAL,
                                "%s: '%s' is not a time window HH:MM-HH:MM (start before end)", key,
                                w);
                goto out;
            }
            for (int i = 0; i < 7; i++) {
                if (!on[i])
                    continue;
                if (nwin[i] == BOT_CONFIG_MAX_WINDOWS) {
                    rc = sn_err_set(err, SN_EINVAL, "%s: more than %d windows on %s", key,
                                    BOT_CONFIG_MAX_WINDOWS, day_names[i]);
                    goto out;
                }
                win[i][nwin[i]][0] = (short)from;
                win[i][nwin[i]][1] = (short)to;
                nwin[i]++;
            }
            nw++;
        }
        if (!nw) {
            rc = sn_err_set(err, SN_EINVAL, "%s: '%s' has no time window HH:MM-HH:MM", key, days);
            goto out;
        }
    }
    c->hours_set = 1;
    memcpy(c->nwin, nwin, sizeof nwin);
    memcpy(c->win, win, sizeof win);
out:
    free(dup);
    return rc;
}

/* An IANA zone name with a file in the zone database (TZDIR or /usr/share/zoneinfo). */
static int valid_tz(const char *v)
{
    if (!*v || *v == '/' || strstr(v, "..") || strlen(v) > 64)
        return 0;
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            return 0;
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", v);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int bot_config_closed_at(const struct bot_config *c, long long t)
{
    if (!c->hours_set)
        return 0;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 0;
    int d = tm.tm_wday, m = tm.tm_hour * 60 + tm.tm_min;
    for (int i = 0; i < c->nwin[d]; i++)
        if (m >= c->win[d][i][0] && m < c->win[d][i][1])
            return 0;
    return 1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* A name or label shown to visitors (bot_name*, department labels): 1..BOT_CONFIG_LABEL_MAX
 * bytes of valid UTF-8 without control characters, braces (a text's placeholders) or the
 * separators of the departments list (',' ':'). NULL when good, else why. */
static const char *label_problem(const char *v, size_t n)
{
    if (n == 0 || n > BOT_CONFIG_LABEL_MAX)
        return "must be 1..128 bytes";
    if (!sn_utf8_valid(v, n, NULL))
        return "is not valid UTF-8";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch < 0x20 || ch == 0x7f)
            return "holds a control character";
        if (ch == '{' || ch == '}' || ch == ',' || ch == ':')
            return "holds one of { } , :";
    }
    return NULL;
}

/* "name* email department" (spaces or commas between; '*' required) or "none". */
static int parse_prechat(struct bot_config *c, const char *v, const char *key, struct sn_err *err)
{
    static const struct {
        const char *name;
        unsigned bit;
    } fields[] = {{"name", BOT_PRECHAT_NAME},
                  {"email", BOT_PRECHAT_EMAIL},
                  {"department", BOT_PRECHAT_DEPARTMENT}};
    unsigned on = 0, req = 0;
    char *dup = sn_xstrdup(v), *save = NULL;
    int rc = SN_OK;
    for (char *w = strtok_r(dup, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        size_t n = strlen(w);
        int star = n > 1 && w[n - 1] == '*';
        unsigned bit = 0;
        if (!strcmp(w, "none") && !on)
            continue;
        if (star)
            w[--n] = 0;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (!strcmp(w, fields[i].name))
                bit = fields[i].bit;
        if (!bit || (on & bit)) {
            rc = sn_err_set(err, SN_EINVAL,
                            "%s: '%s' is %s (fields: name, email, department; a trailing * makes "
                            "one required; none: no form)",
                            key, w, bit ? "given twice" : "not a field");
            goto out;
        }
        on |= bit;
        if (star)
            req |= bit;
    }
    c->prechat = on;
    c->prechat_required = req;
out:
    free(dup);
    return rc;
}

/* "id:Arabic label:English label, …" or "none". All or nothing: c is unchanged on error. */
/* The keys whose text a policy module parses into a struct of the config: the parser, and
 * where its result goes. */
static int p_deptmap(const char *s, void *out, struct sn_err *e)
{
    return bot_dept_map_parse(s, out, e);
}
static int p_deptagents(const char *s, void *out, struct sn_err *e)
{
    return bot_dept_agents_parse(s, out, e);
}
static int p_prio(const char *s, void *out, struct sn_err *e)
{
    return bot_prio_rules_parse(s, out, e);
}
static int p_sla(const char *s, void *out, struct sn_err *e)
{
    return bot_sla_parse(s, out, e);
}
static const struct policy {
    size_t text_off; /* the key's text (its table row's off) */
    int (*parse)(const char *s, void *out, struct sn_err *err);
    size_t off, size; /* the parsed struct */
} policies[] = {
    {OFF(category_departments_text), p_deptmap, OFF(dept_map), sizeof(struct bot_dept_map)},
    {OFF(department_agents_text), p_deptagents, OFF(dept_agents), sizeof(struct bot_dept_agents)},
    {OFF(priority_rules_text), p_prio, OFF(prio_rules), sizeof(struct bot_prio_rules)},
    {OFF(sla_text), p_sla, OFF(sla), sizeof(struct bot_sla)},
    {OFF(escalation_text), p_deptmap, OFF(escalation), sizeof(struct bot_dept_map)},
};

static const struct policy *policy_of(const struct key *k)
{
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
        if (policies[i].text_off == k->off)
            return &policies[i];
    return NULL;
}

/* Parses v into a scratch struct first: a refused text changes nothing. */
static int
parse_policy(struct bot_config *c, const struct key *k, const char *v, struct sn_err *err)
{
    const struct policy *p = policy_of(k);
    void *tmp = calloc(1, p->size);
    if (!tmp)
        return sn_err_set(err, SN_EIO, "%s: out of memory", k->name);
    int rc = p->parse(v, tmp, err);
    if (rc == SN_OK) {
        memcpy((char *)c + p->off, tmp, p->size);
        char **t = (char **)(void *)((char *)c + k->off);
        free(*t);
        *t = strcmp(v, "none") ? sn_xstrdup(v) : NULL;
    }
    free(tmp);
    return rc;
}

/* The department of `escalation` (both sides of each entry, and the fallback) that
 * `departments` does not list, or NULL; *key its key. */
static const char *escalation_check(const struct bot_config *c, const char **key)
{
    const struct bot_dept_map *m = &c->escalation;
    *key = "escalation";
    for (int i = 0; i < m->n; i++) {
        if (!bot_config_dept_find(c, m->v[i].category))
            return m->v[i].category;
        if (!bot_config_dept_find(c, m->v[i].dept))
            return m->v[i].dept;
    }
    return m->fallback[0] && !bot_config_dept_find(c, m->fallback) ? m->fallback : NULL;
}

/* Every department the routing keys name must be one of `departments` (a typo would route
 * cases to a department nobody has). */
static int routing_check(const struct bot_config *c, struct sn_err *err)
{
    const char *bad = NULL, *key = NULL;
    for (int i = 0; !bad && i < c->dept_map.n; i++)
        if (!bot_config_dept_find(c, c->dept_map.v[i].dept))
            bad = c->dept_map.v[i].dept, key = "category_departments";
    if (!bad && c->dept_map.fallback[0] && !bot_config_dept_find(c, c->dept_map.fallback))
        bad = c->dept_map.fallback, key = "category_departments";
    for (int i = 0; !bad && i < c->dept_agents.n; i++)
        if (!bot_config_dept_find(c, c->dept_agents.v[i].dept))
            bad = c->dept_agents.v[i].dept, key = "department_agents";
    for (int i = 0; !bad && i < c->sla.n; i++)
        if (c->sla.v[i].dept[0] && !bot_config_dept_find(c, c->sla.v[i].dept))
            bad = c->sla.v[i].dept, key = "sla";
    if (!bad)
        bad = escalation_check(c, &key);
    if (bad)
        return sn_err_set(err, SN_EINVAL,
                          "%s names the department '%s', which departments does "
                          "not list",
                          key, bad);
    return SN_OK;
}

static int parse_depts(struct bot_config *c, const char *v, const char *key, struct sn_err *err)
{
    struct bot_config_depts d;
    char *dup = sn_xstrdup(v), *save = NULL;
    int rc = SN_OK;
    memset(&d, 0, sizeof d);
    for (char *e = strtok_r(dup, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
        char *f[3] = {NULL, NULL, NULL}, *p = e;
        int nf = 0;
        while (nf < 3 && p) {
            char *colon = strchr(p, ':');
            if (colon)
                *colon = 0;
            f[nf++] = trim(p);
            p = colon ? colon + 1 : NULL;
        }
        if (nf == 1 && !*f[0])
            continue; /* "a, , b" or a trailing ',' */
        if (nf == 1 && !strcmp(f[0], "none") && !d.n)
            continue;
        if (nf != 3 || p) {
            rc = sn_err_set(err, SN_EINVAL,
                            "%s: '%s' is not id:Arabic label:English label (entries separated by "
                            "',')",
                            key, f[0]);
            goto out;
        }
        size_t idn = strlen(f[0]);
        if (!idn || idn > BOT_CONFIG_DEPT_ID_MAX ||
            strspn(f[0], "abcdefghijklmnopqrstuvwxyz0123456789_-") != idn) {
            rc = sn_err_set(err, SN_EINVAL, "%s: id '%s' must be 1..%d characters [a-z0-9_-]", key,
                            f[0], BOT_CONFIG_DEPT_ID_MAX);
            goto out;
        }
        for (int l = 1; l <= 2; l++) {
            const char *why = label_problem(f[l], strlen(f[l]));
            if (why) {
                rc = sn_err_set(err, SN_EINVAL, "%s: the %s label of '%s' %s", key,
                                l == 1 ? "Arabic" : "English", f[0], why);
                goto out;
            }
        }
        for (int i = 0; i < d.n; i++)
            if (!strcmp(d.v[i].id, f[0])) {
                rc = sn_err_set(err, SN_EINVAL, "%s: '%s' is given twice", key, f[0]);
                goto out;
            }
        if (d.n == BOT_CONFIG_MAX_DEPTS) {
            rc = sn_err_set(err, SN_EINVAL, "%s: more than %d departments", key,
                            BOT_CONFIG_MAX_DEPTS);
            goto out;
        }
        snprintf(d.v[d.n].id, sizeof d.v[d.n].id, "%s", f[0]);
        snprintf(d.v[d.n].ar, sizeof d.v[d.n].ar, "%s", f[1]);
        snprintf(d.v[d.n].en, sizeof d.v[d.n].en, "%s", f[2]);
        d.n++;
    }
    c->depts = d;
out:
    free(dup);
    return rc;
}

const char *bot_config_bot_name(const struct bot_config *c, const char *lang)
{
    int ar = lang && !strcmp(lang, "ar");
    const char *own = ar ? c->bot_name_ar : c->bot_name_en;
    if (own)
        return own;
    if (c->bot_name)
        return c->bot_name;
    return ar ? "سند" : "Sanad";
}

const struct bot_config_dept *bot_config_dept_find(const struct bot_config *c, const char *id)
{
    for (int i = 0; id && i < c->depts.n; i++)
        if (!strcmp(c->depts.v[i].id, id))
            return &c->depts.v[i];
    return NULL;
}

static int set_key(struct bot_config *c, const struct key *k, const char *v, struct sn_err *err)
{
    char *base = (char *)c + k->off;
    switch (k->type) {
    case T_STR: {
        char **p = (char **)base;
        free(*p);
        *p = *v ? sn_xstrdup(v) : NULL;
        return SN_OK;
    }
    case T_INT:
        if (parse_int(v, k->min, k->max, (int *)base))
            return sn_err_set(err, SN_EINVAL, "%s: expected an integer in %ld..%ld, got '%s'",
                              k->name, k->min, k->max, v);
        return SN_OK;
    case T_BOOL:
        if (!strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "true"))
            *(int *)base = 1;
        else if (!strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "false"))
            *(int *)base = 0;
        else
            return sn_err_set(err, SN_EINVAL, "%s: expected yes or no, got '%s'", k->name, v);
        return SN_OK;
    case T_DBL: {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || d < k->min / 100.0 || d > k->max / 100.0)
            return sn_err_set(err, SN_EINVAL, "%s: expected a number in [%g,%g], got '%s'", k->name,
                              k->min / 100.0, k->max / 100.0, v);
        *(double *)base = d;
        return SN_OK;
    }
    case T_HOURS:
        return parse_hours(c, v, k->name, err);
    case T_PRECHAT:
        return parse_prechat(c, v, k->name, err);
    case T_DEPTS:
        return parse_depts(c, v, k->name, err);
    case T_POLICY:
        return parse_policy(c, k, v, err);
    case T_LABEL: {
        char **p = (char **)base;
        const char *why = *v ? label_problem(v, strlen(v)) : NULL;
        if (why)
            return sn_err_set(err, SN_EINVAL, "%s: '%s' %s", k->name, v, why);
        free(*p);
        *p = *v ? sn_xstrdup(v) : NULL;
        return SN_OK;
    }
    case T_TZ: {
        char **p = (char **)base;
        if (*v && !valid_tz(v))
            return sn_err_set(err, SN_EINVAL,
                              "%s: '%s' is not a time zone of the zone database (e.g. "
                              "Asia/Riyadh)",
                              k->name, v);
        free(*p);
        *p = *v ? sn_xstrdup(v) : NULL;
        return SN_OK;
    }
    case T_SMTPTLS: {
        static const char *names[] = {"require", "try", "none"}; /* enum bot_smtp_tls */
        for (int i = 0; i < 3; i++)
            if (!strcmp(v, names[i])) {
                *(int *)base = i;
                return SN_OK;
            }
        return sn_err_set(err, SN_EINVAL, "%s: expected require, try or none, got '%s'", k->name,
                          v);
    }
    case T_ROUTING:
        if (strcmp(v, "auto") && strcmp(v, "pick"))
            return sn_err_set(err, SN_EINVAL, "%s: expected auto or pick, got '%s'", k->name, v);
        *(int *)base = !strcmp(v, "pick");
        return SN_OK;
    case T_LOG: {
        static const char *names[] = {"err", "warn", "notice", "info", "debug"};
        for (int i = 0; i < 5; i++)
            if (!strcmp(v, names[i])) {
                *(int *)base = i;
                return SN_OK;
            }
        return sn_err_set(err, SN_EINVAL, "%s: expected err, warn, notice, info or debug", k->name);
    }
    case T_ORIGINS:
    case T_NAMES:
    case T_METRICS:
    case T_ADDRS: {
        /* each space-separated word is one entry; "none" clears the list */
        struct bot_config_list *l = (struct bot_config_list *)(void *)base;
        char *dup = sn_xstrdup(v), *save = NULL;
        int rc = SN_OK;
        for (char *w = strtok_r(dup, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
            if (!strcmp(w, "none")) {
                for (int i = 0; i < l->n; i++)
                    free(l->v[i]);
                l->n = 0;
                continue;
            }
            int bearer = k->type == T_METRICS && !strncmp(w, "bearer:", 7);
            for (char *p = w; *p && !bearer; p++) /* schemes and host names: lower case */
                *p = (char)tolower((unsigned char)*p);
            if (bearer && !w[7]) {
                rc = sn_err_set(err, SN_EINVAL, "%s: 'bearer:' wants a file, bearer:/path/token",
                                k->name);
                break;
            }
            if (k->type == T_ORIGINS && strncmp(w, "http://", 7) && strncmp(w, "https://", 8)) {
                rc = sn_err_set(err, SN_EINVAL,
                                "%s: '%s' is not an origin (http://host[:port] or https://…)",
                                k->name, w);
                break;
            }
            if (k->type == T_NAMES &&
                (strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789.-") != strlen(w) || w[0] == '.' ||
                 w[0] == '-')) {
                rc = sn_err_set(err, SN_EINVAL,
                                "%s: '%s' is not a host name (letters, digits, '.' and '-')",
                                k->name, w);
                break;
            }
            struct bot_fwd_net net;
            struct sn_err why = {0};
            if ((k->type == T_ADDRS || (k->type == T_METRICS && !bearer)) &&
                bot_fwd_net_parse(w, &net, &why) != SN_OK) {
                rc = sn_err_set(err, SN_EINVAL,
                                "%s: '%s' is not an IP address or CIDR range (%s), e.g. "
                                "127.0.0.1, 10.0.0.0/8, fd00::/8",
                                k->name, w, why.msg);
                break;
            }
            if (l->n == BOT_CONFIG_MAX_ORIGINS) {
                rc = sn_err_set(err, SN_EINVAL, "%s: more than %d entries", k->name,
                                BOT_CONFIG_MAX_ORIGINS);
                break;
            }
            size_t n = strlen(w);
            while (k->type == T_ORIGINS && n > 0 && w[n - 1] == '/')
                w[--n] = 0; /* "https://a.example/" is the origin "https://a.example" */
            l->v[l->n++] = sn_xstrdup(w);
        }
        free(dup);
        return rc;
    }
    }
    return sn_err_set(err, SN_EINVAL, "%s: bad key type", k->name);
}

void bot_config_init(struct bot_config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].def)
            set_key(c, &keys[i], keys[i].def, NULL);
}

void bot_config_fini(struct bot_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == T_STR || keys[i].type == T_TZ || keys[i].type == T_LABEL ||
            keys[i].type == T_POLICY) {
            char **p = (char **)((char *)c + keys[i].off);
            free(*p);
            *p = NULL;
        }
    for (int i = 0; i < c->origins.n; i++)
        free(c->origins.v[i]);
    c->origins.n = 0;
    for (int i = 0; i < c->server_names.n; i++)
        free(c->server_names.v[i]);
    c->server_names.n = 0;
    for (int i = 0; i < c->trusted_proxies.n; i++)
        free(c->trusted_proxies.v[i]);
    c->trusted_proxies.n = 0;
    for (int i = 0; i < c->metrics_allow.n; i++)
        free(c->metrics_allow.v[i]);
    c->metrics_allow.n = 0;
}

int bot_config_set(struct bot_config *c, const char *key, const char *value, struct sn_err *err)
{
    const struct key *k = find(key);
    if (!k)
        return sn_err_set(err, SN_EINVAL, "unknown key '%s'", key);
    return set_key(c, k, value, err);
}

/* The value of key k in c as text, the way the file would say it (lists space-separated,
 * business hours day by day). A fresh string owned by the caller (free). */
static char *format_key(const struct bot_config *c, const struct key *k)
{
    static const char *log_names[] = {"err", "warn", "notice", "info", "debug"};
    const char *base = (const char *)c + k->off;
    struct sn_buf b;
    sn_buf_init(&b, 1 << 16);
    switch (k->type) {
    case T_STR:
    case T_LABEL:
    case T_TZ: {
        const char *v = *(char *const *)(const void *)base;
        sn_buf_printf(&b, "%s", v ? v : "");
        break;
    }
    case T_INT:
        sn_buf_printf(&b, "%d", *(const int *)(const void *)base);
        break;
    case T_BOOL:
        sn_buf_printf(&b, "%s", *(const int *)(const void *)base ? "yes" : "no");
        break;
    case T_DBL:
        sn_buf_printf(&b, "%g", *(const double *)(const void *)base);
        break;
    case T_LOG: {
        int v = *(const int *)(const void *)base;
        sn_buf_printf(&b, "%s", v >= 0 && v < 5 ? log_names[v] : "?");
        break;
    }
    case T_ROUTING:
        sn_buf_printf(&b, "%s", *(const int *)(const void *)base ? "pick" : "auto");
        break;
    case T_SMTPTLS: {
        static const char *names[] = {"require", "try", "none"};
        int t = *(const int *)(const void *)base;
        sn_buf_printf(&b, "%s", t >= 0 && t < 3 ? names[t] : "?");
        break;
    }
    case T_ORIGINS:
    case T_NAMES:
    case T_METRICS:
    case T_ADDRS: {
        const struct bot_config_list *l = (const void *)base;
        for (int i = 0; i < l->n; i++)
            sn_buf_printf(&b, "%s%s", i ? " " : "", l->v[i]);
        break;
    }
    case T_PRECHAT: {
        static const char *names[] = {"name", "email", "department"};
        for (int i = 0; i < 3; i++)
            if (c->prechat & (1u << i))
                sn_buf_printf(&b, "%s%s%s", b.len ? " " : "", names[i],
                              c->prechat_required & (1u << i) ? "*" : "");
        if (!c->prechat)
            sn_buf_printf(&b, "none");
        break;
    }
    case T_POLICY: {
        const char *t = *(char *const *)(const void *)base;
        sn_buf_printf(&b, "%s", t ? t : "none");
        break;
    }
    case T_DEPTS:
        for (int i = 0; i < c->depts.n; i++)
            sn_buf_printf(&b, "%s%s:%s:%s", i ? ", " : "", c->depts.v[i].id, c->depts.v[i].ar,
                          c->depts.v[i].en);
        if (!c->depts.n)
            sn_buf_printf(&b, "none");
        break;
    case T_HOURS:
        if (!c->hours_set)
            sn_buf_printf(&b, "none");
        for (int d = 0; c->hours_set && d < 7; d++) {
            if (!c->nwin[d])
                continue;
            sn_buf_printf(&b, "%s%s", b.len ? "; " : "", day_names[d]);
            for (int i = 0; i < c->nwin[d]; i++)
                sn_buf_printf(&b, " %02d:%02d-%02d:%02d", c->win[d][i][0] / 60,
                              c->win[d][i][0] % 60, c->win[d][i][1] / 60, c->win[d][i][1] % 60);
        }
        break;
    }
    return sn_buf_take(&b);
}

/* The outgoing mail keys go together: an smtp:// or smtps:// URL, a plausible sender, a
 * password only with a user, and plain SMTP only to a relay on this machine (anything else
 * would send visitors' addresses and texts in clear over a network). */
static int smtp_check(const struct bot_config *c, struct sn_err *err)
{
    char addr[BOT_EMAIL_MAX + 1];
    struct sn_err e = {0};
    if (!c->smtp_url)
        return SN_OK;
    if (strncmp(c->smtp_url, "smtp://", 7) && strncmp(c->smtp_url, "smtps://", 8))
        return sn_err_set(err, SN_EINVAL, "smtp_url: expected smtp://host[:port] or smtps://…");
    if (strpbrk(c->smtp_url, " \t\r\n"))
        return sn_err_set(err, SN_EINVAL, "smtp_url: white space in the URL");
    if (!c->smtp_from)
        return sn_err_set(err, SN_EINVAL, "smtp_from is required with smtp_url");
    if (bot_email_normalize(c->smtp_from, addr, &e))
        return sn_err_set(err, SN_EINVAL, "smtp_from: %s", e.msg);
    if (c->smtp_password_file && !c->smtp_user)
        return sn_err_set(err, SN_EINVAL, "smtp_password_file needs smtp_user");
    if (c->smtp_tls == BOT_SMTP_TLS_NONE && !bot_smtp_url_is_loopback(c->smtp_url))
        return sn_err_set(err, SN_EINVAL,
                          "smtp_tls none is for a relay on the loopback only (got %s)",
                          c->smtp_url);
    if (c->smtp_retry_cap < c->smtp_retry_base)
        return sn_err_set(err, SN_EINVAL, "smtp_retry_cap must not be below smtp_retry_base");
    return SN_OK;
}

/* Moves key k's value from src into dst; what dst held goes to src (freed with it). */
static void move_key(struct bot_config *dst, struct bot_config *src, const struct key *k)
{
    char *d = (char *)dst + k->off, *s = (char *)src + k->off;
    switch (k->type) {
    case T_STR:
    case T_LABEL:
    case T_TZ: {
        char *t = *(char **)(void *)d;
        *(char **)(void *)d = *(char **)(void *)s;
        *(char **)(void *)s = t;
        break;
    }
    case T_DBL:
        *(double *)(void *)d = *(double *)(void *)s;
        break;
    case T_ORIGINS:
    case T_NAMES:
    case T_METRICS:
    case T_ADDRS: {
        struct bot_config_list t = *(struct bot_config_list *)(void *)d;
        *(struct bot_config_list *)(void *)d = *(struct bot_config_list *)(void *)s;
        *(struct bot_config_list *)(void *)s = t;
        break;
    }
    case T_PRECHAT:
        dst->prechat = src->prechat;
        dst->prechat_required = src->prechat_required;
        break;
    case T_DEPTS:
        dst->depts = src->depts;
        break;
    case T_POLICY: {
        const struct policy *p = policy_of(k);
        char *t = *(char **)(void *)d;
        *(char **)(void *)d = *(char **)(void *)s;
        *(char **)(void *)s = t;
        memcpy((char *)dst + p->off, (char *)src + p->off, p->size);
        break;
    }
    case T_HOURS:
        dst->hours_set = src->hours_set;
        memcpy(dst->nwin, src->nwin, sizeof dst->nwin);
        memcpy(dst->win, src->win, sizeof dst->win);
        break;
    default: /* T_INT, T_BOOL, T_LOG, T_ROUTING */
        *(int *)(void *)d = *(int *)(void *)s;
        break;
    }
}

int bot_config_reload(struct bot_config *cur,
                      struct bot_config *next,
                      bot_config_change_fn *fn,
                      void *ctx)
{
    int applied = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        char *was = format_key(cur, k), *now = format_key(next, k);
        if (strcmp(was, now)) {
            int live = !(k->flags & K_RESTART);
            if (live) {
                move_key(cur, next, k);
                applied++;
            }
            if (fn)
                fn(ctx, k->name, was, now, live);
        }
        free(was);
        free(now);
    }
    return applied;
}

int bot_config_load(struct bot_config *c, const char *path, struct sn_err *err)
{
    int rc = SN_OK, line = 0;
    char *buf = NULL;
    size_t cap = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return sn_err_set(err, SN_EIO, "%s: %s", path, strerror(errno));
    while (getline(&buf, &cap, f) > 0) {
        line++;
        char *s = trim(buf);
        if (!*s || *s == '#')
            continue;
        char *v = s + strcspn(s, " \t");
        if (*v)
            *v++ = 0;
        v = trim(v);
        if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
            v[strlen(v) - 1] = 0; /* "quoted value" keeps inner spaces */
            v++;
        }
        struct sn_err e = {0};
        if (bot_config_set(c, s, v, &e)) {
            rc = sn_err_set(err, SN_EINVAL, "%s:%d: %s", path, line, e.msg);
            break;
        }
    }
    free(buf);
    fclose(f);
    return rc;
}

static char *joinpath(const char *dir, const char *file)
{
    struct sn_buf b;
    sn_buf_init(&b, 8192);
    sn_buf_printf(&b, "%s/%s", dir, file);
    return sn_buf_take(&b);
}

int bot_config_args(struct bot_config *c, int argc, char **argv, struct sn_err *err)
{
    /* the config file first, so flags override it whatever their order */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc)
                return sn_err_set(err, SN_EINVAL, "--config needs a file");
            int rc = bot_config_load(c, argv[i + 1], err);
            if (rc)
                return rc;
        }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2))
            return sn_err_set(err, SN_EINVAL, "unexpected argument '%s'", a);
        a += 2;
        const char *eq = strchr(a, '=');
        char key[64];
        const char *val;
        size_t kl = eq ? (size_t)(eq - a) : strlen(a);
        if (kl >= sizeof key)
            return sn_err_set(err, SN_EINVAL, "unknown option '%s'", argv[i]);
        memcpy(key, a, kl);
        key[kl] = 0;
        for (char *p = key; *p; p++)
            if (*p == '-')
                *p = '_';
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            return sn_err_set(err, SN_EINVAL, "--%s needs a value", key);
        if (!strcmp(key, "config"))
            continue;
        int rc = bot_config_set(c, strcmp(key, "db") ? key : "kb_db", val, err);
        if (rc)
            return rc;
    }
    if (!c->kb_db)
        c->kb_db = joinpath(c->data, "sanad.db");
    char buf[4096];
    if (!c->widget_dir)
        c->widget_dir = sn_xstrdup(bot_find_dir("widget", buf, sizeof buf));
    if (!c->intents_dir)
        c->intents_dir = sn_xstrdup(bot_find_dir("intents", buf, sizeof buf));
    if (!c->texts_dir)
        c->texts_dir = sn_xstrdup(bot_find_dir("texts", buf, sizeof buf));
    if (!c->store_db)
        c->store_db = joinpath(c->data, "store.db");
    if (!c->attachments_dir) { /* beside the store: the state a backup of it must keep */
        const char *slash = strrchr(c->store_db, '/');
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - c->store_db) : 1,
                 slash ? c->store_db : ".");
        c->attachments_dir = joinpath(slash == c->store_db ? "" : dir, "attachments");
    }
    if (strcmp(c->store, "sqlite") && strcmp(c->store, "postgres"))
        return sn_err_set(err, SN_EINVAL, "store must be sqlite or postgres, not '%s'", c->store);
    if (!strcmp(c->store, "postgres") && !c->pg_dsn)
        return sn_err_set(err, SN_EINVAL, "store postgres needs pg_dsn");
    if (!c->tls_cert != !c->tls_key)
        return sn_err_set(err, SN_EINVAL, "tls_cert and tls_key must be set together");
    if (!c->outbox_db)
        c->outbox_db = joinpath(c->data, "outbox.db");
    if (smtp_check(c, err))
        return err ? err->code : SN_EINVAL;
    if (c->public_url && bot_casemail_url_check(c->public_url, err))
        return err ? err->code : SN_EINVAL;
    if (c->medium >= 0 && c->high >= 0 && c->medium > c->high)
        return sn_err_set(err, SN_EINVAL, "confidence_medium must not exceed confidence_high");
    if ((c->prechat & BOT_PRECHAT_DEPARTMENT) && !c->depts.n)
        return sn_err_set(err, SN_EINVAL,
                          "prechat asks for a department but departments lists none");
    if (routing_check(c, err))
        return err ? err->code : SN_EINVAL;
    if (c->suggest_precision > c->answer_precision)
        return sn_err_set(err, SN_EINVAL, "suggest_precision must not exceed answer_precision");
    return SN_OK;
}

void bot_config_print_visitor(const struct bot_config *c, void *fp)
{
    FILE *f = fp;
    fprintf(f, "bot_name ar=%s en=%s\n", bot_config_bot_name(c, "ar"),
            bot_config_bot_name(c, "en"));
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == T_PRECHAT || keys[i].type == T_DEPTS || keys[i].type == T_POLICY) {
            char *v = format_key(c, &keys[i]);
            fprintf(f, "%s %s\n", keys[i].name, v);
            free(v);
        }
}

void bot_config_usage(void *fp)
{
    FILE *f = fp;
    fputs("usage: sanad serve [--config FILE] [--KEY VALUE]...\n\nkeys (file: `key value`; "
          "flag: --key value; SIGHUP reloads all but those marked [restart]):\n",
          f);
    for (size_t i = 0; i < NKEYS; i++)
        fprintf(f, "  %-18s %-10s %s%s\n", keys[i].name, keys[i].def ? keys[i].def : "-",
                keys[i].help, keys[i].flags & K_RESTART ? " [restart]" : "");
}
