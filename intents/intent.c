/* Rule-based intents: loading the data files and matching a message (see intent.h). */
#include "intents/intent.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <unicode/uregex.h>
#include <unicode/ustring.h>

#include "kb/analyze.h"

/* One analyzed word: its lightest stem (the analyzer's last form: for Arabic the light stem,
 * which keeps كيفك apart from كيف where the Snowball stem does not) and its folded form. */
struct tok {
    char *stem, *norm;
    uint32_t hs, hn; /* tok_hash of each: most comparisons end on them */
};

struct phrase {
    char *text; /* as written in the data file */
    struct tok *t;
    int n;
};

/* A named list of phrases ("lists": {"talk": […]}), used by near rules. */
struct wlist {
    char *name;
    struct phrase *ph;
    int nph;
};

/* A near rule: lists by index into the intent's lists; not_across -1 when none,
 * max_after -1 when unlimited. */
struct near {
    int first, then, not_across, within, max_after;
};

struct intent {
    char *name;
    int priority, courtesy;
    struct phrase *ph;
    int nph;
    struct wlist *lists;
    int nlists;
    struct near *near;
    int nnear;
    struct phrase *unless; /* cues that veto rule 2 for this intent */
    int nunless;
    URegularExpression **re;
    char **re_src;
    int nre;
    char **resp[2]; /* 0 = ar, 1 = en */
    int nresp[2];
};

/* A word of the message being matched (buffers reused across calls). */
struct mword {
    char stem[KB_WORD_MAX_BYTES], norm[KB_WORD_MAX_BYTES];
    struct tok t; /* the two above with their hashes */
    int start, end, filler;
};

struct intent_set {
    struct kb_analyzer *an;
    struct intent *v;
    int n;
    struct tok *filler;
    int nfiller;
    struct mword *w; /* INTENT_MAX_WORDS + 1 */
};

/* ---- analysis ---- */

struct collect {
    struct tok *t;
    int n, cap;
};

/* FNV-1a: matching compares every word of a message with every phrase's words, and most
 * pairs differ; equal hashes are then checked with strcmp. */
static uint32_t tok_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void tok_hashes(struct tok *t)
{
    t->hs = tok_hash(t->stem);
    t->hn = tok_hash(t->norm);
}

static int collect_word(void *ctx, const struct kb_word *w)
{
    struct collect *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 4;
        c->t = sn_xrealloc(c->t, (size_t)c->cap * sizeof *c->t);
    }
    int f = w->nforms - 1;
    c->t[c->n].stem = sn_xstrndup(w->form[f], (size_t)w->form_len[f]);
    c->t[c->n].norm = sn_xstrndup(w->norm, (size_t)w->norm_len);
    tok_hashes(&c->t[c->n]);
    c->n++;
    return 0;
}

static void toks_free(struct tok *t, int n)
{
    for (int i = 0; i < n; i++) {
        free(t[i].stem);
        free(t[i].norm);
    }
    free(t);
}

static int tok_eq(const struct tok *a, const struct tok *b)
{
    return (a->hs == b->hs && strcmp(a->stem, b->stem) == 0) ||
           (a->hn == b->hn && strcmp(a->norm, b->norm) == 0);
}

static int is_filler(const struct intent_set *s, const struct tok *t)
{
    for (int i = 0; i < s->nfiller; i++)
        if (tok_eq(t, &s->filler[i]))
            return 1;
    return 0;
}

/* ---- loading ---- */

static void phrases_free(struct phrase *ph, int n)
{
    for (int i = 0; i < n; i++) {
        free(ph[i].text);
        toks_free(ph[i].t, ph[i].n);
    }
    free(ph);
}

static void intent_fini(struct intent *it)
{
    free(it->name);
    phrases_free(it->ph, it->nph);
    for (int i = 0; i < it->nlists; i++) {
        free(it->lists[i].name);
        phrases_free(it->lists[i].ph, it->lists[i].nph);
    }
    free(it->lists);
    free(it->near);
    phrases_free(it->unless, it->nunless);
    for (int i = 0; i < it->nre; i++) {
        uregex_close(it->re[i]);
        free(it->re_src[i]);
    }
    free(it->re);
    free(it->re_src);
    for (int l = 0; l < 2; l++) {
        for (int i = 0; i < it->nresp[l]; i++)
            free(it->resp[l][i]);
        free(it->resp[l]);
    }
}

