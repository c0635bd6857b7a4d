/* The attachments' routes, lws-free (bot/http_attach.h). */
#include "bot/http_attach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "bot/api.h"
#include "bot/attach.h"
#include "bot/attach_pg.h"
#include "bot/config.h"
#include "bot/proto.h"
#include "bot/server.h"

/* The token's hash as the store keeps it (visitor.c hashes it the same way at hello). */
static void token_hash(const char *token, char out[STORE_HASH_HEX])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, STORE_HASH_HEX, h, sizeof h);
}

int bot_http_attach_visitor(struct bot_server *srv, const char *token, char conv[STORE_ID_MAX])
{
    struct store_conv sc = {0};
    struct sn_err e = {0};
    char th[STORE_HASH_HEX];
    if (!token || !token[0] || strlen(token) > BOT_PROTO_TOKEN_MAX)
        return 401;
    token_hash(token, th);
    long long min = bot_server_now_ms() - (long long)srv->cfg->session_ttl * 1000;
    int rc = store_conv_by_token(srv->store, th, min, &sc, &e);
    free(sc.dialogue);
    if (rc == SN_ENOTFOUND)
        return 401;
    if (rc) {
        sn_log(SN_LOG_ERR, "attach", "event=token_lookup_failed err=\"%s\"", e.msg);
        return 500;
    }
    snprintf(conv, STORE_ID_MAX, "%s", sc.id);
    return 0;
}

int bot_http_attach_agent(struct bot_server *srv, const struct bot_user *u, const char *conv)
{
    struct store_route r;
    struct sn_err e = {0};
    if (!conv || !bot_proto_valid_id(conv, STORE_ID_MAX - 1))
        return 400;
    int rc = store_conv_get(srv->store, conv, &r, &e);
    if (rc == SN_ENOTFOUND)
        return 403;
    if (rc) {
        sn_log(SN_LOG_ERR, "attach", "event=conv_lookup_failed err=\"%s\"", e.msg);
        return 500;
    }
    return strcmp(r.state, "agent") || r.agent_id != u->id ? 403 : 0;
}

void bot_http_attach_upload(struct bot_api_call *c, const char *conv)
{
    struct bot_server *srv = c->srv;
    struct store_att a = {0};
    struct sn_err e = {0};
    unsigned char rnd[16];
    char url[BOT_ATTACH_URL_MAX];
    if (!c->len) {
        bot_api_error(c, 400, "empty", "the file is empty");
        return;
    }
    const struct bot_attach_kind *k = bot_attach_sniff(c->body, c->len);
    if (!k) {
        bot_api_error(c, 415, "unsupported_media_type",
                      "only images (PNG, JPEG, GIF, WebP) and PDF files are taken");
        return;
    }
    /* a conversation cannot fill the disk: its uploads are counted */
    long long n = 0;
    if (store_att_count(srv->store, conv, &n, &e)) {
        sn_log(SN_LOG_ERR, "attach", "event=count_failed conv=%s err=\"%s\"", conv, e.msg);
        bot_api_error(c, 500, "internal", "the attachment could not be stored");
        return;
    }
    if (n >= srv->cfg->attachments_per_conversation) {
        bot_api_error(
            c, 429, "too_many_attachments",
            "this conversation has %lld attachments already (attachments_per_conversation)", n);
        return;
    }
    randombytes_buf(rnd, sizeof rnd); /* 128 bits: the id is the URL's only secret */
    sodium_bin2hex(a.id, sizeof a.id, rnd, sizeof rnd);
    snprintf(a.conv_id, sizeof a.conv_id, "%s", conv);
    bot_attach_hash(c->body, c->len, a.hash);
    snprintf(a.type, sizeof a.type, "%s", k->type);
    a.size = (long long)c->len;
    bot_attach_name(bot_api_arg(c, "name"), k, a.name, sizeof a.name);
    a.created = bot_server_now_ms();
    /* the file first: a row never names a file that is not there. A file whose row then
     * fails to be stored is a copy nothing uses; it stays only when an earlier row has it */
    if (bot_attach_file_put(srv->cfg->attachments_dir, a.hash, c->body, c->len, &e) ||
        store_att_add(srv->store, &a, &e)) {
        sn_log(SN_LOG_ERR, "attach", "event=store_failed conv=%s err=\"%s\"", conv, e.msg);
        bot_api_error(c, 500, "internal", "the attachment could not be stored");
        return;
    }
    /* with PostgreSQL the bytes go there too before the upload is acknowledged, after the
     * row (a row left without its blob by a purge of the same bytes elsewhere is sent again
     * by this node's sweep, from the file). A failure leaves a row whose id no client was
     * given, served by this node only */
    if (srv->attach_pg &&
        bot_attach_pg_put(srv->attach_pg, a.hash, c->body, c->len, a.created, &e)) {
        sn_log(SN_LOG_ERR, "attach", "event=blob_store_failed conv=%s id=%s err=\"%s\"", conv, a.id,
               e.msg);
        c->retry_after = BOT_ATTACH_PG_RETRY_S;
        bot_api_error(c, 503, "unavailable", "the attachment could not be stored: try again");
        return;
    }
    bot_attach_url(a.id, url);
    sn_log(SN_LOG_NOTICE, "attach", "event=uploaded conv=%s id=%s type=%s size=%lld", conv, a.id,
           a.type, a.size);
    bot_api_reply(c, 201,
                  json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", a.id, "url", url, "type", a.type,
                            "size", (json_int_t)a.size, "name", a.name));
}

