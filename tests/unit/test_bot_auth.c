/* Unit tests for bot/auth.c: input checks, roles, accounts and sessions on a temporary
 * database (the failed-login guard has its own test: test_bot_guard.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "bot/auth.h"
#include "bot/config.h"

static void checks(void **state)
{
    (void)state;
    assert_int_equal(bot_auth_login_check("ab", NULL), SN_OK);
    assert_int_equal(bot_auth_login_check("a.b_c-9", NULL), SN_OK);
    assert_int_equal(bot_auth_login_check("a", NULL), SN_EINVAL);
    assert_int_equal(bot_auth_login_check("Ab", NULL), SN_EINVAL);
    assert_int_equal(bot_auth_login_check("a b", NULL), SN_EINVAL);
    assert_int_equal(bot_auth_login_check("\xd8\xa7\xd8\xa8", NULL), SN_EINVAL);
    assert_int_equal(bot_auth_login_check("", NULL), SN_EINVAL);
    assert_int_equal(bot_auth_login_check(NULL, NULL), SN_EINVAL);
    char long_login[66];
    memset(long_login, 'a', 65);
    long_login[65] = 0;
    assert_int_equal(bot_auth_login_check(long_login, NULL), SN_EINVAL);
    long_login[64] = 0;
    assert_int_equal(bot_auth_login_check(long_login, NULL), SN_OK);

    assert_int_equal(bot_auth_name_check("\xd8\xa3\xd9\x85\xd9\x84", NULL), SN_OK);
    assert_int_equal(bot_auth_name_check("", NULL), SN_EINVAL);
    assert_int_equal(bot_auth_name_check("bad\xff", NULL), SN_EINVAL);
    assert_int_equal(bot_auth_name_check("tab\there", NULL), SN_EINVAL);
    char name[80 * 2 + 3] = "";
    for (int i = 0; i < 80; i++)
        strcat(name, "\xd9\x86"); /* 80 Arabic letters: 160 bytes, allowed */
    assert_int_equal(bot_auth_name_check(name, NULL), SN_OK);
    strcat(name, "x");
    assert_int_equal(bot_auth_name_check(name, NULL), SN_EINVAL);

    assert_int_equal(bot_auth_password_check("12345678", 8, NULL), SN_OK);
    assert_int_equal(bot_auth_password_check("1234567", 7, NULL), SN_EINVAL);
    assert_int_equal(bot_auth_password_check("1234\0" "5678", 9, NULL), SN_EINVAL);
    assert_int_equal(bot_auth_password_check("12345678\xff", 9, NULL), SN_EINVAL);
    char *big = calloc(1, 1026);
    memset(big, 'p', 1025);
    assert_int_equal(bot_auth_password_check(big, 1024, NULL), SN_OK);
    assert_int_equal(bot_auth_password_check(big, 1025, NULL), SN_EINVAL);
    free(big);
}

static void roles(void **state)
{
    (void)state;
    assert_int_equal(bot_auth_role_parse("agent"), BOT_ROLE_AGENT);
    assert_int_equal(bot_auth_role_parse("editor"), BOT_ROLE_EDITOR);
    assert_int_equal(bot_auth_role_parse("admin"), BOT_ROLE_ADMIN);
    assert_int_equal(bot_auth_role_parse("Admin"), 0);
    assert_int_equal(bot_auth_role_parse(NULL), 0);
    assert_string_equal(bot_auth_role_name(BOT_ROLE_EDITOR), "editor");
    assert_true(bot_auth_role_allows(BOT_ROLE_AGENT, BOT_ROLE_AGENT));
    assert_false(bot_auth_role_allows(BOT_ROLE_EDITOR, BOT_ROLE_AGENT));
    assert_false(bot_auth_role_allows(BOT_ROLE_AGENT, BOT_ROLE_ADMIN));
    assert_true(bot_auth_role_allows(BOT_ROLE_ADMIN, BOT_ROLE_AGENT));
    assert_true(bot_auth_role_allows(BOT_ROLE_EDITOR, 0));
}

