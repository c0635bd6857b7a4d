/* The store interface: dispatch to the backend's ops. */
#include "bot/store.h"

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

void store_batch_begin(struct store *s)
{
    s->ops->batch_begin(s);
}

int store_batch_end(struct store *s, struct sn_err *err)
{
    return s->ops->batch_end(s, err);
}

int store_conv_create(struct store *s,
                      const char *id,
                      const char *token_hash,
                      const char *lang,
                      long long now,
                      struct sn_err *err)
{
    return s->ops->conv_create(s, id, token_hash, lang, now, err);
}

int store_conv_by_token(struct store *s,
                        const char *token_hash,
                        long long min_updated,
                        struct store_conv *out,
                        struct sn_err *err)
{
    return s->ops->conv_by_token(s, token_hash, min_updated, out, err);
}

int store_conv_save(struct store *s,
                    const char *id,
                    const char *state,
                    const char *lang,
                    const void *dlg,
                    size_t dlg_len,
                    long long now,
                    struct sn_err *err)
{
    return s->ops->conv_save(s, id, state, lang, dlg, dlg_len, now, err);
}

int store_msg_add(
    struct store *s, const struct store_msg *m, long long *seq, int *dup, struct sn_err *err)
{
    return s->ops->msg_add(s, m, seq, dup, err);
}

int store_msg_each(struct store *s,
                   const char *conv_id,
                   long long after,
                   int limit,
                   store_msg_fn *fn,
                   void *ctx,
                   struct sn_err *err)
{
    return s->ops->msg_each(s, conv_id, after, limit, fn, ctx, err);
}

int store_msg_from(struct store *s,
                   const char *conv_id,
                   long long seq,
                   char *from,
                   size_t from_size,
                   struct sn_err *err)
{
    return s->ops->msg_from(s, conv_id, seq, from, from_size, err);
}

int store_feedback_add(struct store *s,
                       const char *conv_id,
                       long long seq,
                       int helpful,
                       long long now,
                       struct sn_err *err)
{
    return s->ops->feedback_add(s, conv_id, seq, helpful, now, err);
}

int store_csat_set(struct store *s,
                   const char *conv_id,
                   int rating,
                   const char *comment,
                   long long now,
                   struct sn_err *err)
{
    return s->ops->csat_set(s, conv_id, rating, comment, now, err);
}

int store_msg_each_all(struct store *s,
                       const char *conv_id,
                       long long after,
                       int limit,
                       store_msg_fn *fn,
                       void *ctx,
                       struct sn_err *err)
{
    return s->ops->msg_each_all(s, conv_id, after, limit, fn, ctx, err);
}

int store_conv_route(struct store *s,
                     const char *id,
                     const char *state,
                     long long agent_id,
                     long long queued_at,
                     const char *resolution,
                     long long now,
                     struct sn_err *err)
{
    return s->ops->conv_route(s, id, state, agent_id, queued_at, resolution, now, err);
}

int store_conv_get(struct store *s, const char *id, struct store_route *out, struct sn_err *err)
{
    return s->ops->conv_get(s, id, out, err);
}

int store_conv_each(struct store *s,
                    const char *state,
                    long long agent_id,
                    store_route_fn *fn,
                    void *ctx,
                    struct sn_err *err)
{
    return s->ops->conv_each(s, state, agent_id, fn, ctx, err);
}

int store_ticket_add(struct store *s,
                     const struct store_ticket *t,
                     long long *id,
                     struct sn_err *err)
{
    return s->ops->ticket_add(s, t, id, err);
}

int store_ticket_each(
    struct store *s, int limit, store_ticket_fn *fn, void *ctx, struct sn_err *err)
{
    return s->ops->ticket_each(s, limit, fn, ctx, err);
}

int store_ticket_get(
    struct store *s, long long id, store_ticket_fn *fn, void *ctx, struct sn_err *err)
{
    return s->ops->ticket_get(s, id, fn, ctx, err);
}

int store_canned_set(struct store *s, const struct store_canned *c, struct sn_err *err)
{
    return s->ops->canned_set(s, c, err);
}

int store_canned_rm(struct store *s, const char *shortcut, const char *lang, struct sn_err *err)
{
    return s->ops->canned_rm(s, shortcut, lang, err);
}

int store_canned_each(
    struct store *s, const char *lang, store_canned_fn *fn, void *ctx, struct sn_err *err)
{
    return s->ops->canned_each(s, lang, fn, ctx, err);
}

int store_att_add(struct store *s, const struct store_att *a, struct sn_err *err)
{
    return s->ops->att_add(s, a, err);
}

int store_att_get(struct store *s, const char *id, struct store_att *out, struct sn_err *err)
{
    return s->ops->att_get(s, id, out, err);
}

int store_att_conv_rm(struct store *s,
                      const char *conv_id,
                      store_hash_fn *fn,
                      void *ctx,
                      int *removed,
                      struct sn_err *err)
{
    return s->ops->att_conv_rm(s, conv_id, fn, ctx, removed, err);
}

int store_att_count(struct store *s, const char *conv_id, long long *n, struct sn_err *err)
{
    return s->ops->att_count(s, conv_id, n, err);
}

int store_profile_set(struct store *s,
                      const char *conv_id,
                      const struct store_profile *p,
                      struct sn_err *err)
{
    return s->ops->profile_set(s, conv_id, p, err);
}

int store_profile_get(struct store *s,
                      const char *conv_id,
                      struct store_profile *out,
                      struct sn_err *err)
{
    return s->ops->profile_get(s, conv_id, out, err);
}

int store_case_add(struct store *s,
                   struct store_case *c,
                   const struct store_case_event *ev,
                   struct sn_err *err)
{
    return s->ops->case_add(s, c, ev, err);
}

int store_case_find(struct store *s,
                    enum store_case_key key,
                    const char *value,
                    struct store_case *out,
                    struct sn_err *err)
{
    return s->ops->case_find(s, key, value, out, err);
}

int store_case_record(struct store *s,
                      const struct store_case *c,
                      const struct store_case_event *ev,
                      struct sn_err *err)
{
    return s->ops->case_record(s, c, ev, err);
}

int store_case_event_each(
    struct store *s, long long case_id, store_case_event_fn *fn, void *ctx, struct sn_err *err)
{
    return s->ops->case_event_each(s, case_id, fn, ctx, err);
}

int store_case_search(struct store *s,
                      const struct store_case_filter *f,
                      store_case_found_fn *fn,
                      void *ctx,
                      long long *scan_end,
                      struct sn_err *err)
{
    return s->ops->case_search(s, f, fn, ctx, scan_end, err);
}

int store_stats_add(struct store *s, const struct store_stats_event *ev, struct sn_err *err)
{
    return s->ops->stats_add(s, ev, err);
}

int store_stats_last(
    struct store *s, const char *conv, const char *kind, long long *ts, struct sn_err *err)
{
    return s->ops->stats_last(s, conv, kind, ts, err);
}

int store_stats_each(struct store *s,
                     long long from,
                     long long to,
                     store_stats_fn *fn,
                     void *ctx,
                     struct sn_err *err)
{
    return s->ops->stats_each(s, from, to, fn, ctx, err);
}

int store_stats_email_seen(
    struct store *s, const char *conv, long long since, int *seen, struct sn_err *err)
{
    return s->ops->stats_email_seen(s, conv, since, seen, err);
}