void intent_set_free(struct intent_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        intent_fini(&s->v[i]);
    free(s->v);
    toks_free(s->filler, s->nfiller);
    free(s->w);
    kb_analyzer_free(s->an);
    free(s);
}

static struct intent *find(const struct intent_set *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, name) == 0)
            return &s->v[i];
    return NULL;
}

/* Reads a whole file (capped) into a new NUL-terminated buffer, or NULL (errno kept). */
static char *slurp(const char *path, size_t *len, int *too_big)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *too_big = 0;
    if (!f)
        return NULL;
    buf = sn_xmalloc(INTENT_MAX_FILE + 1);
    *len = fread(buf, 1, INTENT_MAX_FILE + 1, f);
    fclose(f);
    if (*len > INTENT_MAX_FILE) {
        *too_big = 1;
        free(buf);
        return NULL;
    }
    buf[*len] = 0;
    return buf;
}

static int add_filler(struct intent_set *s, const char *w, const char *file, struct sn_err *err)
{
    struct collect c = {0};
    int rc = kb_analyze(s->an, w, (int)strlen(w), collect_word, &c);
    if (rc)
        return sn_err_set(err, SN_EIO, "%s: cannot analyze filler '%s'", file, w);
    s->filler = sn_xrealloc(s->filler, (size_t)(s->nfiller + c.n) * sizeof *s->filler);
    memcpy(s->filler + s->nfiller, c.t, (size_t)c.n * sizeof *c.t);
    s->nfiller += c.n;
    free(c.t);
    return SN_OK;
}

/* Analyzes text into one more phrase of *v (filler words dropped). what names the phrase's
 * place for errors ("intent x: phrase", "intent x: list talk"). */
static int add_phrase(struct intent_set *s,
                      struct phrase **v,
                      int *n,
                      const char *text,
                      const char *file,
                      const char *what,
                      struct sn_err *err)
{
    struct collect c = {0};
    int keep = 0;
    if (kb_analyze(s->an, text, (int)strlen(text), collect_word, &c))
        return sn_err_set(err, SN_EIO, "%s: cannot analyze phrase '%s'", file, text);
    for (int i = 0; i < c.n; i++) { /* filler words are ignored on both sides */
        if (is_filler(s, &c.t[i])) {
            free(c.t[i].stem);
            free(c.t[i].norm);
        } else {
            c.t[keep++] = c.t[i];
        }
    }
    if (keep == 0) {
        free(c.t);
        return sn_err_set(err, SN_EINVAL, "%s: %s '%s' has no word that is not filler", file, what,
                          text);
    }
    *v = sn_xrealloc(*v, (size_t)(*n + 1) * sizeof **v);
    (*v)[*n].text = sn_xstrdup(text);
    (*v)[*n].t = c.t;
    (*v)[*n].n = keep;
    (*n)++;
    return SN_OK;
}

static int add_regex(struct intent *it, const char *src, const char *file, struct sn_err *err)
{
    UErrorCode e = U_ZERO_ERROR;
    UParseError pe;
    int32_t n16 = 0;
    UChar *u = NULL;
    u_strFromUTF8(NULL, 0, &n16, src, -1, &e);
    if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
        return sn_err_set(err, SN_EINVAL, "%s: intent %s: regex is not UTF-8", file, it->name);
    e = U_ZERO_ERROR;
    u = sn_xcalloc((size_t)n16 + 1, sizeof *u);
    u_strFromUTF8(u, n16 + 1, NULL, src, -1, &e);
    URegularExpression *re =
        U_FAILURE(e) ? NULL : uregex_open(u, n16, UREGEX_CASE_INSENSITIVE, &pe, &e);
    free(u);
    if (U_FAILURE(e) || !re)
        return sn_err_set(err, SN_EINVAL, "%s: intent %s: bad regex '%s': %s", file, it->name, src,
                          u_errorName(e));
    it->re = sn_xrealloc(it->re, (size_t)(it->nre + 1) * sizeof *it->re);
    it->re_src = sn_xrealloc(it->re_src, (size_t)(it->nre + 1) * sizeof *it->re_src);
    it->re[it->nre] = re;
    it->re_src[it->nre] = sn_xstrdup(src);
    it->nre++;
    return SN_OK;
}

