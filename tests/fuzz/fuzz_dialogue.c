/* libFuzzer target: stored dialogues (bot_dialogue_decode and bot_dialogue_upgrade,
 * bot/dialogue.h), read back from the conversation store on every visitor message and by
 * the store's migration; a damaged or foreign row must not crash the server. An input is
 * one stored value: JSON, or the raw layout of old binaries (exactly 796 bytes).
 * Invariants beyond "no crash, no leak":
 *  - a refusal is SN_EINVAL with *d as bot_dialogue_init left it;
 *  - an accepted dialogue has its fields in range (lang, awaiting, counts, NUL-terminated
 *    valid UTF-8 strings, a pick only with suggestions to pick from);
 *  - it round-trips: bot_dialogue_encode's JSON decodes to the same dialogue;
 *  - bot_dialogue_upgrade gives NULL or JSON that decodes to the same dialogue. */
#include <string.h>

#include "bot/dialogue.h"
#include "kb/base.h"
#include "tests/fuzz/fuzz.h"

static int same(const struct bot_dialogue *a, const struct bot_dialogue *b)
{
    if (strcmp(a->lang, b->lang) || a->awaiting != b->awaiting || a->misses != b->misses ||
        a->turns != b->turns || a->nsugg != b->nsugg || a->last_q_logged != b->last_q_logged ||
        a->lang_hinted != b->lang_hinted || strcmp(a->last_kb_id, b->last_kb_id) ||
        strcmp(a->last_q, b->last_q))
        return 0;
    for (int i = 0; i < a->nsugg; i++)
        if (strcmp(a->sugg_ids[i], b->sugg_ids[i]))
            return 0;
    return 1;
}

static void check_str(const char *s, size_t size)
{
    FUZZ_CHECK(memchr(s, 0, size));
    FUZZ_CHECK(sn_utf8_valid(s, strlen(s), NULL));
}

static void check_fields(const struct bot_dialogue *d)
{
    FUZZ_CHECK(!strcmp(d->lang, "ar") || !strcmp(d->lang, "en"));
    FUZZ_CHECK(d->awaiting < AWAIT_N);
    FUZZ_CHECK(d->misses >= 0 && d->misses <= 1000);
    FUZZ_CHECK(d->nsugg <= BOT_MAX_SUGGESTIONS);
    FUZZ_CHECK(d->awaiting != AWAIT_PICK || d->nsugg > 0);
    FUZZ_CHECK(d->last_q_logged <= 1 && d->lang_hinted <= 1);
    check_str(d->last_kb_id, sizeof d->last_kb_id);
    check_str(d->last_q, sizeof d->last_q);
    for (int i = 0; i < d->nsugg; i++) {
        check_str(d->sugg_ids[i], sizeof d->sugg_ids[i]);
        FUZZ_CHECK(d->sugg_ids[i][0]); /* "" is no suggestion */
    }
}

/* d decoded from something: its stored form reads back as d. */
static void check_round_trip(const struct bot_dialogue *d, const char *hint)
{
    struct bot_dialogue back;
    char *s = bot_dialogue_encode(d);
    FUZZ_CHECK(s && s[0] == '{');
    FUZZ_CHECK(bot_dialogue_decode(s, strlen(s), hint, &back) == SN_OK);
    if (!same(d, &back)) {
        fprintf(stderr, "encoded as %s\n", s);
        FUZZ_CHECK(!"a dialogue reads back as it was stored");
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const hints[] = {NULL, "en"};
    struct bot_dialogue d, init;

    for (size_t h = 0; h < sizeof hints / sizeof *hints; h++) {
        int rc = bot_dialogue_decode(data, size, hints[h], &d);
        if (rc != SN_OK) {
            FUZZ_CHECK(rc == SN_EINVAL);
            bot_dialogue_init(&init, hints[h]);
            FUZZ_CHECK(same(&d, &init));
            continue;
        }
        check_fields(&d);
        check_round_trip(&d, hints[h]);
    }
    char *up = bot_dialogue_upgrade(data, size);
    if (up) {
        struct bot_dialogue from_up;
        FUZZ_CHECK(up[0] == '{');
        FUZZ_CHECK(bot_dialogue_decode(data, size, NULL, &d) == SN_OK);
        FUZZ_CHECK(bot_dialogue_decode(up, strlen(up), NULL, &from_up) == SN_OK);
        FUZZ_CHECK(same(&d, &from_up));
        free(up);
    }
    return 0;
}
