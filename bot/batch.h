/* Group commit: the store writes of one turn of the event loop share one transaction,
 * committed before the loop waits again, instead of one commit (a WAL append and two file
 * locks) for each of the three or four writes of an exchange. The promise stays whole: a
 * frame queued while a batch is open (an ack, an answer, a relay: anything that may speak
 * of the batch's writes) is sent only once that batch is committed. Gaps and labels written
 * to the knowledge base ride in a batch of their own on its connection. */
#ifndef SANAD_BOT_BATCH_H
#define SANAD_BOT_BATCH_H

struct bot_server;
struct bot_session;
struct bot_outframe;

/* Opens the first batch: from now on writes wait for bot_batch_flush. */
void bot_batch_start(struct bot_server *srv);

/* Commits the open batch and opens the next. On success the sessions whose frames waited
 * are woken. When the commit fails nothing of the batch is stored: the frames queued while
 * it was open are dropped and their sessions closed (1011), so that their clients
 * reconnect, replay what is stored and send again what was never acknowledged. Returns
 * SN_OK or the store's failure. Cheap when nothing was written. */
int bot_batch_flush(struct bot_server *srv);

/* Commits what is open and stops batching (the shutdown): later writes commit at once. */
void bot_batch_stop(struct bot_server *srv);

/* 1 when f waits for its batch's commit. */
int bot_batch_waits(const struct bot_server *srv, const struct bot_outframe *f);

/* Puts s on the list woken at the next commit (once however often it is called). */
void bot_batch_hold(struct bot_session *s);

/* Takes s off that list (s is being freed). */
void bot_batch_forget(struct bot_session *s);

#endif
