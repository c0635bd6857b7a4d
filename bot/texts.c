/* Visitor-facing texts as data, and the one ICU formatter of their numbers (see
 * bot/texts.h). */
#include "bot/texts.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <unicode/umsg.h>
#include <unicode/ustring.h>

#include "bot/paths.h"

/* The key of each text in the files: dispatch by table, the enum is the only index. */
static const char *const keys[BOT_TEXT_N] = {
    [BOT_TEXT_WELCOME] = "welcome",
    [BOT_TEXT_WELCOME_HINT] = "welcome_hint",
    [BOT_TEXT_HUMAN_HINT] = "human_hint",
    [BOT_TEXT_HANDOFF] = "handoff",
    [BOT_TEXT_NOT_HELPFUL] = "not_helpful",
    [BOT_TEXT_OK] = "ok",
    [BOT_TEXT_GLAD] = "glad",
    [BOT_TEXT_NO_WORDS] = "no_words",
    [BOT_TEXT_SUGGEST] = "suggest",
    [BOT_TEXT_PICK_NUMBER] = "pick_number",
    [BOT_TEXT_FALLBACK] = "fallback",
    [BOT_TEXT_FALLBACK_AGAIN] = "fallback_again",
    [BOT_TEXT_TOO_LONG] = "too_long",
    [BOT_TEXT_AGENT_JOINED] = "agent_joined",
    [BOT_TEXT_AGENT_GONE] = "agent_gone",
    [BOT_TEXT_QUEUE_ABANDONED] = "queue_abandoned",
    [BOT_TEXT_QUEUE_LEFT] = "queue_left",
    [BOT_TEXT_AGENT_CLOSED] = "agent_closed",
    [BOT_TEXT_TRANSCRIPT_TITLE] = "transcript_title",
    [BOT_TEXT_TRANSCRIPT_META] = "transcript_meta",
    [BOT_TEXT_TRANSCRIPT_TIME] = "transcript_time",
    [BOT_TEXT_TRANSCRIPT_YOU] = "transcript_you",
    [BOT_TEXT_TRANSCRIPT_AGENT] = "transcript_agent",
    [BOT_TEXT_TRANSCRIPT_SYSTEM] = "transcript_system",
    [BOT_TEXT_TRANSCRIPT_SUBJECT] = "transcript_subject",
    [BOT_TEXT_TRANSCRIPT_INTRO] = "transcript_intro",
    [BOT_TEXT_CASE_ESCALATED] = "case_escalated",
    [BOT_TEXT_CASE_TO_DEPARTMENT] = "case_to_department",
};

/* The texts that are ICU MessageFormat patterns (numbers, plurals, times), not templates. */
static const unsigned char icu_text[BOT_TEXT_N] = {
    [BOT_TEXT_PICK_NUMBER] = 1,
    [BOT_TEXT_TRANSCRIPT_META] = 1,
    [BOT_TEXT_TRANSCRIPT_TIME] = 1,
};

enum { LANG_AR, LANG_EN, NLANGS };
static const char *const langs[NLANGS] = {"ar", "en"};

struct bot_texts {
    char *t[NLANGS][BOT_TEXT_N];
};

int bot_text_is_icu(enum bot_text id)
{
    return (unsigned)id < BOT_TEXT_N && icu_text[id];
}

enum { FMT_CAP = BOT_TEXT_MAX_BYTES + 1024 }; /* UTF-16 units: a template and its numbers */

struct bot_texts_fmt {
    UMessageFormat *f;
    UChar out[FMT_CAP];
};

