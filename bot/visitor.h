/* The visitor side of a connection (bot/session.h is the connection): what a visitor's
 * frames mean, the conversation it speaks in, storing and replaying its transcript. */
#ifndef SANAD_BOT_VISITOR_H
#define SANAD_BOT_VISITOR_H

#include <stddef.h>

#include "bot/conv.h"

struct bot_session;

/* A visitor frame that passed the connection's admission (bot_session_admit), received at
 * t0 (bot_server_now_us): decoded, refused or acted on. */
void bot_visitor_on_frame(struct bot_session *s, const char *buf, size_t len, long long t0);

/* The session goes: its conversation leaves the registry and is freed. */
void bot_visitor_leave(struct bot_session *s);

/* Refills the queue from the store while a replay is in progress. */
void bot_session_replay_fill(struct bot_session *s);

/* A stored transcript message for this visitor: queued now unless a replay is in progress
 * (the replay will carry it). Takes frame. */
void bot_session_deliver(struct bot_session *s, char *frame, size_t len);

/* The conversation of a visitor session (NULL before hello). set_state sets the state kept
 * in memory to one the caller's transition reached (bot/conv.h; the caller writes the
 * store); nothing happens before hello. */
const char *bot_session_conv_id(const struct bot_session *s);
/* The accessors of the server's visitor registry (bot/registry.h), for sessions after
 * hello. */
const char *bot_session_reg_id(const void *s);
void **bot_session_reg_link(void *s);
void bot_session_set_state(struct bot_session *s, enum bot_conv_state state);

#endif
