/* One email over SMTP, sent with libcurl (its SMTP client: STARTTLS, AUTH, MIME), and the
 * header encoding it needs. Blocking: call it from a worker thread (bot/outbox.h), never
 * from the event loop. */
#ifndef SANAD_BOT_SMTP_H
#define SANAD_BOT_SMTP_H

#include "kb/base.h"

enum bot_smtp_tls {
    BOT_SMTP_TLS_REQUIRE, /* smtps://, or STARTTLS on smtp:// and refuse to go on without it */
    BOT_SMTP_TLS_TRY,     /* STARTTLS when offered, else plain */
    BOT_SMTP_TLS_NONE     /* plain: a relay on the loopback (refused for another host) */
};

/* Where and as whom to send; strings borrowed. */
struct bot_smtp {
    const char *url;       /* smtp://host[:port] or smtps://host[:port] */
    const char *user;      /* NULL: no AUTH */
    const char *password;  /* with user */
    const char *from;      /* envelope sender and From: */
    const char *from_name; /* display name in From:, or NULL */
    enum bot_smtp_tls tls;
    long timeout_s;  /* the whole exchange */
    const int *stop; /* when not NULL and set (atomically, by another thread): give up now */
};

/* One message; strings borrowed, UTF-8. html may be NULL (a text-only message). */
struct bot_smtp_mail {
    const char *to;
    const char *subject;
    const char *text;
    const char *html;
    const char *message_id; /* "<…@…>": the same on every attempt, so a repeat is one message */
    long long date;         /* seconds since the epoch (the Date: header) */
};

/* libcurl's global state, counted: one init per user before any send (not concurrently with
 * another thread's init), one cleanup each after the last. SN_OK or SN_EIO. */
int bot_smtp_init(struct sn_err *err);
void bot_smtp_cleanup(void);

/* Sends m. SN_OK; else SN_EIO with the reason (curl's, and the server's last reply) in err,
 * and *permanent set when the server refused with a 5xx reply (another attempt would be
 * refused the same way), 0 for what may pass later (no connection, 4xx, timeout). */
int bot_smtp_send(const struct bot_smtp *c,
                  const struct bot_smtp_mail *m,
                  int *permanent,
                  struct sn_err *err);

/* s (UTF-8) as a header value: ASCII without controls as it is, anything else as RFC 2047
 * encoded words (=?UTF-8?B?…?=, each at most 75 bytes, whole characters), joined by spaces
 * on one line (callers bound the length: the line limit is 998 bytes). NULL for a CR, LF or other
 * control character (a header injection) or invalid UTF-8. Owned by the caller (free). */
char *bot_smtp_header_value(const char *s);

/* "Name <addr>" for From:/To: with the name encoded as above, or addr alone when name is NULL
 * or empty. NULL as above. Owned by the caller (free). */
char *bot_smtp_mailbox(const char *name, const char *addr);

/* Whether the URL's host is the loopback (127.0.0.0/8, ::1, localhost): the one place a
 * plain (BOT_SMTP_TLS_NONE) connection is allowed. 0 for an unparsable URL. */
int bot_smtp_url_is_loopback(const char *url);

#endif
