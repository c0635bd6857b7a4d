/* Server configuration: one defaults table, a `key value` file (redis.conf style, `#`
 * comments) and `--key value` flags that override it. The result is a struct bot_config,
 * const after load and passed explicitly. Keys are documented in docs/configuration.md. */
#ifndef SANAD_BOT_CONFIG_H
#define SANAD_BOT_CONFIG_H

#include "bot/dept.h"
#include "bot/sla.h"
#include "kb/base.h"

#define BOT_CONFIG_MAX_ORIGINS 32 /* entries of a list key (allowed_origins, server_names) */

/* A list key's words, each owned by the config. */
struct bot_config_list {
    char *v[BOT_CONFIG_MAX_ORIGINS];
    int n;
};
#define BOT_CONFIG_MAX_WINDOWS 4 /* business-hours windows per weekday */

/* The pre-chat form's fields (prechat): bits of bot_config.prechat and .prechat_required. */
enum bot_prechat_field {
    BOT_PRECHAT_NAME = 1,
    BOT_PRECHAT_EMAIL = 2,
    BOT_PRECHAT_DEPARTMENT = 4,
};
#define BOT_CONFIG_MAX_DEPTS   16  /* entries of departments */
#define BOT_CONFIG_DEPT_ID_MAX 32  /* bytes of a department id, [a-z0-9_-] */
#define BOT_CONFIG_LABEL_MAX   128 /* bytes of a name or label (bot_name_*, departments) */

/* One department (departments): its id and its label per language, inline. */
struct bot_config_dept {
    char id[BOT_CONFIG_DEPT_ID_MAX + 1];
    char ar[BOT_CONFIG_LABEL_MAX + 1], en[BOT_CONFIG_LABEL_MAX + 1];
};
struct bot_config_depts {
    struct bot_config_dept v[BOT_CONFIG_MAX_DEPTS];
    int n;
};

struct bot_config {
    char *bind;             /* listen address, "127.0.0.1" */
    int port;               /* 0 = pick a free port */
    char *data;             /* data directory, "data" */
    char *kb_db;            /* knowledge base file, default DATA/sanad.db */
    char *store_db;         /* conversation store file, default DATA/store.db */
    char *store;            /* the store's backend: "sqlite" or "postgres" */
    char *pg_dsn;           /* store postgres: libpq connection string; NULL: unset */
    char *pg_password_file; /* its password's file, or NULL */
    char *node_id;          /* this node among those of one PostgreSQL store; NULL: host:port */
    int node_lease;         /* seconds of silence after which a node is taken for dead */
    char *widget_dir;       /* static files (relative to cwd, or absolute) */
    char *intents_dir;      /* intent rules (relative to cwd, or absolute) */
    char *texts_dir;        /* the bot's texts (bot/texts.h) */
    char *tls_cert;         /* PEM certificate; TLS when both cert and key are set */
    char *tls_key;
    char *bot_name; /* both languages' name unless bot_name_ar/_en; NULL: the defaults */
    char *bot_name_ar, *bot_name_en; /* NULL: bot_name, else "سند" / "Sanad" */
    unsigned prechat;                /* enum bot_prechat_field bits the form asks; 0: no form */
    unsigned prechat_required;       /* those of them the visitor must fill in */
    struct bot_config_depts depts;   /* departments */
    /* routing of cases (issue 15, docs/cases.md): each key's text, kept for printing, and
     * what it parses to (bot/dept.h, bot/sla.h) */
    char *category_departments_text, *department_agents_text, *priority_rules_text, *sla_text;
    struct bot_dept_map dept_map;
    struct bot_dept_agents dept_agents;
    struct bot_prio_rules prio_rules;
    struct bot_sla sla;
    /* escalation tiers (issue 15): each department's second line, "*" the fallback; the
     * key's text, and the map it parses to (bot/dept.h's format, read by bot/escalate.h) */
    char *escalation_text;
    struct bot_dept_map escalation;
    char *help_contact; /* the help center's contact line (docs/help-center.md); NULL: none */
    struct bot_config_list origins;      /* allowed_origins besides the server's own, lower case */
    struct bot_config_list server_names; /* host names the server answers to (none: any) */
    struct bot_config_list trusted_proxies; /* addresses and CIDR ranges (bot/forwarded.h) */
    /* who may scrape /metrics: addresses, CIDR ranges, "bearer:FILE" (bot/http_metrics.h);
     * none: only when bind is a loopback address */
    struct bot_config_list metrics_allow;
    int allow_no_origin; /* accept WebSocket upgrades without an Origin header (non-browsers) */
    int max_frame;       /* bytes of one WebSocket message, 4096 */
    int max_text;        /* characters of a visitor text, 1000 */
    int rate;            /* token bucket refill, frames per second per connection */
    int burst;           /* token bucket size */
    int max_conns_per_ip;
    int abuse_limit;           /* refused frames before a close with 1008 */
    int session_ttl;           /* seconds a session token stays valid after the last activity */
    int agent_session_ttl;     /* seconds an agent login (cookie) lasts */
    int login_max_failures;    /* failed logins per login within login_window before 429 */
    int login_max_failures_ip; /* failed logins per client address within login_window */
    int login_max_failures_account; /* failed logins per account from every address */
    int login_window;               /* seconds */
    int rx_buffer;                  /* lws rx buffer per connection, bytes */
    int send_queue;                 /* frames queued per connection before rx flow control */
    double answer_precision, suggest_precision; /* precision targets of the bands */
    double high, medium; /* raw band overrides on the probability; < 0: from the targets */
    int agent_capacity;  /* chats per agent at once, 3 */
    int agent_grace;     /* seconds a gone agent keeps its chats, 60 */
    int visitor_grace;   /* seconds a queued visitor without a socket keeps its place, 120 */
    int routing_pick;    /* routing: 0 auto-assign, 1 agents pick (take) */
    int log_level;       /* enum sn_log_level */
    /* business_hours: per weekday (0 = Sunday) up to 4 windows [start, end) in minutes
     * since local midnight; hours_set 0 = always open */
    int hours_set;
    int nwin[7];
    short win[7][BOT_CONFIG_MAX_WINDOWS][2];
    char *timezone; /* IANA name (TZ) the hours are in; NULL: the system's */
    /* outgoing email (bot/outbox.h, docs/email.md); off while smtp_url is NULL */
    char *smtp_url;           /* smtp://host:587 or smtps://host:465 */
    char *smtp_user;          /* NULL: no AUTH */
    char *smtp_password_file; /* the password, first line of this file */
    char *smtp_from;          /* the sender address */
    char *smtp_from_name;     /* its display name, or NULL */
    int smtp_tls;             /* enum bot_smtp_tls */
    int smtp_timeout;         /* seconds per attempt */
    int smtp_max_attempts;
    int smtp_retry_base, smtp_retry_cap; /* seconds */
    char *outbox_db;                     /* default DATA/outbox.db */
    int outbox_poll;                     /* seconds between looks for mail others queued */
    int retention_days;     /* purge conversations idle this long (bot/privacy.h); 0: never */
    int retention_interval; /* seconds between retention runs */
    /* attachments (bot/attach.h) */
    char *attachments_dir;            /* uploaded files by content hash, default beside store_db */
    int attachment_max_bytes;         /* bytes of one uploaded file, 5 MiB */
    int attachments_per_conversation; /* uploads one conversation may make, 100 */
    int reopen_days;  /* a handoff within this many days of the visitor's last solved case
                       * reopens it (issue 15), 7; 0: never */
    char *public_url; /* the widget's page, linked from case reply emails; NULL: no link */
};

