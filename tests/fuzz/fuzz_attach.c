/* libFuzzer target: what an upload's bytes and its client-given name become (bot/attach.h):
 * bot_attach_sniff on the bytes, bot_attach_name on them as a name for every kind, and
 * bot_attach_disposition on the result. Invariants beyond "no crash, no leak":
 *  - sniffing looks at the first 12 bytes only, and a kind it names is one the table has;
 *  - a display name is non-empty valid UTF-8 under BOT_ATTACH_NAME_MAX, with no path
 *    separator, control character or "*:<>?|, no leading dot or space, ending with the
 *    kind's extension; naming a name again gives it back (idempotent);
 *  - the Content-Disposition has only attr-chars and %XX after its prefix, so no quote,
 *    semicolon or line break reaches the header. */
#include <string.h>
#include <strings.h>

#include "bot/attach.h"
#include "kb/base.h"
#include "tests/fuzz/fuzz.h"

static void name_ok(const char *name, const struct bot_attach_kind *k)
{
    size_t n = strlen(name);
    FUZZ_CHECK(n > 0 && n < BOT_ATTACH_NAME_MAX);
    FUZZ_CHECK(sn_utf8_valid(name, n, NULL));
    FUZZ_CHECK(!strpbrk(name, "/\\\"*:<>?|"));
    FUZZ_CHECK(name[0] != '.' && name[0] != ' ');
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
    if (k) {
        size_t e = strlen(k->ext);
        FUZZ_CHECK(n >= e);
        /* ".jpeg" and ".jpe" end a JPEG's name as well as ".jpg" */
        FUZZ_CHECK(!strcasecmp(name + n - e, k->ext) || !strcmp(k->type, "image/jpeg"));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"image/png",  "image/jpeg",      "image/gif",
                                        "image/webp", "application/pdf", NULL};
    static const char attr[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                               "!#$&+-.^_`|~%";
    const struct bot_attach_kind *k = bot_attach_sniff(data, size);
    FUZZ_CHECK(k == bot_attach_sniff(data, size < 12 ? size : 12));
    if (k)
        FUZZ_CHECK(bot_attach_kind_get(k->type) &&
                   !strcmp(bot_attach_kind_get(k->type)->type, k->type));
    char *raw = fuzz_dup(data, size);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const struct bot_attach_kind *kt = bot_attach_kind_get(types[t]);
        char name[BOT_ATTACH_NAME_MAX], again[BOT_ATTACH_NAME_MAX], disp[512];
        bot_attach_name(raw, kt, name, sizeof name);
        name_ok(name, kt);
        bot_attach_name(name, kt, again, sizeof again);
        FUZZ_CHECK(!strcmp(name, again));
        bot_attach_disposition(kt, name, disp, sizeof disp);
        const char *v = strstr(disp, "filename*=UTF-8''");
        FUZZ_CHECK(v);
        v += strlen("filename*=UTF-8''");
        FUZZ_CHECK(strspn(v, attr) == strlen(v));
    }
    free(raw);
    return 0;
}
