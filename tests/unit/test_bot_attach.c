/* Unit tests for bot/attach.c (the pure half): sniffing by the bytes with hostile files
 * (HTML named .png, SVG, polyglot prefixes, truncated magic, empty), display names from
 * hostile client names (paths, controls, bidi, leading dots, invalid UTF-8, overlong), the
 * content hash, ids and Content-Disposition; and bot/attach_file.c's files and the store's
 * attachment rows on a real SQLite file in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bot/attach.h"
#include "bot/store.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        const char *type; /* NULL: refused */
    } cases[] = {
        {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "image/png"},
        {"\xff\xd8\xff\xe0\0\x10JFIF", 10, "image/jpeg"},
        {"GIF89a\1\0\1\0", 10, "image/gif"},
        {"GIF87a\1\0\1\0", 10, "image/gif"},
        {"RIFF\x24\0\0\0WEBPVP8 ", 16, "image/webp"},
        {"%PDF-1.7\n%\xe2\xe3", 12, "application/pdf"},
        /* hostile: refused whatever their name says */
        {"<!doctype html><script>alert(1)</script>", 40, NULL},
        {"<html><body>\x89PNG\r\n\x1a\n", 20, NULL}, /* the magic later in the file */
        {"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", 56, NULL},
        {" \x89PNG\r\n\x1a\n", 9, NULL},      /* one byte before the magic */
        {"\x89PNG\r\n\x1a", 7, NULL},         /* truncated magic */
        {"\x89png\r\n\x1a\n", 8, NULL},       /* case matters */
        {"RIFF\x24\0\0\0WAVEfmt ", 16, NULL}, /* RIFF but not WebP */
        {"RIFF\x24\0\0\0WEB", 11, NULL},
        {"%PDF", 4, NULL},
        {"GIF88a", 6, NULL},
        {"\xff\xd8", 2, NULL},
        {"MZ\x90\0", 4, NULL}, /* an executable */
        {"PK\3\4", 4, NULL},   /* a zip */
        {"", 0, NULL},         /* zero bytes */
    };
    for (size_t i = 0; i < N(cases); i++) {
        const struct bot_attach_kind *k = bot_attach_sniff(cases[i].bytes, cases[i].len);
        if (!cases[i].type && k)
            fail_msg("case %zu: taken as %s", i, k->type);
        if (cases[i].type && (!k || strcmp(k->type, cases[i].type)))
            fail_msg("case %zu: %s, not %s", i, k ? k->type : "refused", cases[i].type);
    }
    assert_null(bot_attach_sniff(NULL, 10));
    assert_int_equal(bot_attach_kind_get("application/pdf")->image, 0);
    assert_int_equal(bot_attach_kind_get("image/webp")->image, 1);
    assert_null(bot_attach_kind_get("text/html"));
    assert_null(bot_attach_kind_get(NULL));
}