/* pattern (UTF-8) opened in lang's locale ("ar", else "en"); NULL with err set. */
static struct bot_texts_fmt *fmt_open(const char *pattern, const char *lang, struct sn_err *err)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar *pat = sn_xmalloc(FMT_CAP * sizeof *pat);
    int32_t plen = 0;
    struct bot_texts_fmt *f = NULL;
    u_strFromUTF8(pat, FMT_CAP, &plen, pattern, -1, &st);
    UMessageFormat *m =
        U_SUCCESS(st) ? umsg_open(pat, plen, lang && !strcmp(lang, "ar") ? "ar" : "en", NULL, &st)
                      : NULL;
    if (U_FAILURE(st)) {
        sn_err_set(err, SN_EINVAL, "not an ICU MessageFormat pattern in %s (%s)",
                   lang ? lang : "en", u_errorName(st));
        if (m)
            umsg_close(m);
    } else {
        f = sn_xcalloc(1, sizeof *f);
        f->f = m;
    }
    free(pat);
    return f;
}

/* f with args[0..n): a fresh string, or NULL with err set. */
static char *fmt_run(struct bot_texts_fmt *f, const double *args, int n, struct sn_err *err)
{
    UErrorCode st = U_ZERO_ERROR;
    double a[BOT_TEXT_MAX_ARGS] = {0};
    int32_t olen = 0, ulen = 0;
    char *utf8 = NULL;
    if (n < 0 || n > BOT_TEXT_MAX_ARGS) {
        sn_err_set(err, SN_EINVAL, "%d arguments (at most %d)", n, BOT_TEXT_MAX_ARGS);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        a[i] = args[i];
    /* umsg_format is variadic: every argument a double (a plural's count, a number, a
     * UDate), the unused ones ignored */
    olen = umsg_format(f->f, f->out, FMT_CAP, &st, a[0], a[1], a[2], a[3]);
    if (U_SUCCESS(st)) {
        utf8 = sn_xmalloc((size_t)FMT_CAP * 3 + 1);
        u_strToUTF8(utf8, FMT_CAP * 3 + 1, &ulen, f->out, olen, &st);
    }
    if (U_FAILURE(st)) {
        sn_err_set(err, SN_EINVAL, "the pattern could not be formatted (%s)", u_errorName(st));
        free(utf8);
        utf8 = NULL;
    }
    return utf8;
}

void bot_texts_fmt_free(struct bot_texts_fmt *f)
{
    if (!f)
        return;
    umsg_close(f->f);
    free(f);
}

char *bot_texts_format(
    const char *pattern, const char *lang, const double *args, int n, struct sn_err *err)
{
    if (n < 0 || n > BOT_TEXT_MAX_ARGS) {
        sn_err_set(err, SN_EINVAL, "%d arguments (at most %d)", n, BOT_TEXT_MAX_ARGS);
        return NULL;
    }
    struct bot_texts_fmt *f = fmt_open(pattern, lang, err);
    char *s = f ? fmt_run(f, args, n, err) : NULL;
    bot_texts_fmt_free(f);
    return s;
}

struct bot_texts_fmt *
bot_texts_fmt_new(const struct bot_texts *t, enum bot_text id, const char *lang)
{
    if (!bot_text_is_icu(id))
        return NULL;
    return fmt_open(t->t[lang && strcmp(lang, "ar") == 0 ? LANG_AR : LANG_EN][id], lang, NULL);
}

char *bot_texts_fmt_run(struct bot_texts_fmt *f, const double *args, int n)
{
    char *s = f ? fmt_run(f, args, n, NULL) : NULL;
    return s ? s : sn_xstrdup("");
}

char *bot_texts_count(
    const struct bot_texts *t, enum bot_text id, const char *lang, const double *args, int n)
{
    if ((unsigned)id >= BOT_TEXT_N)
        return sn_xstrdup("");
    const char *p = t->t[lang && strcmp(lang, "ar") == 0 ? LANG_AR : LANG_EN][id];
    char *s = bot_texts_format(p, lang, args, n, NULL);
    return s ? s : sn_xstrdup(p);
}

const char *bot_text_key(enum bot_text id)
{
    return (unsigned)id < BOT_TEXT_N ? keys[id] : NULL;
}

void bot_texts_free(struct bot_texts *t)
{
    if (!t)
        return;
    for (int l = 0; l < NLANGS; l++)
        for (int i = 0; i < BOT_TEXT_N; i++)
            free(t->t[l][i]);
    free(t);
}

static int key_index(const char *const *set_keys, int n, const char *k)
{
    for (int i = 0; i < n; i++)
        if (strcmp(set_keys[i], k) == 0)
            return i;
    return -1;
}

/* Reads path (at most BOT_TEXTS_MAX_FILE bytes) into a JSON value. */
static json_t *read_json(const char *path, struct sn_err *err)
{
    FILE *f = fopen(path, "rb");
    json_error_t je;
    json_t *j = NULL;
    if (!f) {
        sn_err_set(err, SN_ENOTFOUND, "%s: cannot open (the bot's texts)", path);
        return NULL;
    }
    char *buf = sn_xmalloc(BOT_TEXTS_MAX_FILE + 1);
    size_t n = fread(buf, 1, BOT_TEXTS_MAX_FILE + 1, f);
    fclose(f);
    if (n > BOT_TEXTS_MAX_FILE)
        sn_err_set(err, SN_ETOOBIG, "%s: larger than %u bytes", path, BOT_TEXTS_MAX_FILE);
    else if (!(j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je)))
        sn_err_set(err, SN_EINVAL, "%s:%d: %s", path, je.line, je.text);
    free(buf);
    return j;
}

