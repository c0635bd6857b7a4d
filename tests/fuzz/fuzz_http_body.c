/* libFuzzer target: the JSON body of POST /api/login (bot_http_api_parse_login,
 * bot/http_api.h), which anyone who can reach the server may send before logging in. Each
 * input is one body. Invariants beyond "no crash, no leak":
 *  - a refusal is SN_EINVAL with err->detail one of enum bot_api_login_err, err->msg not
 *    empty, and both outputs "";
 *  - an accepted body fills NUL-terminated outputs inside their buffers, and one whose
 *    login and password were not cut re-encodes: {"login":…,"password":…} parses to the same;
 *  - buffer sizes change nothing but the cut: small buffers get the same answer, and
 *    prefixes of what large ones get. */
#include <string.h>

#include <jansson.h>

#include "bot/auth.h"
#include "bot/http_api.h"
#include "kb/base.h"
#include "tests/fuzz/fuzz.h"

#define LOGIN_SIZE (BOT_AUTH_LOGIN_MAX + 2) /* what do_login passes */
#define PW_SIZE    (BOT_AUTH_PW_MAX + 2)

static int parse(const char *body, size_t len, char *login, size_t ls, char *pw, size_t ps)
{
    struct sn_err e = {0};
    /* every byte set, so an output that is not terminated shows under ASan */
    memset(login, 'x', ls);
    memset(pw, 'x', ps);
    int rc = bot_http_api_parse_login(body, len, login, ls, pw, ps, &e);
    FUZZ_CHECK(memchr(login, 0, ls) && memchr(pw, 0, ps));
    if (rc != SN_OK) {
        FUZZ_CHECK(rc == SN_EINVAL && e.code == rc && e.msg[0]);
        FUZZ_CHECK(e.detail >= BOT_API_LOGIN_BAD_JSON && e.detail <= BOT_API_LOGIN_WRONG_TYPE);
        FUZZ_CHECK(!login[0] && !pw[0]);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char login[LOGIN_SIZE], pw[PW_SIZE], l2[LOGIN_SIZE], p2[PW_SIZE], ls[4], ps[9];
    int rc = parse((const char *)data, size, login, sizeof login, pw, sizeof pw);
    int rc_small = parse((const char *)data, size, ls, sizeof ls, ps, sizeof ps);

    FUZZ_CHECK(rc == rc_small);
    if (rc != SN_OK)
        return 0;
    FUZZ_CHECK(!strncmp(login, ls, strlen(ls)) && !strncmp(pw, ps, strlen(ps)));
    if (strlen(login) + 1 < sizeof login && strlen(pw) + 1 < sizeof pw) {
        /* not cut: whole JSON strings, so valid UTF-8 that jansson can write back */
        json_t *o = json_pack("{s:s, s:s}", "login", login, "password", pw);
        FUZZ_CHECK(o);
        char *body = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        FUZZ_CHECK(body);
        FUZZ_CHECK(parse(body, strlen(body), l2, sizeof l2, p2, sizeof p2) == SN_OK);
        FUZZ_CHECK(!strcmp(login, l2) && !strcmp(pw, p2));
        free(body);
    }
    return 0;
}
