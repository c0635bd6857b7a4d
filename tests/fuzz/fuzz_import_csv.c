/* libFuzzer target: knowledge-base import of CSV files (kb_parse_import, kb_parse,
 * kb_import); the checks are in tests/fuzz/import.h. */
#define FUZZ_IMPORT_FMT KB_FMT_CSV
#include "tests/fuzz/import.h"
