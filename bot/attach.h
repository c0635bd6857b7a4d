/* Attachments (docs/api.md, "Attachments"): what a file is, told by its bytes; the name it is
 * shown under; the content hash it is stored under; and the files themselves in
 * attachments_dir. The first part is pure (no I/O) and table-tested (test_bot_attach); the
 * second (bot/attach_file.c) writes, reads and removes files and is driven by the
 * integration tests. The HTTP route is bot/http_attach.c. Internal to bot/. */
#ifndef SANAD_BOT_ATTACH_H
#define SANAD_BOT_ATTACH_H

#include <stddef.h>

#include "kb/base.h"

struct store;
struct bot_attach_pg;

#define BOT_ATTACH_HASH_HEX 65  /* BLAKE2b-256 as hex, NUL included: the stored file's name */
#define BOT_ATTACH_ID_MAX   33  /* 128 random bits as hex, NUL included */
#define BOT_ATTACH_NAME_MAX 121 /* bytes of a display name, NUL included (whole UTF-8 only) */
#define BOT_ATTACH_TYPE_MAX 32  /* a MIME type, NUL included */
#define BOT_ATTACH_URL_MAX  64  /* "/api/attachments/" + id, NUL included */

/* One kind of file Sanad takes: its MIME type, the extension a name of it ends with, and
 * whether browsers show it inline (an image) or save it (a PDF). */
struct bot_attach_kind {
    const char *type; /* "image/png", … */
    const char *ext;  /* ".png", … */
    int image;
};

/* The kind of the file data[0..len) by its first bytes (PNG, JPEG, GIF, WebP, PDF), or NULL
 * for anything else (HTML, SVG, text, an empty or truncated file): the name and the
 * Content-Type a client sent are never asked. The result is static. Pure. */
const struct bot_attach_kind *bot_attach_sniff(const void *data, size_t len);
/* The kind whose MIME type is type, or NULL. Static. Pure. */
const struct bot_attach_kind *bot_attach_kind_get(const char *type);

/* The name a file is shown and saved under, from the one a client gave (raw may be NULL or
 * any bytes): its last path segment (after '/' or '\\'), without control characters,
 * invalid UTF-8, the characters Windows refuses in names ("*:<>?|) or leading dots and
 * spaces, cut at a character boundary to fit BOT_ATTACH_NAME_MAX, and ending with the
 * kind's extension (appended when the name ends otherwise, so "x.html" of a PNG is
 * "x.html.png"). Nothing left: "attachment" + extension. Writes out (size bytes, at least
 * BOT_ATTACH_NAME_MAX). Pure. */
void bot_attach_name(const char *raw, const struct bot_attach_kind *k, char *out, size_t size);

/* The content hash of data[0..len) (BLAKE2b-256, lower-case hex) into out: the stored file's
 * name, so the same bytes are stored once. Pure. */
void bot_attach_hash(const void *data, size_t len, char out[BOT_ATTACH_HASH_HEX]);

/* True when s is a well-formed attachment id (32 lower-case hex digits): anything else is
 * not looked up. Pure. */
int bot_attach_id_valid(const char *s);
/* The URL an attachment is served at, "/api/attachments/ID", into out. Pure. */
void bot_attach_url(const char *id, char out[BOT_ATTACH_URL_MAX]);

/* The Content-Disposition of an attachment: "inline" for an image, "attachment" for the
 * rest, each with filename*=UTF-8''NAME (RFC 6266/8187: every byte outside the attr-char set
 * percent-encoded, so no quote, semicolon or line break can reach the header). Writes out
 * (size bytes; cut short, it still ends with a whole %XX). Pure. */
void bot_attach_disposition(const struct bot_attach_kind *k,
                            const char *name,
                            char *out,
                            size_t size);

/* ---- files (bot/attach_file.c) ---- */

/* Creates dir (and its parents) when missing, mode 0700; SN_OK when it is a directory we can
 * write, else SN_EINVAL with err naming it (attachments_dir is then a configuration
 * error). */
int bot_attach_dir_make(const char *dir, struct sn_err *err);
/* Stores data[0..len) as dir/hash: written to a temporary file in dir, flushed to disk and
 * renamed, so a reader never sees half a file; a file of that name already there is kept
 * (the same bytes: stored once). SN_OK, or SN_EDB with err set and nothing left behind. */
int bot_attach_file_put(
    const char *dir, const char *hash, const void *data, size_t len, struct sn_err *err);
/* The stored file dir/hash, at most max bytes, into *out (owned by the caller: free()) and
 * *len. SN_ENOTFOUND when it is missing, SN_ETOOBIG over max, SN_EDB on a read error. */
int bot_attach_file_get(
    const char *dir, const char *hash, size_t max, char **out, size_t *len, struct sn_err *err);
/* Removes conversation conv_id's attachment rows from the store and every file no row
 * refers to any more (another conversation's upload of the same bytes keeps its file).
 * *removed (may be NULL) counts the rows. SN_OK, or the store's error (files are removed
 * only after their rows are). This is what retention calls with a conversation's
 * messages. */
int bot_attach_conv_remove(
    struct store *s, const char *dir, const char *conv_id, int *removed, struct sn_err *err);
/* bot_attach_conv_remove, and with apg (may be NULL: as above) each freed hash's blob in
 * PostgreSQL as well (bot_attach_pg_drop; a failure is logged and left to the sweep). */
int bot_attach_conv_remove_pg(struct store *s,
                              const char *dir,
                              struct bot_attach_pg *apg,
                              const char *conv_id,
                              int *removed,
                              struct sn_err *err);

#endif