/* Reads path: {"lang": lang, "texts": {key: template}} with exactly the keys
 * (set_keys[0..n)), each a copy into slot[i] (owned by the caller's set, freed with it even on
 * failure). */
static int load_file(const char *path,
                     const char *lang,
                     const char *const *set_keys,
                     int n,
                     char **slot,
                     struct sn_err *err)
{
    const char *k;
    json_t *v;
    int rc = SN_OK;
    json_t *root = read_json(path, err);
    if (!root)
        return err ? err->code : SN_EINVAL;
    json_t *jl = json_object_get(root, "lang"), *jt = json_object_get(root, "texts");
    if (!json_is_object(root) || !json_is_string(jl) || strcmp(json_string_value(jl), lang) ||
        !json_is_object(jt)) {
        rc = sn_err_set(err, SN_EINVAL, "%s: expected {\"lang\": \"%s\", \"texts\": {…}}", path,
                        lang);
        goto out;
    }
    json_object_foreach(jt, k, v)
    {
        int i = key_index(set_keys, n, k);
        if (i < 0) {
            rc = sn_err_set(err, SN_EINVAL, "%s: unknown text \"%s\"", path, k);
            goto out;
        }
        size_t len = json_is_string(v) ? json_string_length(v) : 0;
        if (!len || len > BOT_TEXT_MAX_BYTES || memchr(json_string_value(v), 0, len)) {
            rc = sn_err_set(err, SN_EINVAL, "%s: text \"%s\" must be a string of 1..%d bytes", path,
                            k, BOT_TEXT_MAX_BYTES);
            goto out;
        }
        slot[i] = sn_xstrdup(json_string_value(v));
    }
    for (int i = 0; i < n; i++)
        if (!slot[i]) {
            rc = sn_err_set(err, SN_EINVAL, "%s: text \"%s\" is missing", path, set_keys[i]);
            goto out;
        }
out:
    json_decref(root);
    return rc;
}

static int load_lang(struct bot_texts *t, const char *dir, int l, struct sn_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.json", dir, langs[l]);
    int rc = load_file(path, langs[l], keys, BOT_TEXT_N, t->t[l], err);
    /* an ICU text the bot could not render refuses the set, as a missing one does */
    for (int i = 0; !rc && i < BOT_TEXT_N; i++) {
        static const double probe[BOT_TEXT_MAX_ARGS] = {3, 1, 0, 0};
        struct sn_err why = {0};
        char *s = icu_text[i] ? bot_texts_format(t->t[l][i], langs[l], probe, 4, &why) : NULL;
        if (icu_text[i] && !s)
            rc = sn_err_set(err, SN_EINVAL, "%s: text \"%s\" is %s", path, keys[i], why.msg);
        free(s);
    }
    return rc;
}