void bot_http_attach_get(struct bot_api_call *c, char *disp, size_t size)
{
    struct bot_server *srv = c->srv;
    struct store_att a;
    struct sn_err e = {0};
    char *data = NULL;
    size_t len = 0;
    const struct bot_attach_kind *k;
    int rc;
    if (!bot_attach_id_valid(c->param) ||
        (rc = store_att_get(srv->store, c->param, &a, &e)) == SN_ENOTFOUND) {
        bot_api_error(c, 404, "not_found", "no such attachment");
        return;
    }
    if (rc == SN_EDB && srv->attach_pg) { /* the row is in PostgreSQL, which cannot be asked */
        sn_log(SN_LOG_ERR, "attach", "event=lookup_failed id=%s err=\"%s\"", c->param, e.msg);
        c->retry_after = BOT_ATTACH_PG_RETRY_S;
        bot_api_error(c, 503, "unavailable", "the attachment cannot be read now: try again");
        return;
    }
    if (rc == SN_OK)
        rc =
            bot_attach_file_get(srv->cfg->attachments_dir, a.hash, (size_t)a.size, &data, &len, &e);
    if (rc == SN_ENOTFOUND && srv->attach_pg) { /* uploaded on another node: fetched once */
        /* never more than attachment_max_bytes, whatever a row says */
        size_t max = (size_t)a.size < (size_t)srv->cfg->attachment_max_bytes
                         ? (size_t)a.size
                         : (size_t)srv->cfg->attachment_max_bytes;
        rc = bot_attach_pg_fetch(srv->attach_pg, srv->cfg->attachments_dir, a.hash, max, &data,
                                 &len, &e);
        if (rc && rc != SN_ENOTFOUND) {
            int st = bot_attach_pg_status(rc);
            sn_log(SN_LOG_ERR, "attach", "event=blob_fetch_failed id=%s hash=%s err=\"%s\"", a.id,
                   a.hash, e.msg);
            if (st == 503) {
                c->retry_after = BOT_ATTACH_PG_RETRY_S;
                bot_api_error(c, 503, "unavailable",
                              "the attachment cannot be read now: try again");
            } else
                bot_api_error(c, st, "internal", "the attachment could not be read");
            return;
        }
        if (rc == SN_OK)
            sn_log(SN_LOG_NOTICE, "attach", "event=fetched id=%s hash=%s size=%zu", a.id, a.hash,
                   len);
    }
    k = bot_attach_kind_get(a.type);
    if (rc == SN_ENOTFOUND || (rc == SN_OK && (!k || len != (size_t)a.size))) {
        free(data);
        sn_log(SN_LOG_WARN, "attach", "event=file_missing id=%s", a.id);
        bot_api_error(c, 404, "not_found", "no such attachment");
        return;
    }
    if (rc) {
        sn_log(SN_LOG_ERR, "attach", "event=read_failed id=%s err=\"%s\"", a.id, e.msg);
        bot_api_error(c, 500, "internal", "the attachment could not be read");
        return;
    }
    bot_attach_disposition(k, a.name, disp, size);
    c->status = 200;
    c->raw = data;
    c->raw_len = len;
    c->raw_type = k->type;
    c->disposition = disp;
}
