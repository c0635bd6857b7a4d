/* Which connections a conversation has: conversation id -> the visitor connections attached
 * to it (a visitor may have the widget open in two tabs). Routing delivers to a
 * conversation through it instead of walking every open socket. Intrusive, so that an idle
 * visitor costs a pointer or two: each connection holds its link and its conversation id,
 * and the registry reaches them through the two accessors given at creation. Pure:
 * connections are opaque, no sockets, no loop. Not thread-safe (the event loop's thread). */
#ifndef SANAD_BOT_REGISTRY_H
#define SANAD_BOT_REGISTRY_H

#include <stddef.h>

/* The conversation id of a connection (stable while it is attached), and the address of
 * its link: a void * the registry owns while the connection is attached. */
typedef const char *bot_registry_id_fn(const void *conn);
typedef void **bot_registry_link_fn(void *conn);

struct bot_registry;

/* A new, empty registry owned by the caller (bot_registry_free). */
struct bot_registry *bot_registry_new(bot_registry_id_fn *id, bot_registry_link_fn *link);
/* Frees r (NULL is fine); the connections are the caller's. */
void bot_registry_free(struct bot_registry *r);

/* Attaches conn under its conversation id. A connection is attached at most once (the
 * caller's rule: at hello) and detached before it goes. */
void bot_registry_attach(struct bot_registry *r, void *conn);
/* Detaches conn; a connection not attached is ignored. */
void bot_registry_detach(struct bot_registry *r, void *conn);

/* The connections of conv, copied into out (at most cap, most recently attached first);
 * returns how many conv has in all (0 for an unknown one). A copy, so that a callback that
 * detaches does not disturb the caller's loop. */
size_t bot_registry_conns(const struct bot_registry *r, const char *conv, void **out, size_t cap);

/* Attached connections. */
size_t bot_registry_count(const struct bot_registry *r);

#endif
