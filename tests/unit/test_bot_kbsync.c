/* Unit tests for bot/kbsync.c's table of edit rules: every route of the API that may change
 * the knowledge base (bot_api_kb_routes, not a GET) is published to the other nodes, except
 * those listed here as changing only this node. A new editing route without a rule fails
 * this test instead of editing one node's base only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bot/api.h"
#include "bot/kbsync.h"

/* Routes whose change stays on the node: a gap is this node's (sanad_kb.gaps copies it). */
static const struct {
    int method;
    const char *path;
} local_only[] = {
    {BOT_API_POST, "/api/gaps/{id}/dismiss"},
};

static int is_local_only(int method, const char *path)
{
    for (size_t i = 0; i < sizeof local_only / sizeof local_only[0]; i++)
        if (local_only[i].method == method && !strcmp(local_only[i].path, path))
            return 1;
    return 0;
}

static void every_editing_route_is_distributed(void **state)
{
    (void)state;
    int writes = 0;
    for (const struct bot_api_route *r = bot_api_kb_routes; r->path; r++) {
        if (r->method == BOT_API_GET) {
            assert_false(bot_kbsync_distributes(r->method, r->path));
            continue;
        }
        writes++;
        if (is_local_only(r->method, r->path))
            assert_false(bot_kbsync_distributes(r->method, r->path));
        else if (!bot_kbsync_distributes(r->method, r->path))
            fail_msg("route %d %s changes the base but is not distributed", r->method, r->path);
    }
    assert_true(writes >= 10);
}

static void unknown_routes_are_not(void **state)
{
    (void)state;
    assert_false(bot_kbsync_distributes(BOT_API_POST, "/api/entries/x"));
    assert_false(bot_kbsync_distributes(BOT_API_DELETE, "/api/entries"));
    assert_false(bot_kbsync_distributes(BOT_API_POST, ""));
    assert_false(bot_kbsync_distributes(BOT_API_PUT, "/api/synonyms"));
    assert_true(bot_kbsync_distributes(BOT_API_PUT, "/api/entries/{id}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_editing_route_is_distributed),
        cmocka_unit_test(unknown_routes_are_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