/* A JSON array of strings, or a missing member; anything else is an error. */
static int
string_array(json_t *a, const char *what, const char *file, const char *name, struct sn_err *err)
{
    size_t i;
    json_t *x;
    if (!a)
        return SN_OK;
    if (!json_is_array(a))
        return sn_err_set(err, SN_EINVAL, "%s: %s: '%s' must be an array of strings", file, name,
                          what);
    json_array_foreach(a, i,
                       x) if (!json_is_string(x) ||
                              json_string_length(x) ==
                                  0) return sn_err_set(err, SN_EINVAL,
                                                       "%s: %s: '%s' must hold non-empty strings",
                                                       file, name, what);
    return SN_OK;
}

static int list_index(const struct intent *it, const char *name)
{
    for (int i = 0; i < it->nlists; i++)
        if (strcmp(it->lists[i].name, name) == 0)
            return i;
    return -1;
}

/* "lists": {"name": ["phrase", …], …}; a list named in both files is one list. */
static int load_lists(
    struct intent_set *s, struct intent *it, json_t *jl, const char *file, struct sn_err *err)
{
    const char *key;
    json_t *a, *x;
    size_t i;
    char what[96];
    int rc;
    if (!jl)
        return SN_OK;
    if (!json_is_object(jl))
        return sn_err_set(err, SN_EINVAL, "%s: %s: \"lists\" must be an object of arrays", file,
                          it->name);
    json_object_foreach(jl, key, a)
    {
        if ((rc = string_array(a, "lists", file, it->name, err)))
            return rc;
        if (!a || json_array_size(a) == 0 || strlen(key) == 0 || strlen(key) > 40)
            return sn_err_set(err, SN_EINVAL, "%s: %s: list '%s' needs a name and phrases", file,
                              it->name, key);
        int k = list_index(it, key);
        if (k < 0) {
            it->lists = sn_xrealloc(it->lists, (size_t)(it->nlists + 1) * sizeof *it->lists);
            k = it->nlists++;
            it->lists[k] = (struct wlist){sn_xstrdup(key), NULL, 0};
        }
        snprintf(what, sizeof what, "intent %s: list %s: phrase", it->name, key);
        json_array_foreach(a, i, x)
        {
            struct wlist *l = &it->lists[k];
            if ((rc = add_phrase(s, &l->ph, &l->nph, json_string_value(x), file, what, err)))
                return rc;
        }
    }
    return SN_OK;
}

/* A member of a near rule naming a list; *k = -1 when absent and optional. */
static int near_list(const struct intent *it,
                     json_t *r,
                     const char *member,
                     int optional,
                     int *k,
                     const char *file,
                     struct sn_err *err)
{
    json_t *j = json_object_get(r, member);
    *k = -1;
    if (!j && optional)
        return SN_OK;
    if (!json_is_string(j))
        return sn_err_set(err, SN_EINVAL, "%s: %s: near: \"%s\" must name a list", file, it->name,
                          member);
    if ((*k = list_index(it, json_string_value(j))) < 0)
        return sn_err_set(err, SN_EINVAL, "%s: %s: near: no list '%s' (define it in \"lists\")",
                          file, it->name, json_string_value(j));
    return SN_OK;
}

static int near_int(const struct intent *it,
                    json_t *r,
                    const char *member,
                    int dflt,
                    int *v,
                    const char *file,
                    struct sn_err *err)
{
    json_t *j = json_object_get(r, member);
    *v = dflt;
    if (!j)
        return SN_OK;
    if (!json_is_integer(j) || json_integer_value(j) < 0 ||
        json_integer_value(j) > INTENT_MAX_WITHIN)
        return sn_err_set(err, SN_EINVAL, "%s: %s: near: \"%s\" must be an integer in 0..%d", file,
                          it->name, member, INTENT_MAX_WITHIN);
    *v = (int)json_integer_value(j);
    return SN_OK;
}

/* "near": [{"first", "then", "within", "not_across", "max_after"}, …]; the same rule from
 * both files is kept once. */
