/* Case reply emails (see bot/casemail.h). */
#include "bot/casemail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/help_html.h" /* bot_help_esc: the one HTML escape of the server's pages and mails */
#include "bot/texts.h"

static const char *const keys[BOT_CASEMAIL_N] = {
    [BOT_CASEMAIL_SUBJECT] = "subject", [BOT_CASEMAIL_GREETING] = "greeting",
    [BOT_CASEMAIL_INTRO] = "intro",     [BOT_CASEMAIL_LINK] = "link",
    [BOT_CASEMAIL_FOOTER] = "footer",
};

/* The placeholders a template may hold, in the order of struct fill's values. */
enum { P_REF, P_AGENT, P_BOT, P_LINK, P_N };
static const char *const placeholders[P_N] = {"ref", "agent", "bot", "link"};

/* The mail is at most a few templates and one agent text (max_text characters): far below
 * the outbox's 256 KiB per part; the caps only bound a hostile template set. */
#define PART_MAX (64 * 1024)

/* The placeholder at p ("{name}"), or -1 when p starts none (a brace is then text). */
static int placeholder_at(const char *p, size_t *len)
{
    for (int i = 0; i < P_N; i++) {
        size_t n = strlen(placeholders[i]);
        if (p[0] == '{' && !strncmp(p + 1, placeholders[i], n) && p[n + 1] == '}') {
            *len = n + 2;
            return i;
        }
    }
    return -1;
}

/* A template must use known placeholders only ({word} that is none of them is a typo that
 * would reach a visitor); subject and footer must carry the reference. */
static int check_template(const char *t, int key, const char *lang, struct sn_err *err)
{
    int has_ref = 0;
    size_t n;
    for (const char *p = t; (p = strchr(p, '{')); p++) {
        int i = placeholder_at(p, &n);
        size_t w = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");
        if (i < 0 && w && p[w + 1] == '}')
            return sn_err_set(err, SN_EINVAL, "texts/mail-%s.json: %s: unknown placeholder {%.*s}",
                              lang, keys[key], (int)w, p + 1);
        has_ref |= i == P_REF;
    }
    if (!has_ref && (key == BOT_CASEMAIL_SUBJECT || key == BOT_CASEMAIL_FOOTER))
        return sn_err_set(err, SN_EINVAL, "texts/mail-%s.json: %s must hold {ref}", lang,
                          keys[key]);
    if (key == BOT_CASEMAIL_SUBJECT && strpbrk(t, "\r\n"))
        return sn_err_set(err, SN_EINVAL, "texts/mail-%s.json: subject: one line", lang);
    return SN_OK;
}

struct bot_textset *bot_casemail_texts_load(const char *dir, struct sn_err *err)
{
    static const char *const langs[] = {"ar", "en"};
    struct bot_textset *tx = bot_textset_load(dir, "mail", keys, BOT_CASEMAIL_N, err);
    for (int l = 0; tx && l < 2; l++)
        for (int k = 0; k < BOT_CASEMAIL_N; k++)
            if (check_template(bot_textset_get(tx, langs[l], k), k, langs[l], err)) {
                bot_textset_free(tx);
                return NULL;
            }
    return tx;
}

int bot_casemail_url_check(const char *url, struct sn_err *err)
{
    size_t n = strlen(url);
    size_t scheme = !strncmp(url, "https://", 8) ? 8 : !strncmp(url, "http://", 7) ? 7 : 0;
    if (!scheme)
        return sn_err_set(err, SN_EINVAL, "public_url: expected http://… or https://…");
    if (n > BOT_CASEMAIL_URL_MAX)
        return sn_err_set(err, SN_EINVAL, "public_url: longer than %d bytes", BOT_CASEMAIL_URL_MAX);
    if (!url[scheme] || url[scheme] == '/')
        return sn_err_set(err, SN_EINVAL, "public_url: no host");
    /* it goes into an HTML attribute and a text line: nothing that could end either */
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\`#", *p))
            return sn_err_set(err, SN_EINVAL,
                              "public_url: white space, a quote, <, >, \\, ` or # at byte %zu",
                              (size_t)(p - (const unsigned char *)url));
    return SN_OK;
}

void bot_casemail_link(const char *url, const char *ref, char out[BOT_CASEMAIL_LINK_MAX])
{
    if (!url || !*url)
        *out = 0;
    else
        snprintf(out, BOT_CASEMAIL_LINK_MAX, "%s#sanad-case=%s", url, ref);
}

