/* The help center's pages (bot/help.h): the request's method and path pick a page from one
 * table, the page is rendered into a buffer from the base as it is now, and written on
 * HTTP_WRITEABLE in pieces. Votes are a plain form POST (no JavaScript needed): Origin
 * checked as the API's, counted once per form, answered with 303 back to the article. */
#include "bot/help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <sodium.h>
#include <unicode/umsg.h>
#include <unicode/ustring.h>

#include "bot/batch.h"
#include "bot/config.h"
#include "bot/dialogue.h"
#include "bot/help_html.h"
#include "bot/httpbody.h"
#include "bot/server.h"
#include "bot/texts.h"
#include "bot/ws.h"
#include "bot/ws_visitor.h"
#include "kb/feedback.h"
#include "kb/gap.h"
#include "kb/kb.h"

/* The help center's texts: texts/help-ar.json and help-en.json hold exactly these keys. */
enum {
    HT_TITLE,          /* the help center's name */
    HT_DESCRIPTION,    /* meta description of the list */
    HT_INTRO,          /* under the title of the list */
    HT_SEARCH_LABEL,   /* the search box's label */
    HT_SEARCH_HINT,    /* its placeholder */
    HT_SEARCH_BUTTON,  /* its button */
    HT_RESULTS,        /* above the articles a search found */
    HT_NO_RESULTS,     /* a search with no good match */
    HT_BAD_QUERY,      /* a search that could not be read (bad UTF-8, too long) */
    HT_COUNT,          /* "{0, plural, …}": how many articles the list holds (ICU) */
    HT_EMPTY,          /* the list holds none */
    HT_OTHER_CATEGORY, /* the heading of entries without a category */
    HT_OTHER_LANG,     /* the language switch's link text (the other language's name) */
    HT_ALL_ARTICLES,   /* back to the list */
    HT_HELPFUL,        /* "Was this helpful?" */
    HT_YES,
    HT_NO,
    HT_THANKS,       /* after a vote */
    HT_PERSON_TITLE, /* above the way to a person */
    HT_ASK_PERSON,   /* the link that opens the chat with the question */
    HT_CONTACT,      /* before the help_contact line */
    HT_NOT_FOUND_TITLE,
    HT_NOT_FOUND,
    HT_FORBIDDEN,   /* a vote from another site's page */
    HT_METHOD,      /* 405 */
    HT_BAD_REQUEST, /* 400, 413, 415: a form that could not be read */
    HT_ERROR,       /* 500 */
    HT_N
};
static const char *const help_keys[HT_N] = {
    [HT_TITLE] = "title",
    [HT_DESCRIPTION] = "description",
    [HT_INTRO] = "intro",
    [HT_SEARCH_LABEL] = "search_label",
    [HT_SEARCH_HINT] = "search_hint",
    [HT_SEARCH_BUTTON] = "search_button",
    [HT_RESULTS] = "results",
    [HT_NO_RESULTS] = "no_results",
    [HT_BAD_QUERY] = "bad_query",
    [HT_COUNT] = "count",
    [HT_EMPTY] = "empty",
    [HT_OTHER_CATEGORY] = "other_category",
    [HT_OTHER_LANG] = "other_lang",
    [HT_ALL_ARTICLES] = "all_articles",
    [HT_HELPFUL] = "helpful",
    [HT_YES] = "yes",
    [HT_NO] = "no",
    [HT_THANKS] = "thanks",
    [HT_PERSON_TITLE] = "person_title",
    [HT_ASK_PERSON] = "ask_person",
    [HT_CONTACT] = "contact",
    [HT_NOT_FOUND_TITLE] = "not_found_title",
    [HT_NOT_FOUND] = "not_found",
    [HT_FORBIDDEN] = "forbidden",
    [HT_METHOD] = "method",
    [HT_BAD_REQUEST] = "bad_request",
    [HT_ERROR] = "error",
};

#define TOKEN_BYTES 16
#define SEEN_MAX    4096 /* vote forms remembered as counted (a ring) */

struct bot_help {
    struct bot_textset *tx;
    unsigned char seen[SEEN_MAX][TOKEN_BYTES];
    int nseen, next;
};

/* Methods, by the lws header token that carries the URI. */
enum { M_GET = 1, M_HEAD = 2, M_POST = 4, M_OTHER = 8 };
static const struct {
    enum lws_token_indexes tok;
    int method;
} methods[] = {
    {WSI_TOKEN_GET_URI, M_GET},       {WSI_TOKEN_POST_URI, M_POST},
    {WSI_TOKEN_HEAD_URI, M_HEAD},     {WSI_TOKEN_PUT_URI, M_OTHER},
    {WSI_TOKEN_PATCH_URI, M_OTHER},   {WSI_TOKEN_DELETE_URI, M_OTHER},
    {WSI_TOKEN_OPTIONS_URI, M_OTHER},
};

