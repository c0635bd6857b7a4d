/* The stored form of struct bot_dialogue (see bot/dialogue.h): JSON with a format version,
 * apart from the in-memory layout. Adding a field to the struct adds a key here; a binary
 * that does not know a key skips it, one that misses a key starts it afresh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bot/dialogue.h"
#include "bot/dialogue_raw.h"

#define FORMAT 1

static const char *const await_names[AWAIT_N] = {
    [AWAIT_NOTHING] = "nothing",
    [AWAIT_FEEDBACK] = "feedback",
    [AWAIT_PICK] = "pick",
    [AWAIT_HUMAN] = "human",
};

char *bot_dialogue_encode(const struct bot_dialogue *d)
{
    json_t *sugg = json_array();
    for (int i = 0; i < d->nsugg && i < BOT_MAX_SUGGESTIONS; i++)
        json_array_append_new(sugg, json_string(d->sugg_ids[i]));
    int aw = d->awaiting < AWAIT_N ? d->awaiting : AWAIT_NOTHING;
    json_t *o = json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:I, s:b, s:b, s:o}", "v", FORMAT, "lang",
                          d->lang, "misses", d->misses, "awaiting", await_names[aw], "last_kb_id",
                          d->last_kb_id, "last_q", d->last_q, "turns", (json_int_t)d->turns,
                          "last_q_logged", d->last_q_logged, "lang_hinted", d->lang_hinted,
                          "suggestions", sugg);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s)
        abort(); /* json_pack or json_dumps failed: out of memory */
    return s;
}

/* Copies string field key into dst (size bytes) when it fits; else leaves dst alone. */
static void str_field(json_t *o, const char *key, char *dst, size_t size)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v) && json_string_length(v) < size &&
        !memchr(json_string_value(v), 0, json_string_length(v)))
        memcpy(dst, json_string_value(v), json_string_length(v) + 1);
}

static int int_field(json_t *o, const char *key, int lo, int hi, int dflt)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return dflt;
    return (int)json_integer_value(v);
}

static int decode_json(json_t *o, struct bot_dialogue *d)
{
    char lang[3] = "";
    str_field(o, "lang", lang, sizeof lang);
    if (!strcmp(lang, "ar") || !strcmp(lang, "en"))
        memcpy(d->lang, lang, 3);
    d->misses = int_field(o, "misses", 0, 1000, 0);
    const char *aw = json_string_value(json_object_get(o, "awaiting"));
    for (int i = 0; aw && i < AWAIT_N; i++)
        if (!strcmp(aw, await_names[i]))
            d->awaiting = i;
    str_field(o, "last_kb_id", d->last_kb_id, sizeof d->last_kb_id);
    str_field(o, "last_q", d->last_q, sizeof d->last_q);
    d->turns = (unsigned)int_field(o, "turns", 0, 1 << 30, 0);
    d->last_q_logged = json_is_true(json_object_get(o, "last_q_logged"));
    d->lang_hinted = json_is_true(json_object_get(o, "lang_hinted"));
    json_t *sugg = json_object_get(o, "suggestions"), *v;
    size_t i;
    json_array_foreach(sugg, i, v)
    {
        if (d->nsugg == BOT_MAX_SUGGESTIONS || !json_is_string(v) ||
            json_string_length(v) >= sizeof d->sugg_ids[0] || !json_string_length(v))
            break;
        memcpy(d->sugg_ids[d->nsugg++], json_string_value(v), json_string_length(v) + 1);
    }
    if (d->awaiting == AWAIT_PICK && d->nsugg == 0)
        d->awaiting = AWAIT_NOTHING; /* nothing to pick from */
    return SN_OK;
}

/* A string of the raw layout (at most max bytes of src, up to its NUL) into dst, cut to fit.
 * "" unless valid UTF-8: a damaged row's bytes made json_pack fail in bot_dialogue_encode,
 * which aborts (found by tests/fuzz/fuzz_dialogue.c), so one such row stopped the store's
 * migration, and with it `sanad serve`, at every start. */
static void raw_str(char *dst, size_t dst_size, const char *src, size_t max)
{
    size_t n = strnlen(src, max < dst_size ? max : dst_size - 1);
    if (!sn_utf8_valid(src, n, NULL))
        n = 0;
    memcpy(dst, src, n);
    dst[n] = 0;
}

int bot_dialogue_decode(const void *data, size_t len, const char *lang_hint, struct bot_dialogue *d)
{
    json_error_t je;
    bot_dialogue_init(d, lang_hint);
    if (!data || !len)
        return SN_EINVAL;
    if (((const char *)data)[0] == '{') {
        json_t *o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
        int rc = SN_EINVAL;
        if (json_is_object(o) && json_is_integer(json_object_get(o, "v")) &&
            json_integer_value(json_object_get(o, "v")) >= 1)
            rc = decode_json(o, d); /* a later format keeps the keys it shares with this one */
        json_decref(o);
        if (rc)
            bot_dialogue_init(d, lang_hint);
        return rc;
    }
    /* Before format 1 the struct itself was stored, in the layout frozen in dialogue_raw.h */
    if (len == sizeof(struct bot_dialogue_raw)) {
        struct bot_dialogue_raw r;
        memcpy(&r, data, sizeof r);
        r.lang[2] = 0;
        if (!strcmp(r.lang, "ar") || !strcmp(r.lang, "en"))
            memcpy(d->lang, r.lang, 3);
        else
            memcpy(d->lang, "ar", 3);
        d->misses = r.misses >= 0 && r.misses <= 1000 ? r.misses : 0;
        d->awaiting =
            r.awaiting >= 0 && r.awaiting < AWAIT_N ? (unsigned char)r.awaiting : AWAIT_NOTHING;
        raw_str(d->last_kb_id, sizeof d->last_kb_id, r.last_kb_id, sizeof r.last_kb_id - 1);
        raw_str(d->last_q, sizeof d->last_q, r.last_q, sizeof r.last_q - 1);
        /* the JSON form's range: beyond it the stored form read back as 0 (fuzz_dialogue) */
        d->turns = r.turns <= 1u << 30 ? r.turns : 0;
        d->last_q_logged = r.last_q_logged != 0;
        d->lang_hinted = r.lang_hinted != 0;
        int n = r.nsugg >= 0 && r.nsugg <= BOT_DIALOGUE_RAW_SUGG ? r.nsugg : 0;
        d->nsugg = 0;
        for (int i = 0; i < n && d->nsugg < BOT_MAX_SUGGESTIONS; i++) {
            raw_str(d->sugg_ids[d->nsugg], sizeof d->sugg_ids[0], r.sugg_ids[i],
                    sizeof r.sugg_ids[i] - 1);
            /* "" is no id: the list ends there, as in the JSON form (it was counted, and
             * read back from bot_dialogue_encode's JSON one shorter: fuzz_dialogue) */
            if (!d->sugg_ids[d->nsugg][0])
                break;
            d->nsugg++;
        }
        if (d->awaiting == AWAIT_PICK && d->nsugg == 0)
            d->awaiting = AWAIT_NOTHING;
        return SN_OK;
    }
    return SN_EINVAL;
}

char *bot_dialogue_upgrade(const void *data, size_t len)
{
    struct bot_dialogue d;
    if (!data || !len || ((const char *)data)[0] == '{')
        return NULL;
    if (bot_dialogue_decode(data, len, NULL, &d))
        return NULL;
    return bot_dialogue_encode(&d);
}
