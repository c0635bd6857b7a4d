/* The attachments' routes (docs/api.md, "Attachments"), without lws: who may upload to which
 * conversation, the upload itself and the answer to a GET of its URL. bot/http_api.c reads
 * the request (headers, query, body under attachment_max_bytes) and writes what these fill
 * in. Internal to bot/. */
#ifndef SANAD_BOT_HTTP_ATTACH_H
#define SANAD_BOT_HTTP_ATTACH_H

#include <stddef.h>

#include "bot/store.h"

struct bot_api_call;
struct bot_server;
struct bot_user;

/* The header a visitor's upload carries its conversation token in, lower case with the
 * colon as lws looks custom headers up. */
#define BOT_ATTACH_TOKEN_HEADER "x-sanad-token:"

/* The conversation whose live visitor token is token (within session_ttl of its last
 * activity) into conv: 0, else the HTTP status to answer (401 unknown or expired, 500 the
 * store failed). */
int bot_http_attach_visitor(struct bot_server *srv, const char *token, char conv[STORE_ID_MAX]);
/* 0 when conv is a conversation user u holds (state agent, assigned to u), else the HTTP
 * status: 400 a malformed id, 403 not u's, 500 the store failed. */
int bot_http_attach_agent(struct bot_server *srv, const struct bot_user *u, const char *conv);

/* POST /api/attachments for conversation conv (checked by one of the above): c->body[0..len)
 * is the file, query argument "name" its name. Sniffs, names, hashes, stores the file and
 * its row; answers 201 {"id","url","type","size","name"}, or 400 empty, 415 a refused type,
 * 500 (nothing is left half-stored: a file without a row is only ever a copy of bytes
 * already stored, or is removed). */
void bot_http_attach_upload(struct bot_api_call *c, const char *conv);
/* GET /api/attachments/{id}: the file as c->raw (owned by c's writer) with its sniffed type;
 * its Content-Disposition written into disp (size bytes), c->disposition pointing at it.
 * 404 for an unknown or malformed id or a missing file. */
void bot_http_attach_get(struct bot_api_call *c, char *disp, size_t size);

#endif
