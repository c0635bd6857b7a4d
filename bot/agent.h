/* One agent connection's protocol logic (/agent, sanad.agent.v1): the frames of
 * docs/protocol.md "Agent protocol" decoded and handed to the queue, with the same
 * discipline as the visitor socket (rate limit, error frames, abuse close). No lws here. */
#ifndef SANAD_BOT_AGENT_H
#define SANAD_BOT_AGENT_H

#include <stddef.h>

struct bot_session;
struct bot_user;

/* The socket of session s was accepted for user u with login session token (checked again
 * every second: a logout, a disabled account or an expired session closes the socket):
 * joins the queue (welcome, queue, chats). */
void bot_agent_open(struct bot_session *s, const struct bot_user *u, const char *token);

/* A whole WebSocket message arrived on an agent session (as bot_session_on_frame). */
void bot_agent_on_frame(struct bot_session *s, const char *buf, size_t len, int binary,
                        int too_big);

#endif