static int load_near(struct intent *it, json_t *jn, const char *file, struct sn_err *err)
{
    size_t i;
    json_t *r;
    int rc;
    if (!jn)
        return SN_OK;
    if (!json_is_array(jn))
        return sn_err_set(err, SN_EINVAL, "%s: %s: \"near\" must be an array of rules", file,
                          it->name);
    json_array_foreach(jn, i, r)
    {
        struct near nr;
        if (!json_is_object(r))
            return sn_err_set(err, SN_EINVAL, "%s: %s: near: every rule is an object", file,
                              it->name);
        if ((rc = near_list(it, r, "first", 0, &nr.first, file, err)) ||
            (rc = near_list(it, r, "then", 0, &nr.then, file, err)) ||
            (rc = near_list(it, r, "not_across", 1, &nr.not_across, file, err)) ||
            (rc = near_int(it, r, "within", 3, &nr.within, file, err)) ||
            (rc = near_int(it, r, "max_after", -1, &nr.max_after, file, err)))
            return rc;
        int dup = 0;
        for (int k = 0; k < it->nnear && !dup; k++)
            dup = memcmp(&it->near[k], &nr, sizeof nr) == 0;
        if (dup)
            continue;
        it->near = sn_xrealloc(it->near, (size_t)(it->nnear + 1) * sizeof *it->near);
        it->near[it->nnear++] = nr;
    }
    return SN_OK;
}

static int
load_intent(struct intent_set *s, json_t *j, int lang, const char *file, struct sn_err *err)
{
    json_t *jn = json_object_get(j, "name"), *jp = json_object_get(j, "priority");
    json_t *jc = json_object_get(j, "courtesy"), *jph = json_object_get(j, "phrases");
    json_t *jre = json_object_get(j, "regex"), *jr = json_object_get(j, "responses");
    json_t *jl = json_object_get(j, "lists"), *jnear = json_object_get(j, "near"); /* pass 3 */
    json_t *ju = json_object_get(j, "unless");
    char what[96];
    size_t i;
    json_t *x;
    int rc;
    if (!json_is_object(j) || !json_is_string(jn) || json_string_length(jn) == 0 ||
        json_string_length(jn) > 40)
        return sn_err_set(err, SN_EINVAL, "%s: every intent needs a \"name\" (1..40 bytes)", file);
    const char *name = json_string_value(jn);
    if (jp && !json_is_integer(jp))
        return sn_err_set(err, SN_EINVAL, "%s: %s: \"priority\" must be an integer", file, name);
    if (jc && !json_is_boolean(jc))
        return sn_err_set(err, SN_EINVAL, "%s: %s: \"courtesy\" must be true or false", file, name);
    if ((rc = string_array(jph, "phrases", file, name, err)) ||
        (rc = string_array(jre, "regex", file, name, err)) ||
        (rc = string_array(jr, "responses", file, name, err)) ||
        (rc = string_array(ju, "unless", file, name, err)))
        return rc;
    int prio = jp ? (int)json_integer_value(jp) : 0, courtesy = jc ? json_is_true(jc) : 0;
    struct intent *it = find(s, name);
    if (it && (it->priority != prio || it->courtesy != courtesy))
        return sn_err_set(err, SN_EINVAL,
                          "%s: %s: priority and courtesy must be the same in every file", file,
                          name);
    if (!it) {
        if (s->n == INTENT_MAX_INTENTS)
            return sn_err_set(err, SN_ETOOBIG, "%s: more than %d intents", file,
                              INTENT_MAX_INTENTS);
        s->v = sn_xrealloc(s->v, (size_t)(s->n + 1) * sizeof *s->v);
        it = &s->v[s->n++];
        memset(it, 0, sizeof *it);
        it->name = sn_xstrdup(name);
        it->priority = prio;
        it->courtesy = courtesy;
    }
    snprintf(what, sizeof what, "intent %s: phrase", name);
    json_array_foreach(jph, i, x)
    {
        if ((rc = add_phrase(s, &it->ph, &it->nph, json_string_value(x), file, what, err)))
            return rc;
    }
    snprintf(what, sizeof what, "intent %s: unless", name);
    json_array_foreach(ju, i, x)
    {
        if ((rc = add_phrase(s, &it->unless, &it->nunless, json_string_value(x), file, what, err)))
            return rc;
    }
    if (jnear && !json_is_array(jnear))
        return sn_err_set(err, SN_EINVAL, "%s: %s: \"near\" must be an array of rules", file, name);
    if ((rc = load_lists(s, it, jl, file, err)))
        return rc;
    json_array_foreach(jre, i,
                       x) if ((rc = add_regex(it, json_string_value(x), file, err))) return rc;
    json_array_foreach(jr, i, x)
    {
        it->resp[lang] =
            sn_xrealloc(it->resp[lang], (size_t)(it->nresp[lang] + 1) * sizeof(char *));
        it->resp[lang][it->nresp[lang]++] = sn_xstrdup(json_string_value(x));
    }
    return SN_OK;
}