/* What each page allows, and the Allow header of its 405. */
static const struct {
    int methods;
    const char *allow;
} pages[BOT_HELP_NPAGES] = {
    [BOT_HELP_NOTFOUND] = {M_GET | M_HEAD, "GET, HEAD"},
    [BOT_HELP_PICK] = {M_GET | M_HEAD, "GET, HEAD"},
    [BOT_HELP_INDEX] = {M_GET | M_HEAD, "GET, HEAD"},
    [BOT_HELP_ARTICLE] = {M_GET | M_HEAD, "GET, HEAD"},
    [BOT_HELP_VOTE] = {M_POST, "POST"},
};

/* No script in the page itself: the widget's file only, its socket, its stylesheet. */
#define CSP                                                                           \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

struct bot_help_req {
    int method;
    struct bot_help_path path;
    int toobig;
    int close; /* close the connection after the answer (a body left unread) */
    struct sn_buf body;
    unsigned char *resp; /* LWS_PRE headroom + the page */
    size_t resp_len, off;
    int head; /* HEAD: the headers only */
};

static struct bot_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void req_free(struct bot_help_req *r)
{
    if (!r)
        return;
    sn_buf_fini(&r->body);
    free(r->resp);
    free(r);
}

/* 1 when ICU takes pattern as a MessageFormat in lang. */
static int pattern_ok(const char *pattern, const char *lang)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar pat[1024];
    int32_t plen = 0;
    u_strFromUTF8(pat, 1024, &plen, pattern, -1, &st);
    UMessageFormat *f = U_SUCCESS(st) ? umsg_open(pat, plen, lang, NULL, &st) : NULL;
    if (f)
        umsg_close(f);
    return U_SUCCESS(st);
}

struct bot_help *bot_help_new(const char *texts_dir, struct sn_err *err)
{
    struct bot_textset *tx = bot_textset_load(texts_dir, "help", help_keys, HT_N, err);
    if (!tx)
        return NULL;
    /* a count the pages could not render refuses the start, as a bad text file does */
    for (const char *const *l = (const char *const[]){"ar", "en", NULL}; *l; l++)
        if (!pattern_ok(bot_textset_get(tx, *l, HT_COUNT), *l)) {
            sn_err_set(err, SN_EINVAL, "texts/help-%s.json: \"count\" is not an ICU plural pattern",
                       *l);
            bot_textset_free(tx);
            return NULL;
        }
    struct bot_help *h = sn_xcalloc(1, sizeof *h);
    h->tx = tx;
    return h;
}

void bot_help_free(struct bot_help *h)
{
    if (!h)
        return;
    bot_textset_free(h->tx);
    free(h);
}

static const char *T(const struct bot_help *h, const char *lang, int id)
{
    return bot_textset_get(h->tx, lang, id);
}

static const char *other_lang(const char *lang)
{
    return strcmp(lang, "ar") ? "ar" : "en";
}

/* Forms: a token is remembered once counted, so a form sent twice counts once. 1 when tok
 * was new (and is now remembered). */
static int token_first(struct bot_help *h, const unsigned char *tok)
{
    for (int i = 0; i < h->nseen; i++)
        if (!memcmp(h->seen[i], tok, TOKEN_BYTES))
            return 0;
    memcpy(h->seen[h->next], tok, TOKEN_BYTES);
    h->next = (h->next + 1) % SEEN_MAX;
    if (h->nseen < SEEN_MAX)
        h->nseen++;
    return 1;
}

/* The count text (an ICU MessageFormat pattern with one plural argument) for n in lang,
 * appended escaped; the pattern as it is when ICU refuses it. */
static void count_text(struct sn_buf *b, const char *pattern, int n, const char *lang)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar pat[1024], out[1024];
    char utf8[3072];
    int32_t plen = 0, olen = 0, ulen = 0;
    UMessageFormat *f = NULL;
    u_strFromUTF8(pat, 1024, &plen, pattern, -1, &st);
    if (U_SUCCESS(st))
        f = umsg_open(pat, plen, lang, NULL, &st);
    if (U_SUCCESS(st))
        olen = umsg_format(f, out, 1024, &st, (double)n); /* a plural argument is a double */
    if (U_SUCCESS(st))
        u_strToUTF8(utf8, sizeof utf8, &ulen, out, olen, &st);
    if (f)
        umsg_close(f);
    if (U_SUCCESS(st) && ulen < (int32_t)sizeof utf8)
        bot_help_esc(b, utf8, (size_t)ulen);
    else
        bot_help_escs(b, pattern);
}

/* The scheme and host the page's absolute URLs start with: the Host the client named when
 * it is a plain host[:port] (server_names, when set, already refused any other), else none
 * (the URLs are then relative). */
static void origin_of(struct lws *wsi, char *out, size_t size)
{
    char host[256], ip[64];
    out[0] = 0;
    int https = bot_http_client(wsi, server_of(wsi), ip, sizeof ip);
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(host))
        return;
    snprintf(out, size, "%s://%s", https ? "https" : "http", host);
}

