/* The visitor side of a connection (bot/session.h is the connection): what a visitor's
 * frames mean, the conversation it speaks in, storing and replaying its transcript. */
#ifndef SANAD_BOT_VISITOR_H
#define SANAD_BOT_VISITOR_H

#include <stddef.h>

struct bot_session;

/* A visitor frame that passed the connection's admission (bot_session_admit), received at
 * t0 (bot_server_now_us): decoded, refused or acted on. */
void bot_visitor_on_frame(struct bot_session *s, const char *buf, size_t len, long long t0);

/* The session goes: its conversation leaves the registry and is freed. */
void bot_visitor_leave(struct bot_session *s);

#endif
