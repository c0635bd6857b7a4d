/* libFuzzer target: knowledge-base import of JSON Lines files (kb_parse_import, kb_parse,
 * kb_import); the checks are in tests/fuzz/import.h. */
#define FUZZ_IMPORT_FMT KB_FMT_JSONL
#include "tests/fuzz/import.h"