/* True when business hours are set and the time t (seconds since the epoch) is outside
 * them, in the process time zone (serve sets TZ from `timezone` once at startup). */
int bot_config_closed_at(const struct bot_config *c, long long t);

/* The bot's name in lang ("ar"; anything else is English): bot_name_ar / bot_name_en when
 * set, else bot_name when set, else "سند" / "Sanad". Borrowed from c (or static). */
const char *bot_config_bot_name(const struct bot_config *c, const char *lang);

/* The department id in c->depts, or NULL when there is none. Borrowed from c. */
const struct bot_config_dept *bot_config_dept_find(const struct bot_config *c, const char *id);

/* Fills c with the defaults (strings owned by c). */
void bot_config_init(struct bot_config *c);
/* Frees what c owns; c may be zeroed or initialized. */
void bot_config_fini(struct bot_config *c);

/* Sets one key from its text value. SN_EINVAL (err names the key and the reason) for an
 * unknown key or a value of the wrong type or out of range; c is unchanged then. */
int bot_config_set(struct bot_config *c, const char *key, const char *value, struct sn_err *err);

/* Reads `key value` lines from path. Errors are "path:line: reason" (SN_EINVAL) or SN_EIO
 * when the file cannot be read. Keys before the failing line stay set. */
int bot_config_load(struct bot_config *c, const char *path, struct sn_err *err);

/* Applies `sanad serve` arguments: --config FILE is read first (wherever it appears), then
 * every --key value (any key of the table; --db is kb_db) in order. Then fills the derived
 * defaults (kb_db, store_db from data). SN_EINVAL with err set on a bad argument. */
int bot_config_args(struct bot_config *c, int argc, char **argv, struct sn_err *err);

/* One key a reload found changed: was and now as the file would write them; applied 0 when
 * the key is read only at startup and keeps its old value until a restart. */
typedef void
bot_config_change_fn(void *ctx, const char *key, const char *was, const char *now, int applied);
/* SIGHUP: every key whose value differs between cur and next (both loaded and checked) is
 * reported to fn; those that can change live are moved from next into cur (next then holds
 * cur's old values, freed with it). Returns how many were applied. */
int bot_config_reload(struct bot_config *cur,
                      struct bot_config *next,
                      bot_config_change_fn *fn,
                      void *ctx);

/* Writes what visitors will see of c to f (a FILE *), for --check-config: the bot's name
 * per language, the pre-chat form's fields and the departments, one "key value" line each. */
void bot_config_print_visitor(const struct bot_config *c, void *f);

/* Writes the key table with defaults and help to f (a FILE *), for `sanad serve --help`. */
void bot_config_usage(void *f);

#endif