/* The head of every page: lang and dir, title, description, canonical URL (path under the
 * origin), the stylesheet, the header with the language switch (switch: its target, NULL:
 * none), and noindex for pages a search engine should not keep (searches, errors). */
static void page_start(struct sn_buf *b,
                       struct lws *wsi,
                       const struct bot_help *h,
                       const char *lang,
                       const char *title,
                       const char *description,
                       const char *canonical,
                       const char *switch_to,
                       int noindex)
{
    char origin[300];
    origin_of(wsi, origin, sizeof origin);
    sn_buf_printf(
        b,
        "<!doctype html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>",
        lang, strcmp(lang, "ar") ? "ltr" : "rtl");
    bot_help_escs(b, title);
    if (strcmp(title, T(h, lang, HT_TITLE))) {
        sn_buf_adds(b, " — ");
        bot_help_escs(b, T(h, lang, HT_TITLE));
    }
    sn_buf_adds(b, "</title>\n<meta name=\"description\" content=\"");
    bot_help_escs(b, description);
    sn_buf_adds(b, "\">\n");
    if (noindex) /* a search or an error: the list and the articles are what to index */
        sn_buf_adds(b, "<meta name=\"robots\" content=\"noindex\">\n");
    if (canonical) {
        sn_buf_adds(b, "<link rel=\"canonical\" href=\"");
        bot_help_escs(b, origin);
        bot_help_escs(b, canonical);
        sn_buf_adds(b, "\">\n");
    }
    sn_buf_adds(b, "<link rel=\"stylesheet\" href=\"/sanad-help.css\">\n</head>\n<body>\n"
                   "<header class=\"top\"><a class=\"home\" href=\"/help/");
    sn_buf_printf(b, "%s/\">", lang);
    bot_help_escs(b, T(h, lang, HT_TITLE));
    sn_buf_adds(b, "</a>");
    if (switch_to) {
        const char *ol = other_lang(lang);
        sn_buf_printf(b, "<a class=\"lang\" href=\"%s\" lang=\"%s\" hreflang=\"%s\">", switch_to,
                      ol, ol);
        bot_help_escs(b, T(h, ol, HT_OTHER_LANG));
        sn_buf_adds(b, "</a>");
    }
    sn_buf_adds(b, "</header>\n<main>\n");
}

/* The end of every page: the contact line and the widget (its file only: no inline script,
 * the CSP allows none). */
static void page_end(struct sn_buf *b, struct lws *wsi, const struct bot_help *h, const char *lang)
{
    const char *contact = server_of(wsi)->cfg->help_contact;
    sn_buf_adds(b, "</main>\n<footer class=\"contact\" id=\"contact\">");
    if (contact && *contact) {
        sn_buf_adds(b, "<span>");
        bot_help_escs(b, T(h, lang, HT_CONTACT));
        sn_buf_adds(b, "</span> <span dir=\"auto\">");
        bot_help_escs(b, contact);
        sn_buf_adds(b, "</span>");
    }
    sn_buf_printf(b,
                  "</footer>\n<script src=\"/widget.js\" data-lang=\"%s\" async></script>\n"
                  "</body>\n</html>\n",
                  lang);
}

static void search_form(struct sn_buf *b, const struct bot_help *h, const char *lang, const char *q)
{
    sn_buf_printf(b,
                  "<form class=\"search\" role=\"search\" method=\"get\" action=\"/help/%s/\">"
                  "<label for=\"q\">",
                  lang);
    bot_help_escs(b, T(h, lang, HT_SEARCH_LABEL));
    sn_buf_printf(b,
                  "</label><input id=\"q\" name=\"q\" type=\"search\" dir=\"auto\" "
                  "maxlength=\"%d\" placeholder=\"",
                  BOT_HELP_MAX_QUERY);
    bot_help_escs(b, T(h, lang, HT_SEARCH_HINT));
    sn_buf_adds(b, "\" value=\"");
    bot_help_escs(b, q);
    sn_buf_adds(b, "\"><button type=\"submit\">");
    bot_help_escs(b, T(h, lang, HT_SEARCH_BUTTON));
    sn_buf_adds(b, "</button></form>\n");
}

/* The way to a person: opens the widget with text in its input (data-sanad-ask, the
 * widget's hook), and without JavaScript goes to the contact line. */
static void person(struct sn_buf *b, const struct bot_help *h, const char *lang, const char *text)
{
    sn_buf_adds(b, "<section class=\"person\"><h2>");
    bot_help_escs(b, T(h, lang, HT_PERSON_TITLE));
    sn_buf_adds(b, "</h2><p><a class=\"ask\" href=\"#contact\" data-sanad-ask=\"");
    bot_help_escs(b, text);
    sn_buf_adds(b, "\">");
    bot_help_escs(b, T(h, lang, HT_ASK_PERSON));
    sn_buf_adds(b, "</a></p></section>\n");
}

