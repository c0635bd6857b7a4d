/* Rate limits: a token bucket per connection and open connections per client address. */
#ifndef SANAD_BOT_RATELIMIT_H
#define SANAD_BOT_RATELIMIT_H

/* Token bucket: burst tokens, refilled at rate per second. Plain data, caller's storage. */
struct bot_bucket {
    double tokens;
    long long last_us;
};
void bot_bucket_init(struct bot_bucket *b, int burst, long long now_us);
/* Takes one token: 1 when there was one, 0 when the caller is over the rate. */
int bot_bucket_take(struct bot_bucket *b, int rate, int burst, long long now_us);

/* Open connections per address (any string key, e.g. "127.0.0.1"). */
struct bot_iplimit;
struct bot_iplimit *bot_iplimit_new(int max_per_ip);
void bot_iplimit_free(struct bot_iplimit *l);
/* A new max (a reload): open connections past it stay, new ones wait until under it. */
void bot_iplimit_set_max(struct bot_iplimit *l, int max_per_ip);
/* Counts one more connection from ip: SN_OK, or SN_ETOOBIG (nothing counted) past the max. */
int bot_iplimit_acquire(struct bot_iplimit *l, const char *ip);
/* Forgets one connection from ip (acquired before). */
void bot_iplimit_release(struct bot_iplimit *l, const char *ip);
/* Open connections counted for ip. */
int bot_iplimit_count(const struct bot_iplimit *l, const char *ip);

#endif