static void accounts_and_sessions(void **state)
{
    (void)state;
    char dir[] = "/tmp/sanad-auth-XXXXXX", path[64], tok[BOT_AUTH_TOKEN_HEX],
         tok2[BOT_AUTH_TOKEN_HEX];
    struct sn_err e = {0};
    struct bot_user u;
    const char *pw = "correct horse";
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/store.db", dir);
    struct bot_auth *a = bot_auth_open(path, &e);
    assert_non_null(a);

    assert_int_equal(bot_auth_user_add(a, "amal", "Amal", BOT_ROLE_AGENT, pw, strlen(pw), 1000,
                                       &e),
                     SN_OK);
    assert_int_equal(bot_auth_user_add(a, "amal", "Amal", BOT_ROLE_AGENT, pw, strlen(pw), 1000,
                                       &e),
                     SN_ECONFLICT);
    assert_int_equal(bot_auth_user_add(a, "zed", "Zed", 9, pw, strlen(pw), 1000, &e),
                     SN_EINVAL);

    assert_int_equal(bot_auth_login(a, "amal", "wrong pass", 10, 60, 2000, tok, &u, &e),
                     SN_ENOTFOUND);
    assert_string_equal(tok, "");
    assert_int_equal(bot_auth_login(a, "nobody", pw, strlen(pw), 60, 2000, tok, &u, &e),
                     SN_ENOTFOUND);
    assert_int_equal(bot_auth_login(a, "amal", pw, strlen(pw), 60, 2000, tok, &u, &e), SN_OK);
    assert_int_equal(strlen(tok), 64);
    assert_string_equal(u.login, "amal");
    assert_int_equal(u.role, BOT_ROLE_AGENT);
    assert_int_equal(bot_auth_login(a, "amal", pw, strlen(pw), 60, 2000, tok2, &u, &e), SN_OK);
    assert_string_not_equal(tok, tok2);

    memset(&u, 0, sizeof u);
    assert_int_equal(bot_auth_session_get(a, tok, 3000, &u, &e), SN_OK);
    assert_string_equal(u.name, "Amal");
    /* expired: 60 s after 2000 ms */
    assert_int_equal(bot_auth_session_get(a, tok, 62000, &u, &e), SN_ENOTFOUND);
    assert_int_equal(bot_auth_session_get(a, "nothex", 3000, &u, &e), SN_ENOTFOUND);
    assert_int_equal(bot_auth_session_get(a, NULL, 3000, &u, &e), SN_ENOTFOUND);

    assert_int_equal(bot_auth_logout(a, tok, &e), SN_OK);
    assert_int_equal(bot_auth_session_get(a, tok, 3000, &u, &e), SN_ENOTFOUND);
    assert_int_equal(bot_auth_session_get(a, tok2, 3000, &u, &e), SN_OK);

    assert_int_equal(bot_auth_user_passwd(a, "amal", "new password", 12, 4000, &e), SN_OK);
    assert_int_equal(bot_auth_session_get(a, tok2, 4000, &u, &e), SN_ENOTFOUND);
    assert_int_equal(bot_auth_user_passwd(a, "nobody", "new password", 12, 4000, &e),
                     SN_ENOTFOUND);
    assert_int_equal(bot_auth_login(a, "amal", "new password", 12, 60, 5000, tok, &u, &e),
                     SN_OK);
    assert_int_equal(bot_auth_user_disable(a, "amal", 6000, &e), SN_OK);
    assert_int_equal(bot_auth_session_get(a, tok, 6000, &u, &e), SN_ENOTFOUND);
    assert_int_equal(bot_auth_login(a, "amal", "new password", 12, 60, 7000, tok, &u, &e),
                     SN_ENOTFOUND);
    assert_int_equal(bot_auth_user_get(a, "amal", &u, &e), SN_OK);
    assert_true(u.disabled);
    assert_int_equal(bot_auth_user_disable(a, "nobody", 6000, &e), SN_ENOTFOUND);

    bot_auth_close(a);
    bot_auth_close(NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* bot_auth_open_cfg picks the backend by cfg->store: a table of stores and what opening
 * gives (a PostgreSQL nobody listens on fails to connect; the integration tests run the real
 * one). */
static void open_by_store(void **state)
{
    (void)state;
    char dir[] = "/tmp/sanad-authcfg-XXXXXX", path[64], cmd[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/store.db", dir);
    static const struct {
        const char *store, *dsn;
        int rc;
    } cases[] = {
        {"sqlite", NULL, SN_OK},
        {"postgres", "host=127.0.0.1 port=1 dbname=x connect_timeout=2", SN_EDB},
        {"postgres", "", SN_EINVAL},
        {"oracle", NULL, SN_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bot_config cfg;
        struct sn_err e = {0};
        struct bot_user u;
        bot_config_init(&cfg);
        free(cfg.store);
        cfg.store = strdup(cases[i].store);
        cfg.store_db = strdup(path);
        cfg.pg_dsn = cases[i].dsn ? strdup(cases[i].dsn) : NULL;
        struct bot_auth *a = bot_auth_open_cfg(&cfg, &e);
        if (cases[i].rc == SN_OK) {
            assert_non_null(a);
            assert_int_equal(
                bot_auth_user_add(a, "case1", "Case", BOT_ROLE_AGENT, "12345678", 8, 1, &e), SN_OK);
            assert_int_equal(bot_auth_user_get(a, "case1", &u, &e), SN_OK);
        } else {
            assert_null(a);
            assert_int_equal(e.code, cases[i].rc);
        }
        bot_auth_close(a);
        bot_config_fini(&cfg);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checks),
        cmocka_unit_test(roles),
        cmocka_unit_test(accounts_and_sessions),
        cmocka_unit_test(open_by_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