static void article_link(struct sn_buf *b, const char *lang, const struct kb_entry *e)
{
    sn_buf_printf(b, "<a href=\"/help/%s/", lang);
    bot_help_escs(b, e->id); /* [A-Za-z0-9._-]: nothing to escape, but one rule for all */
    sn_buf_adds(b, "\">");
    bot_help_escs(b, e->question);
    sn_buf_adds(b, "</a>");
}

static int by_category(const void *a, const void *b)
{
    const struct kb_entry *x = *(struct kb_entry *const *)a, *y = *(struct kb_entry *const *)b;
    /* entries without a category last, under their own heading */
    if (!*x->category != !*y->category)
        return *x->category ? -1 : 1;
    int c = strcmp(x->category, y->category);
    return c ? c : strcmp(x->question, y->question);
}

/* The published entries of lang grouped by category. */
static int list(
    struct sn_buf *b, struct kb *kb, const struct bot_help *h, const char *lang, struct sn_err *err)
{
    struct kb_filter f = {.lang = lang, .category = NULL, .status = KB_PUBLISHED};
    struct kb_entry_list l;
    kb_entry_list_init(&l);
    int rc = kb_entry_list(kb, &f, &l, err);
    if (rc)
        goto out;
    qsort(l.v, l.n, sizeof *l.v, by_category);
    sn_buf_adds(b, "<p class=\"count\">");
    count_text(b, T(h, lang, HT_COUNT), (int)l.n, lang);
    sn_buf_adds(b, "</p>\n");
    if (!l.n) {
        sn_buf_adds(b, "<p class=\"empty\">");
        bot_help_escs(b, T(h, lang, HT_EMPTY));
        sn_buf_adds(b, "</p>\n");
    }
    for (size_t i = 0; i < l.n; i++) {
        const struct kb_entry *e = l.v[i];
        if (!i || strcmp(e->category, l.v[i - 1]->category)) {
            if (i)
                sn_buf_adds(b, "</ul></section>\n");
            sn_buf_adds(b, "<section class=\"category\"><h2>");
            bot_help_escs(b, *e->category ? e->category : T(h, lang, HT_OTHER_CATEGORY));
            sn_buf_adds(b, "</h2><ul>");
        }
        sn_buf_adds(b, "<li>");
        article_link(b, lang, e);
        sn_buf_adds(b, "</li>");
    }
    if (l.n)
        sn_buf_adds(b, "</ul></section>\n");
out:
    kb_entry_list_fini(&l);
    return rc;
}

/* The answer's first words for a result (cut on a character, then "…"). */
static void snippet(struct sn_buf *b, const char *answer)
{
    size_t n = strlen(answer), max = 240;
    if (n > max) {
        n = max;
        while (n && ((unsigned char)answer[n] & 0xC0) == 0x80)
            n--;
    }
    sn_buf_adds(b, "<p class=\"snippet\">");
    bot_help_esc(b, answer, n);
    if (n < strlen(answer))
        sn_buf_adds(b, "…");
    sn_buf_adds(b, "</p>");
}

/* A search as the bot searches (its options, its bands): the articles it would answer or
 * suggest, or "nothing matches well", which is recorded as a gap as a chat question is. */
static int results(struct sn_buf *b,
                   struct bot_server *srv,
                   const char *lang,
                   const char *q,
                   int q_bad,
                   struct sn_err *err)
{
    const struct bot_help *h = srv->help;
    struct kb_results *r = NULL;
    int rc = SN_OK, shown = 0;
    sn_buf_adds(b, "<section class=\"results\" aria-live=\"polite\"><h2>");
    bot_help_escs(b, T(h, lang, HT_RESULTS));
    sn_buf_adds(b, "</h2>\n");
    if (!q_bad) {
        /* the bot's own ranking of q in this language (bot_brain_search: its options,
         * bands and targets), read-only; the gap below is logged as the bot logs it */
        rc = bot_brain_search(srv->brain, lang, 0, q, 0, &r, err);
        if (rc == SN_EINVAL || rc == SN_ETOOBIG) {
            q_bad = 1;
            rc = SN_OK;
        }
        if (rc)
            goto out;
    }
    if (q_bad) {
        sn_buf_adds(b, "<p class=\"none\">");
        bot_help_escs(b, T(h, lang, HT_BAD_QUERY));
        sn_buf_adds(b, "</p>");
        goto out;
    }
    for (int i = 0; i < r->n; i++) {
        if (r->v[i].band < KB_BAND_MEDIUM || strcmp(r->v[i].lang, lang))
            continue;
        if (!shown++)
            sn_buf_adds(b, "<ol class=\"hits\">");
        struct kb_entry e = {.id = r->v[i].id, .question = r->v[i].question};
        sn_buf_printf(b, "<li data-band=\"%s\">", kb_band_name(r->v[i].band));
        article_link(b, lang, &e);
        snippet(b, r->v[i].answer);
        sn_buf_adds(b, "</li>");
    }
    if (shown) {
        sn_buf_adds(b, "</ol>\n");
    } else {
        bot_brain_log_gap(srv->brain, q, lang, KB_GAP_LOW);
        sn_buf_adds(b, "<p class=\"none\">");
        bot_help_escs(b, T(h, lang, HT_NO_RESULTS));
        sn_buf_adds(b, "</p>\n");
    }
out:
    sn_buf_adds(b, "</section>\n");
    if (!rc && (q_bad || !shown))
        person(b, h, lang, q);
    kb_results_free(r);
    return rc;
}

