/* The visitor's transcript as a text file (see bot/transcript.h). */
#include "bot/transcript.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bot/dialogue.h"
#include "bot/help_html.h" /* bot_help_escs: the one HTML escape */
#include "bot/store.h"
#include "bot/texts.h"

int bot_transcript_find(struct store *st,
                        const char *token,
                        long long min_updated,
                        struct store_conv *out,
                        struct sn_err *err)
{
    unsigned char h[32];
    char th[STORE_HASH_HEX];
    size_t n = token ? strlen(token) : 0;
    if (n < 32 || n > 128 || strspn(token, "0123456789abcdef") != n)
        return sn_err_set(err, SN_ENOTFOUND, "not a session token");
    /* the stored form of a visitor token, as bot/visitor.c keeps it */
    crypto_generichash(h, sizeof h, (const unsigned char *)token, n, NULL, 0);
    sodium_bin2hex(th, sizeof th, h, sizeof h);
    int rc = store_conv_by_token(st, th, min_updated, out, err);
    if (rc == SN_OK) {
        free(out->dialogue);
        out->dialogue = NULL;
    }
    return rc;
}

void bot_transcript_filename(const char *conv_id, char *out, size_t size)
{
    snprintf(out, size, "transcript-%s.txt", conv_id);
}

struct walk {
    const struct bot_brain *b;
    const char *lang;
    struct bot_texts_fmt *time; /* transcript_time, opened once for every line */
    struct sn_buf body;
    long long after;
    long long first_ts; /* the first message's time: the start when the caller has none */
    int count, cut;
};

/* Who said m, as the visitor reads it. Borrowed. */
static const char *who(struct walk *w, const struct store_msg *m, char **own)
{
    *own = NULL;
    if (!strcmp(m->sender, "bot"))
        return bot_brain_name(w->b, w->lang);
    if (!strcmp(m->sender, "agent") && m->agent && *m->agent)
        return m->agent;
    enum bot_text id = !strcmp(m->sender, "visitor") ? BOT_TEXT_TRANSCRIPT_YOU
                       : !strcmp(m->sender, "agent") ? BOT_TEXT_TRANSCRIPT_AGENT
                                                     : BOT_TEXT_TRANSCRIPT_SYSTEM;
    return *own = bot_brain_text(w->b, id, w->lang, NULL);
}

static int add_line(void *ctx, const struct store_msg *m)
{
    struct walk *w = ctx;
    char *own;
    w->after = m->seq;
    if (w->count >= BOT_TRANSCRIPT_MAX_MSGS) {
        w->cut = 1;
        return 1;
    }
    double t = (double)m->ts;
    if (!w->first_ts)
        w->first_ts = m->ts;
    char *when = bot_texts_fmt_run(w->time, &t, 1);
    const char *name = who(w, m, &own);
    sn_buf_printf(&w->body, "[%s] %s: ", when, name);
    for (const char *p = m->text; *p; p++) /* later lines indented: one message, one block */
        if (*p == '\n')
            sn_buf_adds(&w->body, "\n    ");
        else if (*p != '\r')
            sn_buf_add(&w->body, p, 1);
    sn_buf_adds(&w->body, "\n");
    free(when);
    free(own);
    w->count++;
    return 0;
}

char *bot_transcript_text(struct store *st,
                          const struct bot_brain *b,
                          const struct store_conv *c,
                          size_t *len,
                          struct sn_err *err)
{
    struct walk w = {.b = b, .lang = strcmp(c->lang, "en") ? "ar" : "en"};
    struct sn_buf out;
    char *title = NULL, *meta = NULL;
    int rc = SN_OK;
    w.time = bot_texts_fmt_new(bot_brain_texts(b), BOT_TEXT_TRANSCRIPT_TIME, w.lang);
    sn_buf_init(&w.body, BOT_TRANSCRIPT_MAX_BYTES);
    sn_buf_init(&out, BOT_TRANSCRIPT_MAX_BYTES + 4096);
    for (;;) { /* in pages: the store's walk takes a limit */
        int before = w.count;
        long long at = w.after;
        rc = store_msg_each(st, c->id, w.after, 500, add_line, &w, err);
        if (rc == 1) { /* past BOT_TRANSCRIPT_MAX_MSGS */
            rc = SN_OK;
            break;
        }
        if (rc || w.count == before || w.after == at)
            break;
    }
    if (rc)
        goto out;
    double args[2] = {(double)(c->created > 0 ? c->created : w.first_ts), (double)w.count};
    title = bot_brain_text(b, BOT_TEXT_TRANSCRIPT_TITLE, w.lang, NULL);
    meta = bot_brain_count(b, BOT_TEXT_TRANSCRIPT_META, w.lang, args, 2);
    sn_buf_printf(&out, "%s\n%s\n\n", title, meta);
    sn_buf_add(&out, w.body.p ? w.body.p : "", w.body.len);
    if (w.cut)
        sn_buf_printf(&out, "…\n");
out:
    bot_texts_fmt_free(w.time);
    free(title);
    free(meta);
    sn_buf_fini(&w.body);
    if (rc) {
        sn_buf_fini(&out);
        return NULL;
    }
    if (len)
        *len = out.len;
    return sn_buf_take(&out);
}

int bot_transcript_mail(struct store *st,
                        const struct bot_brain *b,
                        const struct store_conv *c,
                        struct bot_transcript_mail *out,
                        struct sn_err *err)
{
    const char *lang = strcmp(c->lang, "en") ? "ar" : "en";
    size_t n;
    memset(out, 0, sizeof *out);
    char *body = bot_transcript_text(st, b, c, &n, err);
    if (!body)
        return err ? err->code : SN_EDB;
    char *intro = bot_brain_text(b, BOT_TEXT_TRANSCRIPT_INTRO, lang, NULL);
    out->subject = bot_brain_text(b, BOT_TEXT_TRANSCRIPT_SUBJECT, lang, NULL);
    struct sn_buf t, h;
    sn_buf_init(&t, BOT_TRANSCRIPT_MAX_BYTES + 8192);
    sn_buf_init(&h, 2 * BOT_TRANSCRIPT_MAX_BYTES);
    sn_buf_printf(&t, "%s\n\n%s", intro, body);
    /* simple HTML: the language's direction, the transcript as preformatted text (it is
     * visitors' and agents' words: escaped, never markup) */
    sn_buf_printf(&h, "<!doctype html><html lang=\"%s\" dir=\"%s\"><body><p>", lang,
                  strcmp(lang, "ar") ? "ltr" : "rtl");
    bot_help_escs(&h, intro);
    sn_buf_adds(&h, "</p><pre style=\"white-space:pre-wrap;font-family:inherit\">");
    bot_help_escs(&h, body);
    sn_buf_adds(&h, "</pre></body></html>");
    out->text = sn_buf_take(&t);
    out->html = sn_buf_take(&h);
    free(intro);
    free(body);
    return SN_OK;
}

void bot_transcript_mail_fini(struct bot_transcript_mail *m)
{
    free(m->subject);
    free(m->text);
    free(m->html);
    memset(m, 0, sizeof *m);
}
