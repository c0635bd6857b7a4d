/* Unit tests for bot/forwarded.c (issue 12, behind a reverse proxy): nodes and CIDR ranges
 * parse or are refused; the client is found by walking the chain from the right, skipping
 * trusted proxies, from Forwarded (RFC 7239) before X-Forwarded-For; TLS comes from the
 * client's hop; hostile headers (garbage, quotes left open, bytes past 0x7f, thousands of
 * commas, forged entries on the left) never make an untrusted party the one believed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/forwarded.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_addr_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in, *canon; /* canon NULL: not an address */
    } cases[] = {
        {"192.0.2.1", "192.0.2.1"},
        {"192.0.2.1:8080", "192.0.2.1"},
        {"2001:db8::1", "2001:db8::1"},
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
        {"[2001:db8::1]", "2001:db8::1"},
        {"[2001:db8::1]:4711", "2001:db8::1"},
        {"::1", "::1"},
        {"::ffff:198.51.100.7", "198.51.100.7"},
        {"[::ffff:198.51.100.7]:1", "198.51.100.7"},
        {"unknown", NULL},
        {"_hidden", NULL},
        {"_SEVKISEK", NULL},
        {"example.com", NULL},
        {"", NULL},
        {"1.2.3", NULL},
        {"1.2.3.4.5", NULL},
        {"256.1.1.1", NULL},
        {"1.2.3.4:", NULL},
        {"1.2.3.4:123456", NULL},
        {"1.2.3.4:80x", NULL},
        {"[1.2.3.4]", NULL}, /* brackets hold IPv6 */
        {"[2001:db8::1", NULL},
        {"[2001:db8::1]x", NULL},
        {"[2001:db8::1]:", NULL},
        {"2001:db8::1:80:", NULL},
        {"fe80::1%eth0", NULL},
        {"<script>", NULL},
        {" 1.2.3.4", NULL},
        {"1.2.3.4 ", NULL},
        {"\xd9\xa1.2.3.4", NULL}, /* an Arabic-Indic digit is not a digit here */
        {"1.2.3.4\xff", NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_fwd_addr a;
        int ok = bot_fwd_addr_parse(cases[i].in, strlen(cases[i].in), &a);
        if (ok != (cases[i].canon != NULL))
            fail_msg("'%s': parsed %d", cases[i].in, ok);
        if (ok) {
            char out[64];
            bot_fwd_addr_format(&a, out, sizeof out);
            assert_string_equal(out, cases[i].canon);
        }
    }
    /* a 64 KB run of digits and dots is refused without reading past it */
    size_t big = 1 << 16;
    char *s = malloc(big);
    assert_non_null(s);
    for (size_t i = 0; i < big; i++)
        s[i] = i % 2 ? '.' : '1';
    struct bot_fwd_addr a;
    assert_false(bot_fwd_addr_parse(s, big, &a));
    free(s);
}

