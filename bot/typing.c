/* The typing relay policy (see bot/typing.h). */
#include "bot/typing.h"

int bot_typing_relay(struct bot_typing *t, int on, long long now)
{
    int pass;
    if (!on)
        pass = t->on; /* an end passes only when a start did */
    else
        pass = !t->at || now - t->at >= BOT_TYPING_GAP_MS || now < t->at;
    if (pass) {
        t->on = on;
        t->at = now;
    }
    return pass;
}

int bot_typing_reset(struct bot_typing *t)
{
    int was = t->on;
    t->on = 0;
    t->at = 0;
    return was;
}
