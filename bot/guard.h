/* The login guard: failed logins slow the guesser down without locking the real user out.
 * In memory only (a restart forgets it); time is passed in, so it is tested with a fake
 * clock (tests/unit/test_bot_guard.c). Not thread-safe (the event loop's thread).
 *
 * Three counts, each over `window` seconds from its first failure:
 *   - per (login, address): after `pair_free` failures each further try waits, 1 s after
 *     the next failure, then 2, 4, 8 … up to `window` (the guesser at one address);
 *   - per login, from every address: past `account_limit` failures, tries from an address
 *     that never logged in to it wait the same growing delay (a guesser spread over many
 *     addresses); an address it logged in from before passes, so the real user is not
 *     locked out by someone else's guessing;
 *   - per address, for every login: past `address_limit` failures, logins never made from
 *     it wait likewise (one address guessing many accounts), known ones pass (an office
 *     behind one NAT address keeps working).
 * A success clears the (login, address) count and remembers the pair as known. At most
 * BOT_GUARD_SLOTS entries of each kind are kept; when full, the oldest is reused. */
#ifndef SANAD_BOT_GUARD_H
#define SANAD_BOT_GUARD_H

#define BOT_GUARD_SLOTS 4096

struct bot_guard_config {
    int pair_free;     /* failures per (login, address) before delays (login_max_failures) */
    int account_limit; /* failures per login before unknown addresses wait */
    int address_limit; /* failures per address before unknown logins wait */
    int window;        /* seconds a count lasts from its first failure; the longest delay */
};

struct bot_guard;

/* A guard owned by the caller (bot_guard_free). */
struct bot_guard *bot_guard_new(const struct bot_guard_config *c);
void bot_guard_free(struct bot_guard *g);
/* New limits (a reload); the counts so far stay and are judged by them. */
void bot_guard_configure(struct bot_guard *g, const struct bot_guard_config *c);

/* 0 when login may try from address now (ms since the epoch, as every `now` here), else
 * the seconds to wait (Retry-After), rounded up. */
int bot_guard_wait(struct bot_guard *g, const char *login, const char *address, long long now);
/* A try, counted as failed from the moment it is made (the password check runs on another
 * thread: tries made at once must not all pass the wait before any of them has failed). */
void bot_guard_failed(struct bot_guard *g, const char *login, const char *address, long long now);
/* That try succeeded: the pair's count is cleared, the account's and the address's get
 * its one back, and the pair is known from now on. */
void bot_guard_succeeded(struct bot_guard *g,
                         const char *login,
                         const char *address,
                         long long now);

/* The delay after f failures with free ones allowed: 0 while f <= free, then 1, 2, 4 …
 * seconds, at most max. Pure, for the table test. */
int bot_guard_delay(int failures, int free, int max);

#endif