static void test_net_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in, *net; /* net: the range as canon/bits; NULL: refused */
        const char *why;      /* a word the refusal says */
    } cases[] = {
        {"127.0.0.1", "127.0.0.1/32", NULL},
        {"10.0.0.0/8", "10.0.0.0/8", NULL},
        {"10.1.2.3/8", "10.0.0.0/8", NULL}, /* the host part does not count */
        {"0.0.0.0/0", "0.0.0.0/0", NULL},
        {"192.168.1.0/24", "192.168.1.0/24", NULL},
        {"172.16.0.0/12", "172.16.0.0/12", NULL},
        {"::1", "::1/128", NULL},
        {"fd00::/8", "fd00::/8", NULL},
        {"2001:db8::/32", "2001:db8::/32", NULL},
        {"::/0", "::/0", NULL},
        {"::ffff:10.0.0.0/104", "10.0.0.0/8", NULL},
        {"10.0.0.0/33", NULL, "32"},
        {"::/129", NULL, "128"},
        {"abc", NULL, "address"},
        {"1.2.3.4/", NULL, "prefix"},
        {"1.2.3.4/-1", NULL, "prefix"},
        {"1.2.3.4/+8", NULL, "prefix"},
        {"1.2.3.4/08", NULL, "prefix"},
        {"1.2.3.4/8/8", NULL, "prefix"},
        {"1.2.3.4/1000", NULL, "prefix"},
        {"1.2.3.4/8 ", NULL, "prefix"},
        {"/8", NULL, "address"},
        {"", NULL, "address"},
        {"[::1]", NULL, "address"},
        {"1.2.3.4:80", NULL, "address"},
        {"10.0.0.0/8x", NULL, "prefix"},
        {"::ffff:10.0.0.0/8", NULL, "96"},
        {"999.0.0.0/8", NULL, "address"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_fwd_net net;
        struct sn_err e = {0};
        int rc = bot_fwd_net_parse(cases[i].in, &net, &e);
        if (!cases[i].net) {
            if (rc != SN_EINVAL)
                fail_msg("'%s' accepted", cases[i].in);
            if (!strstr(e.msg, cases[i].why))
                fail_msg("'%s': '%s' does not say %s", cases[i].in, e.msg, cases[i].why);
            continue;
        }
        if (rc != SN_OK)
            fail_msg("'%s' refused: %s", cases[i].in, e.msg);
        char out[64], got[80];
        bot_fwd_addr_format(&net.a, out, sizeof out);
        snprintf(got, sizeof got, "%s/%d", out, net.bits);
        assert_string_equal(got, cases[i].net);
    }
}