/* Reads and parses DIR/LANG.json into *root (owned by the caller; NULL when the file does not
 * exist) and checks its outline. path (4096 bytes) gets the file name, for errors. */
static int
read_file(const char *dir, const char *lang, json_t **root, char *path, struct sn_err *err)
{
    size_t len = 0;
    int too_big, rc = SN_OK;
    json_error_t je;
    char *buf = NULL;
    snprintf(path, 4096, "%s/%s.json", dir, lang);
    *root = NULL;
    buf = slurp(path, &len, &too_big);
    if (!buf) {
        if (too_big)
            return sn_err_set(err, SN_ETOOBIG, "%s: larger than %u bytes", path, INTENT_MAX_FILE);
        return SN_OK;
    }
    *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!*root) {
        rc = sn_err_set(err, SN_EINVAL, "%s:%d: %s", path, je.line, je.text);
        goto out;
    }
    json_t *jl = json_object_get(*root, "lang"), *jf = json_object_get(*root, "filler");
    json_t *ji = json_object_get(*root, "intents");
    if (!json_is_object(*root) || !json_is_string(jl) || strcmp(json_string_value(jl), lang) ||
        !json_is_array(ji)) {
        rc = sn_err_set(err, SN_EINVAL,
                        "%s: expected {\"lang\": \"%s\", \"filler\": […], \"intents\": […]}", path,
                        lang);
        goto out;
    }
    rc = string_array(jf, "filler", path, "file", err);
out:
    if (rc) {
        json_decref(*root);
        *root = NULL;
    }
    free(buf);
    return rc;
}

/* The near rules of one file's intents, once every file's lists are known (a rule in ar.json
 * may name a list that en.json extends or defines). */
static int load_file_near(struct intent_set *s, json_t *root, const char *path, struct sn_err *err)
{
    size_t i;
    json_t *x;
    int rc;
    json_array_foreach(json_object_get(root, "intents"), i, x)
    {
        struct intent *it = find(s, json_string_value(json_object_get(x, "name")));
        if ((rc = load_near(it, json_object_get(x, "near"), path, err)))
            return rc;
    }
    return SN_OK;
}

struct intent_set *intent_set_load(const char *dir, struct sn_err *err)
{
    static const char *const langs[2] = {"ar", "en"};
    struct intent_set *s = sn_xcalloc(1, sizeof *s);
    json_t *root[2] = {NULL, NULL};
    char path[2][4096];
    size_t i;
    json_t *x;
    int rc = SN_OK;
    if (!dir)
        dir = "intents";
    s->an = kb_analyzer_new(err);
    if (!s->an) {
        rc = SN_EIO;
        goto out;
    }
    s->w = sn_xcalloc(INTENT_MAX_WORDS + 1, sizeof *s->w);
    for (int l = 0; l < 2 && !rc; l++)
        rc = read_file(dir, langs[l], &root[l], path[l], err);
    if (rc)
        goto out;
    if (!root[0] && !root[1]) {
        rc = sn_err_set(err, SN_ENOTFOUND, "%s: no intents data (ar.json, en.json)", dir);
        goto out;
    }
    /* Three passes: the filler of both files first (phrases drop it), then the intents with
     * their phrases and lists, then the near rules that name those lists. */
    for (int l = 0; l < 2; l++) {
        json_array_foreach(json_object_get(root[l], "filler"), i, x)
        {
            if ((rc = add_filler(s, json_string_value(x), path[l], err)))
                goto out;
        }
    }
    for (int l = 0; l < 2; l++) {
        json_array_foreach(json_object_get(root[l], "intents"), i, x)
        {
            if ((rc = load_intent(s, x, l, path[l], err)))
                goto out;
        }
    }
    for (int l = 0; l < 2 && !rc; l++)
        if (root[l])
            rc = load_file_near(s, root[l], path[l], err);
out:
    json_decref(root[0]);
    json_decref(root[1]);
    if (rc) {
        intent_set_free(s);
        return NULL;
    }
    return s;
}

/* ---- matching ---- */

struct mcollect {
    struct intent_set *s;
    int n, over;
};

