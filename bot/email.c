/* Email address checks (see bot/email.h). ICU classifies the characters beyond ASCII. */
#include "bot/email.h"

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#define LOCAL_MAX 64

/* A code point no address should hold: invisible, a bidi control, a space or unassigned. */
static int invisible(UChar32 c)
{
    switch (u_charType(c)) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR: /* bidi controls, zero-width joiners and spaces, soft hyphen */
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
    case U_UNASSIGNED:
        return 1;
    default:
        return c == 0xFFFD || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
    }
}

/* Characters RFC 5322 keeps out of an unquoted address, and '%' (an escape some mailers
 * decode: the address stored is not the one shown). */
static int special(UChar32 c)
{
    return c <= ' ' || c == 0x7f || (c < 0x80 && strchr("<>()[]\\,;:\"%", (int)c));
}

/* A letter or digit of a domain label (an internationalized one included, with its marks). */
static int domain_char(UChar32 c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    int t = u_charType(c);
    return u_isalnum(c) || t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK;
}

static int domain_ok(const char *d, size_t n, struct sn_err *err)
{
    size_t label = 0, labels = 0;
    int32_t i = 0;
    UChar32 c, prev = 0;
    while (i < (int32_t)n) {
        U8_NEXT(d, i, (int32_t)n, c);
        if (c == '.') {
            if (!label || prev == '-')
                return sn_err_set(err, SN_EINVAL,
                                  "the domain has an empty part or one ending in '-'");
            labels++;
            label = 0;
        } else if (c == '-' && !label) {
            return sn_err_set(err, SN_EINVAL, "a part of the domain starts with '-'");
        } else if (c != '-' && !domain_char(c)) {
            return sn_err_set(err, SN_EINVAL, "the domain holds letters, digits, '-' and '.' only");
        } else {
            label++;
        }
        prev = c;
    }
    if (!label || prev == '-' || !labels)
        return sn_err_set(err, SN_EINVAL, "the domain needs a dot, and no empty last part");
    return SN_OK;
}

int bot_email_normalize(const char *s, char out[BOT_EMAIL_MAX + 1], struct sn_err *err)
{
    size_t n = strlen(s), b = 0;
    out[0] = 0;
    while (b < n && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n'))
        b++;
    while (n > b && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    s += b;
    n -= b;
    if (!n || n > BOT_EMAIL_MAX)
        return sn_err_set(err, SN_EINVAL, "an address is 1 to %d bytes", BOT_EMAIL_MAX);
    if (!strncasecmp(s, "mailto:", 7))
        return sn_err_set(err, SN_EINVAL, "give the address without mailto:");
    if (s[0] == '-')
        return sn_err_set(err, SN_EINVAL, "an address does not start with '-'");
    const char *at = memchr(s, '@', n);
    if (!at || memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
        return sn_err_set(err, SN_EINVAL, "an address has one '@'");
    size_t local = (size_t)(at - s);
    if (!local || local > LOCAL_MAX)
        return sn_err_set(err, SN_EINVAL, "the part before '@' is 1 to %d bytes", LOCAL_MAX);
    int32_t i = 0;
    while (i < (int32_t)n) {
        UChar32 c;
        U8_NEXT(s, i, (int32_t)n, c);
        if (c < 0)
            return sn_err_set(err, SN_EINVAL, "the address is not valid UTF-8");
        if (special(c) || (c >= 0x80 && invisible(c)))
            return sn_err_set(err, SN_EINVAL, "the address holds a character no address has");
    }
    if (s[0] == '.' || at[-1] == '.' || memmem(s, local, "..", 2))
        return sn_err_set(err, SN_EINVAL, "the part before '@' has a misplaced dot");
    int rc = domain_ok(at + 1, n - local - 1, err);
    if (rc)
        return rc;
    memcpy(out, s, n);
    out[n] = 0;
    for (char *p = out + local + 1; *p; p++) /* domains are case-insensitive: store one form */
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return SN_OK;
}
