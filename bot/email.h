/* Email addresses visitors give (leave_message; later the cases' replies by email): checked
 * and normalized before they are stored, because they go on to mail tools and agents'
 * screens. Pure: no I/O. */
#ifndef SANAD_BOT_EMAIL_H
#define SANAD_BOT_EMAIL_H

#include "kb/base.h"

#define BOT_EMAIL_MAX 254 /* bytes of an address (RFC 5321's path limit less the brackets) */

/* The address in s (NUL-terminated UTF-8), normalized into out: white space trimmed at both
 * ends, the domain in lower case. SN_OK, or SN_EINVAL with why in err for: no or several
 * '@', an empty part, a local part over 64 bytes or an address over BOT_EMAIL_MAX; a
 * leading '-' (read as an option by mail tools); "mailto:", '%' escapes and the characters
 * RFC 5322 keeps out of a plain address (space, controls, <>()[]\,;:"); invisible and bidi
 * control characters anywhere (Unicode Cc, Cf, Zs, Zl, Zp, private use, unassigned), which
 * make an address look like another; a domain without a dot, with an empty label, a label
 * that starts or ends with '-', or a character that is not a letter, a digit or '-'. */
int bot_email_normalize(const char *s, char out[BOT_EMAIL_MAX + 1], struct sn_err *err);

#endif
