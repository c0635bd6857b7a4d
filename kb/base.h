/* Project-wide base, prefix sn_: aborting allocators, the error record, a capped
 * string buffer and the log sink. It lives in kb/ because kb is the bottom layer. */
#ifndef SANAD_KB_BASE_H
#define SANAD_KB_BASE_H

#include <stdarg.h>
#include <stddef.h>

#define SN_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Error codes shared by every module. 0 is success; failures are negative. */
enum sn_code {
    SN_OK = 0,
    SN_EINVAL = -1,   /* bad input from a user: exit code 2 in the CLI */
    SN_ENOTFOUND = -2, /* no such entry / no result: exit code 1 */
    SN_ETOOBIG = -3,  /* an input went past a documented cap */
    SN_EDB = -4,      /* SQLite failed */
    SN_EIO = -5,      /* file or ICU/libstemmer failure */
    SN_ECONFLICT = -6 /* already exists / version mismatch */
};

/* Error record filled by any function that takes a struct sn_err *; may be NULL. */
struct sn_err {
    int code;      /* enum sn_code */
    int detail;    /* a module's finer code, as SQLite's extended result codes (bot/proto.h:
                    * the wire error code of a refused frame); 0 when none */
    char msg[240];
};

/* Sets err (when not NULL) and returns code, so callers can write `return sn_err_set(...)`. */
int sn_err_set(struct sn_err *err, int code, const char *fmt, ...) SN_PRINTF(3, 4);

/* Allocators that abort with a message on OOM. Safe because every input-driven size is
 * capped before allocation. */
void *sn_xmalloc(size_t n);
void *sn_xcalloc(size_t n, size_t size);
void *sn_xrealloc(void *p, size_t n);
char *sn_xstrdup(const char *s);
char *sn_xstrndup(const char *s, size_t n);

/* Growable byte buffer with a hard cap set at init (curl's dynbuf). Always NUL-terminated. */
struct sn_buf {
    char *p;
    size_t len, cap, max;
};

void sn_buf_init(struct sn_buf *b, size_t max);
void sn_buf_fini(struct sn_buf *b);
/* Append n bytes. Returns SN_OK, or SN_ETOOBIG (buffer unchanged) when max would be passed. */
int sn_buf_add(struct sn_buf *b, const void *p, size_t n);
int sn_buf_adds(struct sn_buf *b, const char *s);
int sn_buf_printf(struct sn_buf *b, const char *fmt, ...) SN_PRINTF(2, 3);
/* Hands the contents to the caller (free()) and resets b. Never NULL. */
char *sn_buf_take(struct sn_buf *b);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
 * On failure *bad_off (when not NULL) is the byte offset of the first bad sequence. */
int sn_utf8_valid(const char *s, size_t n, size_t *bad_off);

enum sn_log_level { SN_LOG_ERR, SN_LOG_WARN, SN_LOG_NOTICE, SN_LOG_INFO, SN_LOG_DEBUG };
extern int sn_log_level;
void sn_log_emit(int level, const char *mod, const char *fmt, ...) SN_PRINTF(3, 4);
/* Checks the level before evaluating the arguments (Redis's serverLog). */
#define sn_log(level, mod, ...)                                                                    \
    do {                                                                                           \
        if ((level) <= sn_log_level)                                                               \
            sn_log_emit((level), (mod), __VA_ARGS__);                                              \
    } while (0)

#endif
