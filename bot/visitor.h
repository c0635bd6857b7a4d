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

/* The session goes: it leaves its conversation (freed with its last connection). */
void bot_visitor_leave(struct bot_session *s);

/* Refills the queue from the store while a replay is in progress. */
void bot_session_replay_fill(struct bot_session *s);

/* A stored transcript message for this visitor: queued now unless a replay is in progress
 * (the replay will carry it). Takes frame. */
void bot_session_deliver(struct bot_session *s, char *frame, size_t len);

/* The conversation id of a visitor session (NULL before hello). */
const char *bot_session_conv_id(const struct bot_session *s);

#endif