/* The page's status and body for r into *b. */
static int
render_index(struct lws *wsi, struct bot_help_req *r, struct sn_buf *b, struct sn_err *err)
{
    struct bot_server *srv = server_of(wsi);
    const struct bot_help *h = srv->help;
    const char *lang = r->path.lang;
    char q[BOT_HELP_MAX_QUERY + 1], args[4 * BOT_HELP_MAX_QUERY], canon[16], sw[16];
    int qn = -1, q_bad = 0;
    /* lws keeps the query decoded, fragment by fragment; q is found by name among them. A
     * fragment too long to copy may be q: the search is then refused, not silently dropped */
    for (int i = 0, fl; (fl = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i)) > 0; i++) {
        if (fl >= (int)sizeof args ||
            lws_hdr_copy_fragment(wsi, args, sizeof args, WSI_TOKEN_HTTP_URI_ARGS, i) <= 0) {
            q_bad = 1;
            qn = 1;
            q[0] = 0;
            break;
        }
        if (!strncmp(args, "q=", 2)) {
            size_t n = strlen(args + 2);
            q_bad = n > BOT_HELP_MAX_QUERY || !sn_utf8_valid(args + 2, n, NULL);
            if (q_bad)
                q[0] = 0;
            else
                memcpy(q, args + 2, n + 1); /* n <= BOT_HELP_MAX_QUERY: it fits */
            qn = (int)n;
            break;
        }
    }
    if (qn < 0)
        q[0] = 0;
    /* blanks only: no search */
    int searching = q_bad || (qn > 0 && strspn(q, " \t\r\n") < strlen(q));
    snprintf(canon, sizeof canon, "/help/%s/", lang);
    snprintf(sw, sizeof sw, "/help/%s/", other_lang(lang));
    page_start(b, wsi, h, lang, T(h, lang, HT_TITLE), T(h, lang, HT_DESCRIPTION), canon, sw,
               searching);
    sn_buf_adds(b, "<h1>");
    bot_help_escs(b, T(h, lang, HT_TITLE));
    sn_buf_adds(b, "</h1>\n<p class=\"intro\">");
    bot_help_escs(b, T(h, lang, HT_INTRO));
    sn_buf_adds(b, "</p>\n");
    search_form(b, h, lang, q);
    int rc = searching ? results(b, srv, lang, q, q_bad, err) : SN_OK;
    if (rc == SN_OK)
        rc = list(b, srv->kb, h, lang, err);
    page_end(b, wsi, h, lang);
    return rc ? rc : 200;
}

static void not_found_body(struct lws *wsi,
                           struct sn_buf *b,
                           const struct bot_help *h,
                           const char *lang,
                           int title,
                           int text)
{
    char sw[16];
    snprintf(sw, sizeof sw, "/help/%s/", other_lang(lang));
    page_start(b, wsi, h, lang, T(h, lang, title), T(h, lang, text), NULL, sw, 1);
    sn_buf_adds(b, "<h1>");
    bot_help_escs(b, T(h, lang, title));
    sn_buf_adds(b, "</h1>\n<p>");
    bot_help_escs(b, T(h, lang, text));
    sn_buf_printf(b, "</p>\n<p><a href=\"/help/%s/\">", lang);
    bot_help_escs(b, T(h, lang, HT_ALL_ARTICLES));
    sn_buf_adds(b, "</a></p>\n");
    search_form(b, h, lang, "");
    page_end(b, wsi, h, lang);
}

/* The published entry of r's path in r's language, or NULL (owned by the caller). */
static struct kb_entry *published(struct kb *kb, const struct bot_help_path *p, struct sn_err *err)
{
    struct kb_entry *e = kb_entry_get(kb, p->id, err);
    if (e && (e->status != KB_PUBLISHED || strcmp(e->lang, p->lang))) {
        kb_entry_free(e);
        e = NULL;
        sn_err_set(err, SN_ENOTFOUND, "not published in this language");
    }
    return e;
}