struct bot_textset {
    int n;
    char **t[NLANGS];
};

void bot_textset_free(struct bot_textset *s)
{
    if (!s)
        return;
    for (int l = 0; l < NLANGS; l++) {
        for (int i = 0; s->t[l] && i < s->n; i++)
            free(s->t[l][i]);
        free(s->t[l]);
    }
    free(s);
}

struct bot_textset *bot_textset_load(
    const char *dir, const char *name, const char *const *set_keys, int n, struct sn_err *err)
{
    char buf[PATH_MAX], path[PATH_MAX];
    struct bot_textset *s = sn_xcalloc(1, sizeof *s);
    s->n = n;
    if (!dir)
        dir = bot_find_dir("texts", buf, sizeof buf);
    for (int l = 0; l < NLANGS; l++) {
        s->t[l] = sn_xcalloc((size_t)n, sizeof *s->t[l]);
        snprintf(path, sizeof path, "%s/%s-%s.json", dir, name, langs[l]);
        if (load_file(path, langs[l], set_keys, n, s->t[l], err)) {
            bot_textset_free(s);
            return NULL;
        }
    }
    return s;
}

const char *bot_textset_get(const struct bot_textset *s, const char *lang, int i)
{
    if (!s || i < 0 || i >= s->n)
        return "";
    return s->t[lang && strcmp(lang, "ar") == 0 ? LANG_AR : LANG_EN][i];
}

struct bot_texts *bot_texts_load(const char *dir, struct sn_err *err)
{
    char buf[PATH_MAX];
    struct bot_texts *t = sn_xcalloc(1, sizeof *t);
    if (!dir)
        dir = bot_find_dir("texts", buf, sizeof buf);
    for (int l = 0; l < NLANGS; l++)
        if (load_lang(t, dir, l, err)) {
            bot_texts_free(t);
            return NULL;
        }
    return t;
}

char *bot_texts_fill(const char *tmpl, const char *bot, const char *agent)
{
    static const char *const marks[] = {"{bot}", "{agent}"};
    const char *fill[] = {bot, agent};
    struct sn_buf out;
    const char *p = tmpl;
    sn_buf_init(&out, 64 * 1024);
    while (*p) {
        const char *q = strchr(p, '{');
        int m = -1;
        for (int i = 0; q && m < 0 && i < 2; i++)
            if (fill[i] && strncmp(q, marks[i], strlen(marks[i])) == 0)
                m = i;
        if (!q) {
            sn_buf_adds(&out, p);
            break;
        }
        sn_buf_add(&out, p, (size_t)(q - p) + (m < 0));
        if (m >= 0) {
            sn_buf_adds(&out, fill[m]);
            q += strlen(marks[m]) - 1;
        }
        p = q + 1;
    }
    return sn_buf_take(&out);
}

char *bot_texts_fill_one(const char *s, const char *mark, const char *value)
{
    struct sn_buf out;
    size_t n = strlen(mark);
    const char *p = s, *q;
    sn_buf_init(&out, 64 * 1024);
    while (n && (q = strstr(p, mark))) {
        sn_buf_add(&out, p, (size_t)(q - p));
        sn_buf_adds(&out, value ? value : "");
        p = q + n;
    }
    sn_buf_adds(&out, p);
    return sn_buf_take(&out);
}

char *bot_texts_render(const struct bot_texts *t,
                       enum bot_text id,
                       const char *lang,
                       const char *bot,
                       const char *agent)
{
    if ((unsigned)id >= BOT_TEXT_N)
        return sn_xstrdup("");
    return bot_texts_fill(t->t[lang && strcmp(lang, "ar") == 0 ? LANG_AR : LANG_EN][id], bot,
                          agent);
}