static void test_net_contains(void **state)
{
    (void)state;
    static const struct {
        const char *net, *addr;
        int in;
    } cases[] = {
        {"10.0.0.0/8", "10.255.1.2", 1},
        {"10.0.0.0/8", "11.0.0.0", 0},
        {"10.0.0.0/8", "9.255.255.255", 0},
        {"172.16.0.0/12", "172.31.255.255", 1},
        {"172.16.0.0/12", "172.32.0.0", 0},
        {"127.0.0.1", "127.0.0.1", 1},
        {"127.0.0.1", "127.0.0.2", 0},
        {"0.0.0.0/0", "203.0.113.5", 1},
        {"0.0.0.0/0", "2001:db8::1", 0},
        {"::/0", "2001:db8::1", 1},
        {"::/0", "1.2.3.4", 0},
        {"fd00::/8", "fd12:3456::1", 1},
        {"fd00::/8", "fe00::1", 0},
        {"::1", "::1", 1},
        {"::1", "::2", 0},
        {"10.0.0.0/8", "::ffff:10.1.1.1", 1},
        {"2001:db8::/33", "2001:db8:7fff::1", 1},
        {"2001:db8::/33", "2001:db8:8000::1", 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct bot_fwd_net net;
        struct bot_fwd_addr a;
        assert_int_equal(bot_fwd_net_parse(cases[i].net, &net, NULL), SN_OK);
        assert_true(bot_fwd_addr_parse(cases[i].addr, strlen(cases[i].addr), &a));
        if (bot_fwd_net_contains(&net, &a) != cases[i].in)
            fail_msg("%s in %s: expected %d", cases[i].addr, cases[i].net, cases[i].in);
    }
}

/* One request: the peer, our TLS, up to two Forwarded lines, XFF, XFP, the trusted list
 * (space-separated) → the client and its TLS. */
struct client_case {
    const char *peer;
    int tls;
    const char *fwd1, *fwd2, *xff, *xfp, *trusted;
    const char *ip;
    int https;
};

static void check_client(const struct client_case *c, size_t row)
{
    const char *trusted[16];
    int nt = 0;
    char tbuf[256];
    snprintf(tbuf, sizeof tbuf, "%s", c->trusted ? c->trusted : "");
    for (char *save = NULL, *w = strtok_r(tbuf, " ", &save); w && nt < 16;
         w = strtok_r(NULL, " ", &save))
        trusted[nt++] = w;
    const char *fwd[2] = {c->fwd1, c->fwd2};
    struct bot_fwd_request r = {.peer = c->peer,
                                .tls = c->tls,
                                .forwarded = fwd,
                                .nforwarded = c->fwd2   ? 2
                                              : c->fwd1 ? 1
                                                        : 0,
                                .xff = c->xff,
                                .xfp = c->xfp,
                                .trusted = trusted,
                                .ntrusted = nt};
    char ip[64];
    int https = bot_fwd_client(&r, ip, sizeof ip);
    if (strcmp(ip, c->ip) || https != c->https)
        fail_msg("row %zu: got %s https=%d, expected %s https=%d", row, ip, https, c->ip, c->https);
}

static void test_client(void **state)
{
    (void)state;
    static const struct client_case cases[] = {
        /* an untrusted peer: its headers are claims, ignored */
        {"198.51.100.1", 0, NULL, NULL, "203.0.113.5", "https", NULL, "198.51.100.1", 0},
        {"198.51.100.1", 0, "for=203.0.113.5;proto=https", NULL, NULL, NULL, "10.0.0.0/8",
         "198.51.100.1", 0},
        {"198.51.100.1", 1, NULL, NULL, NULL, "http", "127.0.0.1", "198.51.100.1", 1},
        /* a trusted peer, exact or by range */
        {"127.0.0.1", 0, NULL, NULL, "203.0.113.5", "https", "127.0.0.1", "203.0.113.5", 1},
        {"10.2.3.4", 0, NULL, NULL, "203.0.113.5", NULL, "10.0.0.0/8", "203.0.113.5", 0},
        {"10.2.3.4", 0, NULL, NULL, "203.0.113.5", "HTTPS", "fd00::/8 10.0.0.0/8", "203.0.113.5",
         1},
        {"10.2.3.4", 1, NULL, NULL, "203.0.113.5", "http", "10.0.0.0/8", "203.0.113.5", 0},
        {"10.2.3.4", 1, NULL, NULL, "203.0.113.5", NULL, "10.0.0.0/8", "203.0.113.5", 1},
        /* a trusted peer without headers is the client */
        {"127.0.0.1", 0, NULL, NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, NULL, NULL, "", "", "127.0.0.1", "127.0.0.1", 0},
        /* the walk from the right: forged entries on the left do not count */
        {"127.0.0.1", 0, NULL, NULL, "1.1.1.1, 203.0.113.6", NULL, "127.0.0.1", "203.0.113.6", 0},
        /* two proxies: the inner one is trusted, skipped */
        {"127.0.0.1", 0, NULL, NULL, "1.1.1.1, 203.0.113.6, 10.0.0.9", NULL, "127.0.0.1 10.0.0.0/8",
         "203.0.113.6", 0},
        {"127.0.0.1", 0, NULL, NULL, "203.0.113.6,10.0.0.9", "https, http", "127.0.0.1 10.0.0.0/8",
         "203.0.113.6", 1},
        {"127.0.0.1", 0, NULL, NULL, "203.0.113.6,10.0.0.9", "https", "127.0.0.1 10.0.0.0/8",
         "203.0.113.6", 1},
        /* every entry trusted: the leftmost is the client */
        {"127.0.0.1", 0, NULL, NULL, "10.0.0.7, 10.0.0.9", NULL, "127.0.0.1 10.0.0.0/8", "10.0.0.7",
         0},
        /* not an address: the proxy that wrote it is the client */
        {"127.0.0.1", 0, NULL, NULL, "<script>", NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, NULL, NULL, "203.0.113.6, garbage, 10.0.0.9", NULL, "127.0.0.1 10.0.0.0/8",
         "10.0.0.9", 0},
        {"127.0.0.1", 0, NULL, NULL, "unknown", NULL, "127.0.0.1", "127.0.0.1", 0},
        /* XFF forms: ports, brackets, IPv6, canonical text */
        {"127.0.0.1", 0, NULL, NULL, "203.0.113.6:5555", NULL, "127.0.0.1", "203.0.113.6", 0},
        {"127.0.0.1", 0, NULL, NULL, "[2001:DB8::1]:443", NULL, "127.0.0.1", "2001:db8::1", 0},
        {"127.0.0.1", 0, NULL, NULL, "2001:db8:0::7", NULL, "127.0.0.1", "2001:db8::7", 0},
        {"127.0.0.1", 0, NULL, NULL, " ,, 203.0.113.6 ,, ", NULL, "127.0.0.1", "203.0.113.6", 0},
        {"127.0.0.1", 0, NULL, NULL, "2001:db8::1, fd00::5", NULL, "127.0.0.1 fd00::/8",
         "2001:db8::1", 0},
        /* Forwarded (RFC 7239) */
        {"127.0.0.1", 0, "for=192.0.2.60;proto=https;by=203.0.113.43", NULL, NULL, NULL,
         "127.0.0.1", "192.0.2.60", 1},
        {"127.0.0.1", 0, "For=\"[2001:db8:cafe::17]:4711\"", NULL, NULL, NULL, "127.0.0.1",
         "2001:db8:cafe::17", 0},
        {"127.0.0.1", 0, "FOR=192.0.2.43, for=198.51.100.17", NULL, NULL, NULL, "127.0.0.1",
         "198.51.100.17", 0},
        {"127.0.0.1", 0, "for=192.0.2.43;proto=https, for=10.0.0.8;proto=http", NULL, NULL, NULL,
         "127.0.0.1 10.0.0.0/8", "192.0.2.43", 1},
        {"127.0.0.1", 0, "PROTO=HTTPS;for=\"192.0.2.43\"", NULL, NULL, NULL, "127.0.0.1",
         "192.0.2.43", 1},
        {"127.0.0.1", 0, "for = 192.0.2.43", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        /* several Forwarded lines are one list, in order */
        {"127.0.0.1", 0, "for=192.0.2.43", "for=198.51.100.17;proto=https", NULL, NULL, "127.0.0.1",
         "198.51.100.17", 1},
        {"127.0.0.1", 0, "for=192.0.2.43;proto=https", "for=10.9.9.9", NULL, NULL,
         "127.0.0.1 10.0.0.0/8", "192.0.2.43", 1},
        /* Forwarded is preferred: X-Forwarded-For and -Proto are not read */
        {"127.0.0.1", 0, "for=192.0.2.43", NULL, "203.0.113.9", "https", "127.0.0.1", "192.0.2.43",
         0},
        {"127.0.0.1", 1, "for=192.0.2.43", NULL, NULL, NULL, "127.0.0.1", "192.0.2.43", 1},
        /* unknown and obfuscated identifiers are not addresses */
        {"127.0.0.1", 0, "for=unknown;proto=https", NULL, "203.0.113.9", NULL, "127.0.0.1",
         "127.0.0.1", 1},
        {"127.0.0.1", 0, "for=_hidden, for=10.0.0.3", NULL, NULL, NULL, "127.0.0.1 10.0.0.0/8",
         "10.0.0.3", 0},
        {"127.0.0.1", 0, "for=\"_gazonk\"", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        /* malformed elements are not addresses and do not swallow the next element */
        {"127.0.0.1", 0, "for=\"[2001:db8::1]:4711", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, "for=1.1.1.1;for=2.2.2.2", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, "junk, for=203.0.113.1", NULL, NULL, NULL, "127.0.0.1", "203.0.113.1", 0},
        {"127.0.0.1", 0, "for=203.0.113.1, junk", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, "for=\"a,b\", for=203.0.113.2", NULL, NULL, NULL, "127.0.0.1",
         "203.0.113.2", 0},
        {"127.0.0.1", 0, "for=\"203.0.\\113.2\"", NULL, NULL, NULL, "127.0.0.1", "203.0.113.2", 0},
        {"127.0.0.1", 0, "for=203.0.113.1 x", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, "for=;proto=https", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, "=1.2.3.4", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, "for=\xd8\xa7\xd9\x84.1.1.1", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1",
         0},
        {"127.0.0.1", 0, "for=\"\xff\xfe\"", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        {"127.0.0.1", 0, "for=\"\\", NULL, NULL, NULL, "127.0.0.1", "127.0.0.1", 0},
        /* an empty Forwarded line is absent */
        {"127.0.0.1", 0, "", NULL, "203.0.113.9", NULL, "127.0.0.1", "203.0.113.9", 0},
        /* a peer we cannot parse is nobody's proxy */
        {"?", 0, NULL, NULL, "203.0.113.9", NULL, "0.0.0.0/0", "?", 0},
        /* an IPv6 trusted peer */
        {"::1", 0, NULL, NULL, "203.0.113.9", NULL, "::1", "203.0.113.9", 0},
        {"::1", 0, NULL, NULL, "203.0.113.9", NULL, "127.0.0.1", "::1", 0},
        /* bad trusted entries are skipped (the config refuses them before) */
        {"127.0.0.1", 0, NULL, NULL, "203.0.113.9", NULL, "abc 127.0.0.0/33", "127.0.0.1", 0},
    };
    for (size_t i = 0; i < N(cases); i++)
        check_client(&cases[i], i);
}

/* Long hostile headers: a thousand commas, a thousand forged hops on the left, a 64 KB
 * value of garbage: linear, and the right end still decides. */
static void test_client_hostile_lengths(void **state)
{
    (void)state;
    struct sn_buf b;
    sn_buf_init(&b, 1 << 20);
    const char *trusted[] = {"127.0.0.1", "10.0.0.0/8"};
    char ip[64];

    for (int i = 0; i < 1000; i++)
        sn_buf_adds(&b, ",");
    sn_buf_adds(&b, "203.0.113.7");
    for (int i = 0; i < 1000; i++)
        sn_buf_adds(&b, ",");
    struct bot_fwd_request r = {.peer = "127.0.0.1", .xff = b.p, .trusted = trusted, .ntrusted = 2};
    bot_fwd_client(&r, ip, sizeof ip);
    assert_string_equal(ip, "203.0.113.7");
    const char *fwd[1] = {b.p};
    r.forwarded = fwd;
    r.nforwarded = 1;
    bot_fwd_client(&r, ip, sizeof ip);
    assert_string_equal(ip, "127.0.0.1"); /* not an element for= */

    /* a thousand forged hops (trusted-looking ones too) before what the proxies wrote */
    sn_buf_fini(&b);
    sn_buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        sn_buf_printf(&b, "for=10.0.%d.%d, ", i / 250, i % 250);
    sn_buf_adds(&b, "for=\"[2001:db8::99]\";proto=https, for=10.0.0.1");
    fwd[0] = b.p;
    bot_fwd_client(&r, ip, sizeof ip);
    assert_string_equal(ip, "2001:db8::99");

    /* more trusted hops than the walk looks at: the leftmost kept is the answer, never a
     * forged entry further left */
    sn_buf_fini(&b);
    sn_buf_init(&b, 1 << 20);
    sn_buf_adds(&b, "203.0.113.1");
    for (int i = 0; i < BOT_FWD_MAX_HOPS + 4; i++)
        sn_buf_printf(&b, ", 10.0.0.%d", i + 1);
    r.forwarded = NULL;
    r.nforwarded = 0;
    r.xff = b.p;
    bot_fwd_client(&r, ip, sizeof ip);
    assert_string_equal(ip, "10.0.0.5");

    /* 64 KB of garbage bytes past 0x7f and quotes never closed */
    sn_buf_fini(&b);
    sn_buf_init(&b, 1 << 20);
    for (int i = 0; i < 1 << 16; i++)
        sn_buf_add(&b, i % 7 ? "\xd9" : "\"", 1);
    fwd[0] = b.p;
    r.forwarded = fwd;
    r.nforwarded = 1;
    assert_int_equal(bot_fwd_client(&r, ip, sizeof ip), 0);
    assert_string_equal(ip, "127.0.0.1");
    r.forwarded = NULL;
    r.nforwarded = 0;
    r.xff = b.p; /* the same garbage as X-Forwarded-For and -Proto */
    r.xfp = b.p;
    assert_int_equal(bot_fwd_client(&r, ip, sizeof ip), 0);
    assert_string_equal(ip, "127.0.0.1");
    sn_buf_fini(&b);

    /* a small output buffer is cut, not overrun */
    char small[8];
    r.xff = "2001:db8::1234:5678";
    r.xfp = NULL;
    bot_fwd_client(&r, small, sizeof small);
    assert_string_equal(small, "2001:db");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_net_parse),
        cmocka_unit_test(test_net_contains),
        cmocka_unit_test(test_client),
        cmocka_unit_test(test_client_hostile_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