static int collect_mword(void *ctx, const struct kb_word *w)
{
    struct mcollect *c = ctx;
    if (c->n == INTENT_MAX_WORDS) {
        c->over = 1;
        return 1;
    }
    struct mword *m = &c->s->w[c->n++];
    int f = w->nforms - 1;
    snprintf(m->stem, sizeof m->stem, "%.*s", w->form_len[f], w->form[f]);
    snprintf(m->norm, sizeof m->norm, "%.*s", w->norm_len, w->norm);
    m->t = (struct tok){m->stem, m->norm, 0, 0};
    tok_hashes(&m->t);
    m->start = w->start;
    m->end = w->end;
    m->filler = 0;
    return 0;
}

/* The normalized text for regexes: every word's folded form, one space between. */
struct ncollect {
    struct sn_buf *b;
};

static int collect_norm(void *ctx, const struct kb_word *w)
{
    struct ncollect *c = ctx;
    if (c->b->len)
        sn_buf_add(c->b, " ", 1);
    return sn_buf_add(c->b, w->norm, (size_t)w->norm_len) ? 1 : 0;
}

static int regex_find(URegularExpression *re, const UChar *u, int32_t n)
{
    UErrorCode e = U_ZERO_ERROR;
    uregex_setText(re, u, n, &e);
    if (U_FAILURE(e))
        return 0;
    int found = uregex_find(re, 0, &e);
    uregex_setText(re, u, 0, &e); /* drop the borrowed pointer to u */
    return found && !U_FAILURE(e);
}

static void why_add(struct intent_match *m, const char *fmt, ...) SN_PRINTF(2, 3);
static void why_add(struct intent_match *m, const char *fmt, ...)
{
    size_t n = strlen(m->why);
    va_list ap;
    if (n + 1 >= sizeof m->why)
        return;
    va_start(ap, fmt);
    vsnprintf(m->why + n, sizeof m->why - n, fmt, ap);
    va_end(ap);
}

/* Marks in cov[] (bit per intent) every non-filler word idx[] covered by a phrase of it. */
static void cover(const struct intent_set *s, const int *idx, int m, uint64_t *cov, int (*used)[4])
{
    for (int k = 0; k < s->n; k++) {
        const struct intent *it = &s->v[k];
        int nused = 0;
        for (int p = 0; p < it->nph; p++) {
            const struct phrase *ph = &it->ph[p];
            int hit = 0;
            for (int i = 0; i + ph->n <= m; i++) {
                int j = 0;
                while (j < ph->n && tok_eq(&s->w[idx[i + j]].t, &ph->t[j]))
                    j++;
                if (j < ph->n)
                    continue;
                for (j = 0; j < ph->n; j++)
                    cov[i + j] |= (uint64_t)1 << k;
                hit = 1;
            }
            if (hit && nused < 4)
                used[k][nused++] = p;
        }
        for (; nused < 4; nused++)
            used[k][nused] = -1;
    }
}

static void
explain_phrases(const struct intent_set *s, int k, int (*used)[4], struct intent_match *m)
{
    for (int i = 0; i < 4 && used[k][i] >= 0; i++)
        why_add(m, "%s\"%s\"", i ? ", " : "", s->v[k].ph[used[k][i]].text);
}

/* Length in words of the longest phrase of ph[0..nph) starting at non-filler word i (0 when
 * none); *which gets its index. */
static int phrase_at(const struct intent_set *s,
                     const int *idx,
                     int nf,
                     int i,
                     const struct phrase *ph,
                     int nph,
                     int *which)
{
    int best = 0;
    for (int p = 0; p < nph; p++) {
        int n = ph[p].n, j = 0;
        if (n <= best || i + n > nf)
            continue;
        while (j < n && tok_eq(&s->w[idx[i + j]].t, &ph[p].t[j]))
            j++;
        if (j == n) {
            best = n;
            if (which)
                *which = p;
        }
    }
    return best;
}

/* 1 when near rule nr of it matches the non-filler words idx[0..nf); tail is where trailing
 * courtesy words begin (they are not counted by max_after). *pa, *pb: the phrases. */
static int near_match(const struct intent_set *s,
                      const struct intent *it,
                      const struct near *nr,
                      const int *idx,
                      int nf,
                      int tail,
                      int *pa,
                      int *pb)
{
    const struct wlist *first = &it->lists[nr->first], *then = &it->lists[nr->then];
    const struct wlist *stop = nr->not_across >= 0 ? &it->lists[nr->not_across] : NULL;
    for (int i = 0; i < nf; i++) {
        int a = phrase_at(s, idx, nf, i, first->ph, first->nph, pa);
        if (!a)
            continue;
        for (int j = i + a; j < nf && j <= i + a + nr->within; j++) {
            int b = phrase_at(s, idx, nf, j, then->ph, then->nph, pb);
            if (b && (nr->max_after < 0 || tail - (j + b) <= nr->max_after))
                return 1;
            if (stop && phrase_at(s, idx, nf, j, stop->ph, stop->nph, NULL))
                break; /* "talk about the card limit (حد)": the topic is not a person */
        }
    }
    return 0;
}