static void test_names(void **state)
{
    (void)state;
    const struct bot_attach_kind *png = bot_attach_kind_get("image/png");
    const struct bot_attach_kind *jpg = bot_attach_kind_get("image/jpeg");
    const struct bot_attach_kind *pdf = bot_attach_kind_get("application/pdf");
    static char longname[400];
    memset(longname, 'a', sizeof longname - 5);
    strcpy(longname + sizeof longname - 5, ".png");
    struct {
        const char *in;
        const struct bot_attach_kind *k;
        const char *out;
    } cases[] = {
        {"photo.png", png, "photo.png"},
        {"Photo.PNG", png, "Photo.PNG"},
        {"../../etc/passwd.png", png, "passwd.png"},
        {"/etc/passwd", png, "passwd.png"},
        {"..\\..\\windows\\win.ini", png, "win.ini.png"},
        {"C:\\Users\\x\\scan.pdf", pdf, "scan.pdf"},
        {"invoice.html", png, "invoice.html.png"}, /* the bytes decide the extension */
        {"report.pdf.exe", pdf, "report.pdf.exe.pdf"},
        {"IMG_1.jpeg", jpg, "IMG_1.jpeg"},
        {"IMG_1.JPG", jpg, "IMG_1.JPG"},
        {".htaccess", png, "htaccess.png"},
        {"...", png, "attachment.png"},
        {"   .hidden.png", png, "hidden.png"},
        {"", png, "attachment.png"},
        {NULL, pdf, "attachment.pdf"},
        {"../", png, "attachment.png"},
        {"a\r\nContent-Type: text.png", png, "aContent-Type text.png"},
        {"tab\tnul.png", png, "tabnul.png"},
        {"q\"u<o>t|e?s*.png", png, "quotes.png"},
        {"\xd8\xb5\xd9\x88\xd8\xb1\xd8\xa9.png", png, "\xd8\xb5\xd9\x88\xd8\xb1\xd8\xa9.png"},
        {"evil\xe2\x80\xaegnp.exe", png, "evilgnp.exe.png"}, /* RIGHT-TO-LEFT OVERRIDE */
        {"bad\xff\xfeutf8.png", png, "badutf8.png"},
        {"over\xc0\xaflong.png", png, "overlong.png"}, /* an overlong '/' */
        {"c1\xc2\x85.png", png, "c1.png"},             /* NEL */
        {"name.png. . ", png, "name.png"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char out[BOT_ATTACH_NAME_MAX];
        bot_attach_name(cases[i].in, cases[i].k, out, sizeof out);
        if (strcmp(out, cases[i].out))
            fail_msg("case %zu: \"%s\" not \"%s\"", i, out, cases[i].out);
    }
    /* naming a name again gives it back, also one that only just fits with its extension
     * (found by tests/fuzz/fuzz_attach.c: it was cut to make room for the extension it had) */
    char fits[BOT_ATTACH_NAME_MAX], again[BOT_ATTACH_NAME_MAX];
    memset(fits, 'f', 113);
    strcpy(fits + 113, ".png");
    for (size_t i = 0; i < N(cases); i++) {
        const char *in = cases[i].in ? cases[i].in : "";
        char once[BOT_ATTACH_NAME_MAX];
        bot_attach_name(in, cases[i].k, once, sizeof once);
        bot_attach_name(once, cases[i].k, again, sizeof again);
        if (strcmp(once, again))
            fail_msg("case %zu: \"%s\" named again is \"%s\"", i, once, again);
    }
    bot_attach_name(fits, png, again, sizeof again);
    assert_string_equal(again, fits);
    char out[BOT_ATTACH_NAME_MAX];
    bot_attach_name(longname, png, out, sizeof out);
    assert_true(strlen(out) <= BOT_ATTACH_NAME_MAX - 1);
    assert_true(strlen(out) > 100);
    assert_string_equal(out + strlen(out) - 4, ".png");
    /* a long Arabic name is cut at a character, never inside one */
    char ar[600] = "";
    for (int i = 0; i < 100; i++)
        strcat(ar, "\xd8\xb3");
    bot_attach_name(ar, pdf, out, sizeof out);
    assert_true(strlen(out) <= BOT_ATTACH_NAME_MAX - 1);
    assert_int_equal((strlen(out) - 4) % 2, 0);
    assert_string_equal(out + strlen(out) - 4, ".pdf");
}

static void test_hash_id_url(void **state)
{
    (void)state;
    char a[BOT_ATTACH_HASH_HEX], b[BOT_ATTACH_HASH_HEX], url[BOT_ATTACH_URL_MAX];
    bot_attach_hash("abc", 3, a);
    bot_attach_hash("abc", 3, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    /* BLAKE2b-256("abc"), as libsodium's crypto_generichash gives it */
    assert_string_equal(a, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    bot_attach_hash("abd", 3, b);
    assert_string_not_equal(a, b);
    assert_true(bot_attach_id_valid("0123456789abcdef0123456789abcdef"));
    assert_false(bot_attach_id_valid("0123456789ABCDEF0123456789abcdef"));
    assert_false(bot_attach_id_valid("0123456789abcdef0123456789abcde"));
    assert_false(bot_attach_id_valid("0123456789abcdef0123456789abcdef0"));
    assert_false(bot_attach_id_valid("../../../../etc/passwd0123456789ab"));
    assert_false(bot_attach_id_valid(""));
    assert_false(bot_attach_id_valid(NULL));
    bot_attach_url("0123456789abcdef0123456789abcdef", url);
    assert_string_equal(url, "/api/attachments/0123456789abcdef0123456789abcdef");
}

static void test_disposition(void **state)
{
    (void)state;
    char d[512];
    bot_attach_disposition(bot_attach_kind_get("image/png"), "a b.png", d, sizeof d);
    assert_string_equal(d, "inline; filename*=UTF-8''a%20b.png");
    bot_attach_disposition(bot_attach_kind_get("application/pdf"), "\xd9\x81.pdf", d, sizeof d);
    assert_string_equal(d, "attachment; filename*=UTF-8''%D9%81.pdf");
    bot_attach_disposition(bot_attach_kind_get("application/pdf"), "x\";\r\nSet-Cookie: a=b", d,
                           sizeof d);
    assert_null(strpbrk(d + strlen("attachment; "), "\";\r\n "));
    /* cut short, it ends with a whole escape */
    char small[40];
    bot_attach_disposition(bot_attach_kind_get("application/pdf"), "\xd9\x81\xd9\x81\xd9\x81",
                           small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    size_t n = strlen(small), pct = strlen(strrchr(small, '%'));
    assert_true(n > 0 && pct == 3);
}

/* The file half and the store's rows, on a real file in a temporary directory. */
static void test_files_and_rows(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/sanad-attach-XXXXXX", dir[600], db[600], path[800];
    struct sn_err e = {0};
    assert_non_null(mkdtemp(tmpl));
    snprintf(dir, sizeof dir, "%s/a/b", tmpl);
    snprintf(db, sizeof db, "%s/store.db", tmpl);
    assert_int_equal(bot_attach_dir_make(dir, &e), SN_OK);
    assert_int_equal(bot_attach_dir_make(dir, &e), SN_OK); /* there already */
    snprintf(path, sizeof path, "%s/file", tmpl);
    FILE *f = fopen(path, "w");
    fclose(f);
    assert_int_equal(bot_attach_dir_make(path, &e), SN_EINVAL); /* a file, not a directory */

    static const char png[] = "\x89PNG\r\n\x1a\nxyz";
    char h[BOT_ATTACH_HASH_HEX], *got = NULL;
    size_t len = 0;
    bot_attach_hash(png, sizeof png - 1, h);
    assert_int_equal(bot_attach_file_put(dir, h, png, sizeof png - 1, &e), SN_OK);
    assert_int_equal(bot_attach_file_put(dir, h, png, sizeof png - 1, &e), SN_OK); /* once */
    assert_int_equal(bot_attach_file_put(dir, "../x", png, 3, &e), SN_EINVAL);
    assert_int_equal(bot_attach_file_get(dir, h, 100, &got, &len, &e), SN_OK);
    assert_int_equal(len, sizeof png - 1);
    assert_memory_equal(got, png, len);
    free(got);
    assert_int_equal(bot_attach_file_get(dir, h, 3, &got, &len, &e), SN_ETOOBIG);
    assert_null(got);
    assert_int_equal(bot_attach_file_get(dir, "../../etc/passwd", 100, &got, &len, &e),
                     SN_ENOTFOUND);

    struct store *s = store_sqlite_open(db, NULL, &e);
    assert_non_null(s);
    assert_int_equal(store_conv_create(s, "c1", "h1", "ar", 1, &e), SN_OK);
    assert_int_equal(store_conv_create(s, "c2", "h2", "en", 1, &e), SN_OK);
    struct store_att a = {.id = "0123456789abcdef0123456789abcdef",
                          .conv_id = "c1",
                          .type = "image/png",
                          .size = sizeof png - 1,
                          .name = "p.png",
                          .created = 5};
    memcpy(a.hash, h, sizeof a.hash);
    assert_int_equal(store_att_add(s, &a, &e), SN_OK);
    assert_int_equal(store_att_add(s, &a, &e), SN_ECONFLICT); /* the same id */
    struct store_att b = a;
    memcpy(b.id, "1123456789abcdef0123456789abcdef", 33);
    memcpy(b.conv_id, "zz", 3);
    assert_int_equal(store_att_add(s, &b, &e), SN_ECONFLICT); /* no such conversation */
    memcpy(b.conv_id, "c2", 3); /* the same bytes, uploaded in another conversation */
    assert_int_equal(store_att_add(s, &b, &e), SN_OK);
    struct store_att r;
    assert_int_equal(store_att_get(s, a.id, &r, &e), SN_OK);
    assert_string_equal(r.conv_id, "c1");
    assert_string_equal(r.name, "p.png");
    assert_int_equal(r.size, sizeof png - 1);
    assert_int_equal(store_att_get(s, "ffffffffffffffffffffffffffffffff", &r, &e), SN_ENOTFOUND);
    long long cnt = -1;
    assert_int_equal(store_att_count(s, "c1", &cnt, &e), SN_OK);
    assert_int_equal(cnt, 1);
    assert_int_equal(store_att_count(s, "nobody", &cnt, &e), SN_OK);
    assert_int_equal(cnt, 0);

    /* removing c1's: its row goes, the file stays (c2 still has it); then c2's: both go */
    int n = -1;
    snprintf(path, sizeof path, "%s/%s", dir, h);
    assert_int_equal(bot_attach_conv_remove(s, dir, "c1", &n, &e), SN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_att_get(s, a.id, &r, &e), SN_ENOTFOUND);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(bot_attach_conv_remove(s, dir, "c2", &n, &e), SN_OK);
    assert_int_equal(n, 1);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(bot_attach_conv_remove(s, dir, "c2", &n, &e), SN_OK); /* nothing left */
    assert_int_equal(n, 0);
    store_close(s);

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),          cmocka_unit_test(test_names),
        cmocka_unit_test(test_hash_id_url),    cmocka_unit_test(test_disposition),
        cmocka_unit_test(test_files_and_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
