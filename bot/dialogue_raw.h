/* The layout binaries before the dialogue's stored format (format 1) wrote raw into the
 * store: struct bot_dialogue as it was then, frozen here so that the live struct may change
 * while those rows stay readable (bot/dialogue_codec.c reads them; the store's migration to
 * schema 3 rewrites them as JSON). Private to the codec and its unit test. */
#ifndef SANAD_BOT_DIALOGUE_RAW_H
#define SANAD_BOT_DIALOGUE_RAW_H

#define BOT_DIALOGUE_RAW_SUGG 3 /* BOT_MAX_SUGGESTIONS then */

struct bot_dialogue_raw {
    char lang[3];
    int misses;
    int awaiting;
    char last_kb_id[64];
    char last_q[512];
    unsigned turns;
    int last_q_logged;
    int lang_hinted;
    int nsugg;
    char sugg_ids[BOT_DIALOGUE_RAW_SUGG][64];
};

/* The size those binaries stored (tests/data/store/raw-dialogue.json: dialogue_bytes). */
_Static_assert(sizeof(struct bot_dialogue_raw) == 796, "the raw layout is frozen");

#endif