/* 1 when one of it's unless cues occurs among the non-filler words. */
static int vetoed(const struct intent_set *s, const struct intent *it, const int *idx, int nf)
{
    for (int i = 0; i < nf && it->nunless; i++)
        if (phrase_at(s, idx, nf, i, it->unless, it->nunless, NULL))
            return 1;
    return 0;
}

int intent_match(
    struct intent_set *s, const char *text, size_t len, struct intent_match *m, struct sn_err *err)
{
    struct mcollect mc = {s, 0, 0};
    int idx[INTENT_MAX_WORDS], nf = 0, rc = SN_OK, best = -1;
    uint64_t cov[INTENT_MAX_WORDS], cmask = 0;
    int used[INTENT_MAX_INTENTS][4];
    struct sn_buf nb;
    UChar *u = NULL;
    memset(m, 0, sizeof *m);
    sn_buf_init(&nb, 4 * INTENT_MAX_BYTES);
    if (len > INTENT_MAX_BYTES) {
        why_add(m, "longer than %d bytes: never an intent", INTENT_MAX_BYTES);
        goto out;
    }
    rc = kb_analyze(s->an, text, (int)len, collect_mword, &mc);
    if (rc && !mc.over) {
        rc = sn_err_set(err, SN_EIO, "intent: the analyzer failed");
        goto out;
    }
    rc = SN_OK;
    m->words = mc.n;
    /* Past INTENT_MAX_WORDS only the first words are known: enough for the unless cues,
     * not for rules 1 and 3 or the near rules, which need the whole message. */
    for (int i = 0; i < mc.n; i++) {
        s->w[i].filler = is_filler(s, &s->w[i].t);
        if (!s->w[i].filler)
            idx[nf++] = i;
    }
    memset(cov, 0, sizeof cov);
    cover(s, idx, nf, cov, used);
    for (int k = 0; k < s->n; k++)
        if (s->v[k].courtesy)
            cmask |= (uint64_t)1 << k;
    int lo = 0, hi = nf, tail = nf;
    while (lo < nf && (cov[lo] & cmask))
        lo++;
    while (hi > lo && (cov[hi - 1] & cmask))
        hi--;
    while (tail > 0 && (cov[tail - 1] & cmask))
        tail--;
    if (!mc.over) {
        /* Rule 1: courtesy words at both ends set aside, the rest covered by one intent. */
        if (lo < hi) {
            uint64_t full = ~(uint64_t)0;
            for (int i = lo; i < hi; i++)
                full &= cov[i];
            for (int k = 0; k < s->n; k++)
                if ((full >> k & 1) && (best < 0 || s->v[k].priority > s->v[best].priority))
                    best = k;
        } else if (nf > 0) {
            /* Only courtesy words: the courtesy intent covering most of them, then priority. */
            int bestn = 0;
            for (int k = 0; k < s->n; k++) {
                int c = 0;
                for (int i = 0; i < nf; i++)
                    c += (int)(cov[i] >> k & 1);
                if (c > bestn || (c == bestn && c > 0 && s->v[k].priority > s->v[best].priority)) {
                    best = k;
                    bestn = c;
                }
            }
        }
        if (best >= 0) {
            why_add(m, "rule 1 (the phrases cover the message): ");
            explain_phrases(s, best, used, m);
            if (lo < hi && (lo > 0 || hi < nf))
                why_add(m, "; courtesy words set aside: %d", lo + (nf - hi));
            goto found;
        }
        /* Rule 3 is decided after rule 2; remember the leading courtesy intent. */
        if (lo > 0 && lo < nf) {
            /* The courtesy intent covering most of the prefix, then priority. */
            int bestn = 0;
            for (int k = 0; k < s->n; k++) {
                int c = 0;
                for (int i = 0; i < lo && s->v[k].courtesy; i++)
                    c += (int)(cov[i] >> k & 1);
                if (c > bestn || (c == bestn && c > 0 && s->v[k].priority > s->v[best].priority)) {
                    best = k;
                    bestn = c;
                }
            }
            m->rest_start = s->w[idx[lo]].start;
        }
    }
    /* Rule 2: near rules, then regexes over the normalized text; an unless cue vetoes both. */
    {
        struct ncollect nc = {&nb};
        int32_t n16 = 0;
        UErrorCode e = U_ZERO_ERROR;
        int rbest = -1, rrule = -1, rnear = 0, pa = 0, pb = 0;
        for (int k = 0; k < s->n && !mc.over; k++) {
            const struct intent *it = &s->v[k];
            if (!it->nnear || (rbest >= 0 && it->priority <= s->v[rbest].priority) ||
                vetoed(s, it, idx, nf))
                continue;
            for (int r = 0; r < it->nnear; r++)
                if (near_match(s, it, &it->near[r], idx, nf, tail, &pa, &pb)) {
                    rbest = k;
                    rrule = r;
                    rnear = 1;
                    break;
                }
        }
        if (rnear) {
            const struct intent *it = &s->v[rbest];
            const struct near *nr = &it->near[rrule];
            why_add(m, "rule 2 (near): %s \"%s\" then %s \"%s\", at most %d words between",
                    it->lists[nr->first].name, it->lists[nr->first].ph[pa].text,
                    it->lists[nr->then].name, it->lists[nr->then].ph[pb].text, nr->within);
        }
        if (kb_analyze(s->an, text, (int)len, collect_norm, &nc) == SN_EIO) {
            rc = sn_err_set(err, SN_EIO, "intent: the analyzer failed");
            goto out;
        }
        u_strFromUTF8(NULL, 0, &n16, nb.p, (int32_t)nb.len, &e);
        e = U_ZERO_ERROR;
        u = sn_xcalloc((size_t)n16 + 1, sizeof *u);
        u_strFromUTF8(u, n16 + 1, NULL, nb.p, (int32_t)nb.len, &e);
        for (int k = 0; k < s->n && !U_FAILURE(e); k++) {
            if (!s->v[k].nre || (rbest >= 0 && s->v[k].priority <= s->v[rbest].priority) ||
                vetoed(s, &s->v[k], idx, nf))
                continue;
            for (int r = 0; r < s->v[k].nre; r++)
                if (regex_find(s->v[k].re[r], u, n16)) {
                    rbest = k;
                    rrule = r;
                    rnear = 0;
                    break;
                }
        }
        if (rbest >= 0) {
            best = rbest;
            m->rest_start = 0;
            m->by_regex = 1;
            if (!rnear) {
                m->why[0] = 0; /* a regex of a higher priority beat the near rule */
                why_add(m, "rule 2 (regex) /%s/ in \"%s\"", s->v[best].re_src[rrule], nb.p);
            }
            goto found;
        }
    }
    if (best >= 0) {
        m->courtesy = 1;
        why_add(m, "rule 3 (courtesy prefix): ");
        explain_phrases(s, best, used, m);
        why_add(m, "; the rest from byte %d is a question", m->rest_start);
        goto found;
    }
    why_add(m, "no intent (normalized: \"%s\")", nb.len ? nb.p : "");
    goto out;
found:
    m->name = s->v[best].name;
    m->priority = s->v[best].priority;
out:
    free(u);
    sn_buf_fini(&nb);
    return rc;
}

const char *
intent_response(const struct intent_set *s, const char *name, const char *lang, unsigned i)
{
    const struct intent *it = find(s, name);
    int l = lang && strcmp(lang, "en") == 0;
    if (!it)
        return NULL;
    if (it->nresp[l] == 0)
        l = !l;
    if (it->nresp[l] == 0)
        return NULL;
    return it->resp[l][i % (unsigned)it->nresp[l]];
}

int intent_exists(const struct intent_set *s, const char *name)
{
    return find(s, name) != NULL;
}

int intent_count(const struct intent_set *s)
{
    return s->n;
}

const char *intent_info(
    const struct intent_set *s, int i, int *priority, int *courtesy, int *nphrases, int *nregex)
{
    const struct intent *it = &s->v[i];
    if (priority)
        *priority = it->priority;
    if (courtesy)
        *courtesy = it->courtesy;
    if (nphrases)
        *nphrases = it->nph;
    if (nregex)
        *nregex = it->nre;
    return it->name;
}