static int
render_article(struct lws *wsi, struct bot_help_req *r, struct sn_buf *b, struct sn_err *err)
{
    struct bot_server *srv = server_of(wsi);
    const struct bot_help *h = srv->help;
    const char *lang = r->path.lang;
    char canon[16 + BOT_HELP_MAX_ID], voted[32] = "", args[32], sw[16];
    unsigned char tok[TOKEN_BYTES];
    char hex[2 * TOKEN_BYTES + 1];
    struct kb_entry *e = published(srv->kb, &r->path, err);
    if (!e)
        return err->code == SN_ENOTFOUND ? 404 : err->code;
    for (int i = 0; lws_hdr_copy_fragment(wsi, args, sizeof args, WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
         i++)
        if (!strncmp(args, "voted=", 6))
            snprintf(voted, sizeof voted, "%s", args + 6);
    snprintf(canon, sizeof canon, "/help/%s/%s", lang, e->id);
    snprintf(sw, sizeof sw, "/help/%s/", other_lang(lang));
    /* the description is the answer's start, as a search engine would show it */
    char desc[200];
    size_t dn = strlen(e->answer) < sizeof desc - 1 ? strlen(e->answer) : sizeof desc - 1;
    while (dn && ((unsigned char)e->answer[dn] & 0xC0) == 0x80)
        dn--;
    memcpy(desc, e->answer, dn);
    desc[dn] = 0;
    for (char *c = desc; *c; c++)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
    page_start(b, wsi, h, lang, e->question, desc, canon, sw, 0);
    sn_buf_printf(b, "<nav class=\"crumbs\"><a href=\"/help/%s/\">", lang);
    bot_help_escs(b, T(h, lang, HT_ALL_ARTICLES));
    sn_buf_adds(b, "</a>");
    if (*e->category) {
        sn_buf_adds(b, " › <span>");
        bot_help_escs(b, e->category);
        sn_buf_adds(b, "</span>");
    }
    sn_buf_adds(b, "</nav>\n<article><h1>");
    bot_help_escs(b, e->question);
    sn_buf_adds(b, "</h1>\n<div class=\"answer\">");
    bot_help_linkify(b, e->answer);
    sn_buf_adds(b, "</div>\n</article>\n<section class=\"helpful\"><h2>");
    bot_help_escs(b, T(h, lang, HT_HELPFUL));
    sn_buf_adds(b, "</h2>");
    if (!strcmp(voted, "1")) {
        sn_buf_adds(b, "<p class=\"thanks\" role=\"status\">");
        bot_help_escs(b, T(h, lang, HT_THANKS));
        sn_buf_adds(b, "</p>");
    } else {
        randombytes_buf(tok, sizeof tok);
        sodium_bin2hex(hex, sizeof hex, tok, sizeof tok);
        sn_buf_printf(b, "<form method=\"post\" action=\"/help/%s/", lang);
        bot_help_escs(b, e->id);
        sn_buf_printf(b,
                      "/vote\"><input type=\"hidden\" name=\"t\" value=\"%s\">"
                      "<button type=\"submit\" name=\"v\" value=\"yes\">",
                      hex);
        bot_help_escs(b, T(h, lang, HT_YES));
        sn_buf_adds(b, "</button><button type=\"submit\" name=\"v\" value=\"no\">");
        bot_help_escs(b, T(h, lang, HT_NO));
        sn_buf_adds(b, "</button></form>");
    }
    sn_buf_adds(b, "</section>\n");
    person(b, h, lang, e->question);
    page_end(b, wsi, h, lang);
    kb_entry_free(e);
    return 200;
}

/* Headers common to every answer, then the page into r->resp for WRITEABLE. location: a
 * redirect's target (NULL: none). */
static int respond(struct lws *wsi,
                   struct bot_help_req *r,
                   int status,
                   struct sn_buf *page,
                   const char *location,
                   const char *allow,
                   const char *lang)
{
    unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *pos = start,
                                       *end = buf + sizeof buf - 1;
    const char *cache = r->method == M_POST || status >= 300 ? "no-store" : "no-cache";
    free(r->resp);
    r->resp_len = page ? page->len : 0;
    r->resp = sn_xmalloc(LWS_PRE + r->resp_len + 1);
    if (page && page->len)
        memcpy(r->resp + LWS_PRE, page->p, page->len);
    r->off = 0;
    struct {
        const char *name, *value;
    } hdrs[] = {
        {"content-security-policy:", CSP},
        {"x-content-type-options:", "nosniff"},
        {"referrer-policy:", "same-origin"},
        {"x-frame-options:", "DENY"},
        {"content-language:", lang},
        {"vary:", r->path.page == BOT_HELP_PICK ? "Accept-Language" : NULL},
        {"location:", location},
        {"allow:", allow},
        {"connection:", r->close ? "close" : NULL},
    };
    if (lws_add_http_common_headers(wsi, (unsigned int)status, "text/html; charset=utf-8",
                                    (lws_filepos_t)r->resp_len, &pos, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, (unsigned char *)cache,
                                     (int)strlen(cache), &pos, end))
        return -1;
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++)
        if (hdrs[i].value && lws_add_http_header_by_name(wsi, (const unsigned char *)hdrs[i].name,
                                                         (const unsigned char *)hdrs[i].value,
                                                         (int)strlen(hdrs[i].value), &pos, end))
            return -1;
    if (lws_finalize_write_http_header(wsi, start, &pos, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

/* An error page (404, 403, 405, 413, 415, 500) in lang. */
/* The error pages: status, heading, text. */
static const struct {
    int status, title, text;
} errors[] = {
    {400, HT_BAD_REQUEST, HT_BAD_REQUEST},
    {403, HT_FORBIDDEN, HT_FORBIDDEN},
    {404, HT_NOT_FOUND_TITLE, HT_NOT_FOUND},
    {405, HT_METHOD, HT_METHOD},
    {413, HT_BAD_REQUEST, HT_BAD_REQUEST},
    {415, HT_BAD_REQUEST, HT_BAD_REQUEST},
    {500, HT_ERROR, HT_ERROR},
};

/* An error page (a status of the table above; anything else is 500) in lang. */
static int error_page(struct lws *wsi, struct bot_help_req *r, int status, const char *lang)
{
    struct bot_server *srv = server_of(wsi);
    struct sn_buf b;
    size_t i = 0, n = sizeof errors / sizeof errors[0];
    while (i < n - 1 && errors[i].status != status)
        i++;
    sn_buf_init(&b, BOT_HELP_MAX_PAGE);
    not_found_body(wsi, &b, srv->help, lang, errors[i].title, errors[i].text);
    int rc = respond(wsi, r, errors[i].status, &b, NULL,
                     errors[i].status == 405 ? pages[r->path.page].allow : NULL, lang);
    sn_buf_fini(&b);
    return rc;
}

static int
redirect(struct lws *wsi, struct bot_help_req *r, int status, const char *to, const char *lang)
{
    return respond(wsi, r, status, NULL, to, NULL, lang);
}

/* POST /help/{lang}/{id}/vote with the form's body: counted once, then back to the article. */
static int vote(struct lws *wsi, struct bot_help_req *r)
{
    struct bot_server *srv = server_of(wsi);
    struct sn_err e = {0};
    char v[8], t[2 * TOKEN_BYTES + 2], to[32 + BOT_HELP_MAX_ID];
    unsigned char tok[TOKEN_BYTES];
    size_t tl = 0;
    const char *lang = r->path.lang;
    if (r->toobig)
        return error_page(wsi, r, 413, lang);
    struct kb_entry *en = published(srv->kb, &r->path, &e);
    if (!en)
        return error_page(wsi, r, e.code == SN_ENOTFOUND ? 404 : 500, lang);
    kb_entry_free(en);
    int vn = bot_help_form_get(r->body.p, r->body.len, "v", v, sizeof v);
    if (vn < 0 || (strcmp(v, "yes") && strcmp(v, "no")))
        return error_page(wsi, r, 400, lang);
    int tn = bot_help_form_get(r->body.p, r->body.len, "t", t, sizeof t);
    int fresh = 1;
    if (tn == 2 * TOKEN_BYTES && !sodium_hex2bin(tok, sizeof tok, t, (size_t)tn, NULL, &tl, NULL) &&
        tl == TOKEN_BYTES)
        fresh = token_first(srv->help, tok);
    if (fresh) {
        if (kb_feedback_add(srv->kb, r->path.id, !strcmp(v, "yes"), 0, &e)) {
            sn_log(SN_LOG_ERR, "help", "event=vote_failed err=\"%s\"", e.msg);
            return error_page(wsi, r, 500, lang);
        }
        bot_batch_flush(srv); /* stored before the thank-you says so */
    }
    sn_log(SN_LOG_INFO, "help", "event=vote entry=%s helpful=%d counted=%d", r->path.id,
           !strcmp(v, "yes"), fresh);
    snprintf(to, sizeof to, "/help/%s/%s?voted=1", lang, r->path.id);
    return redirect(wsi, r, 303, to, lang);
}

static int dispatch(struct lws *wsi, struct bot_help_req *r)
{
    struct sn_err e = {0};
    struct sn_buf b;
    const char *lang = r->path.lang[0] ? r->path.lang : "ar";
    int st, rc;
    if (!(pages[r->path.page].methods & r->method))
        return error_page(wsi, r, r->path.page == BOT_HELP_NOTFOUND ? 404 : 405, lang);
    switch (r->path.page) {
    case BOT_HELP_PICK: {
        char al[256] = "", to[16];
        if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE) < (int)sizeof al)
            lws_hdr_copy(wsi, al, sizeof al, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE);
        lang = bot_help_pick_lang(al);
        snprintf(to, sizeof to, "/help/%s/", lang);
        return redirect(wsi, r, 302, to, lang);
    }
    case BOT_HELP_VOTE:
        return vote(wsi, r);
    case BOT_HELP_INDEX:
    case BOT_HELP_ARTICLE:
        break;
    default:
        return error_page(wsi, r, 404, lang);
    }
    sn_buf_init(&b, BOT_HELP_MAX_PAGE);
    st = r->path.page == BOT_HELP_INDEX ? render_index(wsi, r, &b, &e)
                                        : render_article(wsi, r, &b, &e);
    if (st == 200 && b.len >= BOT_HELP_MAX_PAGE - 1)
        st = sn_err_set(&e, SN_ETOOBIG, "the page is larger than %u bytes", BOT_HELP_MAX_PAGE);
    if (st < 0) {
        sn_log(SN_LOG_ERR, "help", "event=page_failed err=\"%s\"", e.msg);
        st = 500;
    }
    rc = st == 200 ? respond(wsi, r, 200, &b, NULL, NULL, lang) : error_page(wsi, r, st, lang);
    sn_buf_fini(&b);
    return rc;
}

/* 1 when the request's Content-Type is a urlencoded form. */
static int form_body(struct lws *wsi)
{
    char ct[128];
    if (lws_hdr_copy(wsi, ct, sizeof ct, WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == 33 && !strncasecmp(ct, "application/x-www-form-urlencoded", 33);
}

/* LWS_CALLBACK_HTTP for /help…: the page and method; answers now or waits for the body. */
static int begin(struct lws *wsi, struct bot_help_req *r, const char *uri)
{
    char cl[24] = "";
    bot_help_parse_path(uri, &r->path);
    const char *lang = r->path.lang[0] ? r->path.lang : "ar";
    r->head = r->method == M_HEAD;
    r->close = r->method == M_OTHER; /* whatever body it has is not read */
    if (r->method != M_POST)
        return dispatch(wsi, r);
    if (!(pages[r->path.page].methods & M_POST)) {
        r->toobig = r->close = 1; /* its body is not read */
        return error_page(wsi, r, r->path.page == BOT_HELP_NOTFOUND ? 404 : 405, lang);
    }
    /* a vote from another site's page (a forged form) is refused before its body is read:
     * the rule is /ws's and the API's (bot_ws_origin_ok) */
    if (!bot_ws_origin_ok(wsi, server_of(wsi))) {
        r->toobig = r->close = 1;
        return error_page(wsi, r, 403, lang);
    }
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 &&
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        strcpy(cl, "x");
    char *e;
    unsigned long long n = cl[0] ? strtoull(cl, &e, 10) : 0;
    if (!cl[0] || *e || n > BOT_HELP_MAX_BODY) {
        r->toobig = r->close = 1;
        return error_page(wsi, r, 413, lang);
    }
    if (n > 0 && !form_body(wsi)) {
        r->toobig = r->close = 1;
        return error_page(wsi, r, 415, lang);
    }
    sn_buf_init(&r->body, BOT_HELP_MAX_BODY);
    return n == 0 ? dispatch(wsi, r) : 0;
}

/* The method of the request and its URI into uri; 0 when it is not one lws names. */
static int method_of(struct lws *wsi, char *uri, size_t size)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].tok) > 0) {
            if (lws_hdr_total_length(wsi, methods[i].tok) >= (int)size ||
                lws_hdr_copy(wsi, uri, (int)size, methods[i].tok) <= 0)
                snprintf(uri, size, "/help/?"); /* too long: no page */
            return methods[i].method;
        }
    return 0;
}