static void put(struct sn_buf *b, const char *s, size_t n, int html)
{
    if (html)
        bot_help_esc(b, s, n);
    else
        sn_buf_add(b, s, n);
}

/* Template t with its placeholders replaced by v[], into b; escaped for html. In HTML the
 * link is an anchor. */
static void fill(struct sn_buf *b, const char *t, const char *const v[P_N], int html)
{
    const char *p = t;
    size_t n;
    while (*p) {
        const char *q = strchr(p, '{');
        int i = -1;
        while (q && (i = placeholder_at(q, &n)) < 0)
            q = strchr(q + 1, '{');
        if (!q) {
            put(b, p, strlen(p), html);
            break;
        }
        put(b, p, (size_t)(q - p), html);
        const char *val = v[i] ? v[i] : "";
        if (html && i == P_LINK) {
            sn_buf_adds(b, "<a href=\"");
            bot_help_escs(b, val);
            sn_buf_adds(b, "\">");
            bot_help_escs(b, val);
            sn_buf_adds(b, "</a>");
        } else {
            put(b, val, strlen(val), html);
        }
        p = q + n;
    }
}

/* The agent's words, as the text part shows them: each line as it is, CRs dropped. */
static void words(struct sn_buf *b, const char *s)
{
    for (; *s; s++)
        if (*s != '\r')
            sn_buf_add(b, s, 1);
}

int bot_casemail_render(const struct bot_textset *tx,
                        const struct bot_casemail_in *in,
                        struct bot_casemail *out,
                        struct sn_err *err)
{
    (void)err;
    const char *lang = in->lang && !strcmp(in->lang, "ar") ? "ar" : "en";
    const char *v[P_N] = {in->ref, in->agent, in->bot, in->link};
    int link = in->link && *in->link;
    struct sn_buf s, t, h;
    sn_buf_init(&s, 4096);
    sn_buf_init(&t, PART_MAX);
    sn_buf_init(&h, 2 * PART_MAX);
#define TPL(k) bot_textset_get(tx, lang, (k))
    fill(&s, TPL(BOT_CASEMAIL_SUBJECT), v, 0);

    fill(&t, TPL(BOT_CASEMAIL_GREETING), v, 0);
    sn_buf_adds(&t, "\n\n");
    fill(&t, TPL(BOT_CASEMAIL_INTRO), v, 0);
    sn_buf_adds(&t, "\n\n");
    words(&t, in->text ? in->text : "");
    sn_buf_adds(&t, "\n\n");
    if (link) {
        fill(&t, TPL(BOT_CASEMAIL_LINK), v, 0);
        sn_buf_adds(&t, "\n\n");
    }
    fill(&t, TPL(BOT_CASEMAIL_FOOTER), v, 0);
    sn_buf_adds(&t, "\n");

    /* simple HTML: the language's direction; the agent's words escaped, their lines kept */
    sn_buf_printf(&h,
                  "<!doctype html><html lang=\"%s\" dir=\"%s\"><head><meta charset=\"utf-8\">"
                  "<title>",
                  lang, strcmp(lang, "ar") ? "ltr" : "rtl");
    fill(&h, TPL(BOT_CASEMAIL_SUBJECT), v, 1);
    sn_buf_adds(&h, "</title></head><body><p>");
    fill(&h, TPL(BOT_CASEMAIL_GREETING), v, 1);
    sn_buf_adds(&h, "</p><p>");
    fill(&h, TPL(BOT_CASEMAIL_INTRO), v, 1);
    sn_buf_adds(&h, "</p><blockquote style=\"white-space:pre-wrap;margin:1em 0;padding:0 1em;"
                    "border-inline-start:3px solid #ccc\">");
    const char *w = in->text ? in->text : "";
    bot_help_escs(&h, w);
    sn_buf_adds(&h, "</blockquote>");
    if (link) {
        sn_buf_adds(&h, "<p>");
        fill(&h, TPL(BOT_CASEMAIL_LINK), v, 1);
        sn_buf_adds(&h, "</p>");
    }
    sn_buf_adds(&h, "<p style=\"color:#666\">");
    fill(&h, TPL(BOT_CASEMAIL_FOOTER), v, 1);
    sn_buf_adds(&h, "</p></body></html>");
#undef TPL
    out->subject = sn_buf_take(&s);
    out->text = sn_buf_take(&t);
    out->html = sn_buf_take(&h);
    return SN_OK;
}

void bot_casemail_fini(struct bot_casemail *m)
{
    free(m->subject);
    free(m->text);
    free(m->html);
    memset(m, 0, sizeof *m);
}
