/* The pure parts of the help center (bot/help.c): which page a path names, the one HTML
 * escaper every entry field and echoed query goes through, answers rendered with their
 * links as the chat widget shows them, form and query decoding, and the language an
 * Accept-Language header asks for. No lws, no kb, no I/O: unit-tested with hostile input
 * (tests/unit/test_bot_help_html.c). Internal to bot/. */
#ifndef SANAD_BOT_HELP_HTML_H
#define SANAD_BOT_HELP_HTML_H

#include <stddef.h>

#include "kb/base.h"

/* What a path under /help names. */
enum bot_help_page {
    BOT_HELP_NOTFOUND = 0, /* anything else: the 404 page, never a file */
    BOT_HELP_PICK,         /* /help or /help/: by Accept-Language, redirected */
    BOT_HELP_INDEX,        /* /help/{lang}/ (and /help/{lang}): the list and the search */
    BOT_HELP_ARTICLE,      /* /help/{lang}/{id} */
    BOT_HELP_VOTE,         /* /help/{lang}/{id}/vote: the "was this helpful" form's target */
    BOT_HELP_NPAGES
};

#define BOT_HELP_MAX_ID 64 /* KB_MAX_ID_BYTES */

struct bot_help_path {
    int page;                     /* enum bot_help_page */
    char lang[3];                 /* "ar" or "en" (INDEX, ARTICLE, VOTE) */
    char id[BOT_HELP_MAX_ID + 1]; /* ARTICLE, VOTE: 1..64 of [A-Za-z0-9._-], not "." or ".." */
};

/* Parses path (the URI path only, no query; lws has already decoded %XX and folded "..",
 * but this trusts none of it) into *out. Returns out->page; a path that is not exactly one
 * of the forms above (a trailing slash after an id, an empty or over-long id, a byte outside
 * the id set, an unknown language, a NUL) is BOT_HELP_NOTFOUND. */
int bot_help_parse_path(const char *path, struct bot_help_path *out);

/* Appends s[0..n) to b with & < > " ' escaped (the one escaper for text and attribute
 * values alike), and bytes below 0x20 other than \n and \t dropped. SN_OK or SN_ETOOBIG
 * (b's cap). */
int bot_help_esc(struct sn_buf *b, const char *s, size_t n);
int bot_help_escs(struct sn_buf *b, const char *s);

/* Appends an answer's text to b, escaped, with its http(s) URLs as links the way the widget
 * shows them (widget/widget.js appendLinkified): a URL starts at "http://" or "https://"
 * (any case) not preceded by a letter, digit or '_', runs to a space, < > " ' ` or a control
 * byte, and loses its trailing sentence punctuation (. , ; : ! ? ) ] } » ” ’ ، ؛ ؟); it becomes
 * <a href=... target=_blank rel="noopener noreferrer" dir=ltr> when it has a host. The href
 * is the URL with every byte outside printable ASCII percent-encoded, then escaped; nothing
 * else of the text becomes markup. SN_OK or SN_ETOOBIG. */
int bot_help_linkify(struct sn_buf *b, const char *text);

/* The value of field name in an application/x-www-form-urlencoded string s[0..n) (a POST
 * body or a query string): '+' is a space and %XX a byte. The first occurrence counts.
 * Copies it NUL-terminated into out (size bytes). Returns its length, -1 when absent, -2
 * when malformed (a bad %-escape, a decoded NUL, invalid UTF-8) or longer than size - 1. */
int bot_help_form_get(const char *s, size_t n, const char *name, char *out, size_t size);

/* The help center's language for an Accept-Language header (NULL: none): the ar or en range
 * of highest q (ar-EG, en-GB… count for their language, q=0 refuses), Arabic when neither
 * is named or on a tie. Returns "ar" or "en" (static). */
const char *bot_help_pick_lang(const char *accept_language);

/* 1 when lang is one of the help center's languages ("ar", "en"). */
int bot_help_lang_ok(const char *lang);

#endif
