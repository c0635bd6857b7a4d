#include "kb/fts5_tok.h"

#include <sqlite3.h>
#include <string.h>

#include "kb/analyze.h"

struct tok {
    struct kb_analyzer *an;
};

struct emit_ctx {
    void *fts_ctx;
    int (*xToken)(void *, int, const char *, int, int, int);
};

static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)ctx;
    (void)argv;
    if (argc > 0)
        return SQLITE_ERROR; /* no options yet: refuse rather than ignore them */
    struct tok *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    t->an = kb_analyzer_new(NULL);
    if (!t->an) {
        sqlite3_free(t);
        return SQLITE_ERROR;
    }
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *p)
{
    struct tok *t = (struct tok *)p;
    kb_analyzer_free(t->an);
    sqlite3_free(t);
}

static int emit(void *ctx, const struct kb_word *w)
{
    struct emit_ctx *e = ctx;
    int rc = SQLITE_OK;
    for (int i = 0; i < w->nforms && rc == SQLITE_OK; i++)
        rc = e->xToken(e->fts_ctx, i ? FTS5_TOKEN_COLOCATED : 0, w->form[i], w->form_len[i],
                       w->start, w->end);
    if (w->root_len && rc == SQLITE_OK) {
        char t[KB_WORD_MAX_BYTES + 1];
        t[0] = KB_TOK_ROOT_MARK;
        memcpy(t + 1, w->root, (size_t)w->root_len);
        rc = e->xToken(e->fts_ctx, FTS5_TOKEN_COLOCATED, t, w->root_len + 1, w->start, w->end);
    }
    return rc;
}

static int tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int len,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
    struct tok *t = (struct tok *)p;
    if ((flags & FTS5_TOKENIZE_QUERY) && len > 1 && text[0] == KB_TOK_RAW_MARK)
        return xToken(ctx, 0, text + 1, len - 1, 0, len);
    struct emit_ctx e = {ctx, xToken};
    int rc = kb_analyze(t->an, text, len, emit, &e);
    return rc < 0 ? SQLITE_ERROR : rc;
}

static fts5_api *get_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

int kb_fts5_register(sqlite3 *db)
{
    static fts5_tokenizer tk = {tok_create, tok_delete, tok_tokenize};
    fts5_api *api = get_api(db);
    if (!api || api->iVersion < 2)
        return SQLITE_ERROR;
    return api->xCreateTokenizer(api, "sanad", NULL, &tk, NULL);
}