int bot_help_callback(
    struct lws *wsi, int reason, struct bot_help_req **req, void *in, size_t len, int *ret)
{
    struct bot_help_req *r = *req;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        char uri[512];
        int m = method_of(wsi, uri, sizeof uri);
        if (!m || strncmp(uri, "/help", 5) || (uri[5] && uri[5] != '/'))
            return 0;
        /* read the base as it is now: the open batch (gaps, votes) is committed first */
        bot_batch_flush(server_of(wsi));
        req_free(r);
        *req = r = sn_xcalloc(1, sizeof *r);
        r->method = m;
        *ret = begin(wsi, r, uri);
        return 1;
    }
    case LWS_CALLBACK_HTTP_BODY:
        if (!r)
            return 0;
        if (!r->toobig && sn_buf_add(&r->body, in, len))
            r->toobig = 1;
        *ret = 0;
        return 1;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!r)
            return 0;
        *ret = r->resp ? 0 : dispatch(wsi, r);
        return 1;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!r || !r->resp)
            return 0;
        /* a HEAD answer has its headers only */
        int w = bot_http_body_write(wsi, r->resp + LWS_PRE, r->head ? 0 : r->resp_len, &r->off,
                                    16384);
        if (w > 0)
            return 1;
        *ret = w < 0 || r->close ? -1 : 0;
        req_free(r);
        *req = NULL;
        if (!*ret && lws_http_transaction_completed(wsi))
            *ret = -1;
        return 1;
    }
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        req_free(r);
        *req = NULL;
        return 0;
    default:
        return 0;
    }
}
