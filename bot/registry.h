/* Which connections a conversation has: conversation id -> the visitor connections attached
 * to it (a visitor may have the widget open in two tabs). Routing delivers to a
 * conversation through it instead of walking every open socket. Pure: connections are
 * opaque pointers, no sockets, no loop. Not thread-safe (the event loop's thread). */
#ifndef SANAD_BOT_REGISTRY_H
#define SANAD_BOT_REGISTRY_H

#include <stddef.h>

struct bot_registry;

/* A new, empty registry owned by the caller (bot_registry_free). */
struct bot_registry *bot_registry_new(void);
/* Frees r (NULL is fine); the connections are the caller's. */
void bot_registry_free(struct bot_registry *r);

/* Attaches conn to conversation conv (a copy of the id is kept); attaching it twice
 * keeps one. */
void bot_registry_attach(struct bot_registry *r, const char *conv, void *conn);
/* Detaches conn from conv; a conversation left with none is forgotten. Unknown pairs are
 * ignored. */
void bot_registry_detach(struct bot_registry *r, const char *conv, void *conn);

/* The connections of conv, copied into out (at most cap, oldest first); returns how many
 * conv has in all (0 for an unknown one). A copy, so that a callback that detaches does
 * not disturb the caller's loop. */
size_t bot_registry_conns(const struct bot_registry *r, const char *conv, void **out, size_t cap);

/* Conversations with at least one connection. */
size_t bot_registry_count(const struct bot_registry *r);

#endif
