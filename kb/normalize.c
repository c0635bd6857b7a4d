#include "kb/normalize.h"

uint32_t kb_norm_char(uint32_t c)
{
    if (c < 0x0600) /* fast path: ASCII and Latin are handled by NFKC_Casefold */
        return c;
    if ((c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640 ||
        (c >= 0x06D6 && c <= 0x06ED) || c == 0x061C)
        return 0; /* tashkeel, superscript alef, tatweel, Quranic marks, arabic letter mark */
    if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0x200E || c == 0x200F ||
        (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF)
        return 0; /* zero-width and bidi controls: invisible, must not split or change a word */
    switch (c) {
    case 0x0622: /* آ */
    case 0x0623: /* أ */
    case 0x0625: /* إ */
    case 0x0671: /* ٱ */
        return 0x0627;
    case 0x0624: /* ؤ */
        return 0x0648;
    case 0x0649: /* ى: folded before stemming so Snowball sees مستشفى and مستشفي alike */
        return 0x064A;
    case 0x0626: /* ئ */
    case 0x06CC: /* Persian yeh ی */
    case 0x06D2: /* yeh barree */
        return 0x064A;
    case 0x06A9: /* Persian kaf ک */
    case 0x06AF: /* gaf گ, written for g in Gulf and Egyptian loanwords */
        return 0x0643;
    case 0x06A4: /* veh ڤ */
        return 0x0641;
    case 0x067E: /* peh پ */
        return 0x0628;
    case 0x0686: /* tcheh چ */
        return 0x062C;
    case 0x06C1: /* heh goal */
    case 0x06D5: /* ae */
        return 0x0647;
    }
    if (c == 0x066B) /* Arabic decimal separator: ٣٫٥ is 3.5 */
        return '.';
    if (c == 0x066C) /* Arabic thousands separator: ١٬٥٠٠ is 1,500 */
        return ',';
    if (c >= 0x0660 && c <= 0x0669)
        return '0' + (c - 0x0660);
    if (c >= 0x06F0 && c <= 0x06F9)
        return '0' + (c - 0x06F0);
    return c;
}

uint32_t kb_norm_final(uint32_t c)
{
    if (c == 0x0629) /* ة */
        return 0x0647;
    if (c == 0x0649) /* ى */
        return 0x064A;
    return c;
}

void kb_norm_word(uint32_t *s, size_t *n, int final)
{
    size_t o = 0;
    for (size_t i = 0; i < *n; i++) {
        uint32_t c = kb_norm_char(s[i]);
        if (c && final)
            c = kb_norm_final(c);
        if (c)
            s[o++] = c;
    }
    *n = o;
}

int kb_is_arabic_letter(uint32_t c)
{
    return (c >= 0x0620 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D3) ||
           (c >= 0x0750 && c <= 0x077F) || (c >= 0xFB50 && c <= 0xFDFF) ||
           (c >= 0xFE70 && c <= 0xFEFF);
}
