/* Shared by the libFuzzer targets (tests/fuzz/fuzz_<name>.c): libFuzzer's entry points, and
 * FUZZ_CHECK, which makes a broken invariant fail the target the way a crash does (abort()
 * leaves the input in the crash directory), so a target finds wrong answers as well as
 * memory errors. Built only with clang -fsanitize=fuzzer (mk/fuzz.mk). */
#ifndef SANAD_TESTS_FUZZ_H
#define SANAD_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Called by libFuzzer once per input; data is not NUL-terminated. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Called once before the first input (the targets that need a set-up define it). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* A NUL-terminated copy of the input (caller free()s it), for decoders that take C text or
 * that must not read past len. */
static inline char *fuzz_dup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < size; i++)
        s[i] = (char)data[i];
    s[size] = 0;
    return s;
}

#endif
